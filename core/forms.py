"""Forms more than one app shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import UploadField
from .logo import logo_png
from .models import SiteProfile


class TableUploadForm(forms.Form):
    """One .xlsx or .csv table to import (units, experts)."""

    file = UploadField(label=_("File (.xlsx or .csv)"))


class SiteProfileForm(forms.ModelForm):
    """The organizer's page 网站信息: the header and footer of every page."""

    logo_file = UploadField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 2 MB; shown 40 pixels high in the header."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = SiteProfile
        fields = [
            "portal_name",
            "host_org",
            "contact_phone",
            "contact_email",
            "address",
            "icp_number",
            "police_number",
        ]

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if upload:
            logo_png(upload)  # checked here, so the page names what is wrong with it
            upload.seek(0)
        return upload
