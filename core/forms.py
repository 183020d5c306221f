"""Forms more than one app shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import UploadField


class TableUploadForm(forms.Form):
    """One .xlsx or .csv table to import (units, experts)."""

    file = UploadField(label=_("File (.xlsx or .csv)"))
