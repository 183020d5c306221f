"""Forms of the certificates app: the design, and the reason for revoking."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.fields import MAX_YEAR, MIN_YEAR, UploadField

from . import services
from .models import CertificateDesign

IMAGE_ACCEPT = "image/png,image/jpeg,.png,.jpg,.jpeg"


class DesignForm(forms.ModelForm):
    """The organizer's certificate design; images are checked by decoding them here and again
    by the service that stores them."""

    seal_upload = UploadField(
        label=_("Seal image (PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("A transparent PNG looks best; at most 2 MB and 4 megapixels."),
    )
    remove_seal = forms.BooleanField(label=_("Remove the seal"), required=False)
    background_upload = UploadField(
        label=_("Background image (PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("Fills the page; at most 6 MB and 16 megapixels."),
    )
    remove_background = forms.BooleanField(label=_("Remove the background"), required=False)

    class Meta:
        model = CertificateDesign
        fields = ["title", "body", "issuer", "issued_on", "orientation"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "orientation": forms.RadioSelect,
        }
        help_texts = {
            "body": _(
                "Merge fields, filled in on each certificate: {unit} the unit, {case} the "
                "case's title, {award} the award, {category} the category, {call} the call, "
                "{date} the date of issue, {number} the certificate's number. One paragraph "
                "per line."
            ),
            "issuer": _("Printed above the date, e.g. the organizing office."),
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        services.body_check(body)
        return body

    def clean_issued_on(self):
        day = self.cleaned_data["issued_on"]
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationError(
                _("Enter a date between the years %(min)d and %(max)d."),
                params={"min": MIN_YEAR, "max": MAX_YEAR},
            )
        return day

    def _image(self, name: str, max_bytes: int, max_pixels: int):
        upload = self.cleaned_data.get(name)
        if upload:
            services.image_check(upload, max_bytes=max_bytes, max_pixels=max_pixels)
        return upload

    def clean_seal_upload(self):
        return self._image("seal_upload", services.SEAL_MAX_BYTES, services.SEAL_MAX_PIXELS)

    def clean_background_upload(self):
        return self._image(
            "background_upload", services.BACKGROUND_MAX_BYTES, services.BACKGROUND_MAX_PIXELS
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Shown on the verification page")}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(
                _("Give the reason for revoking: the verification page shows it.")
            )
        return reason
