"""Forms of the random drawing: its rules, and the upload of a record to verify."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import drawing as services

RECORD_MAX_BYTES = 5 * 1024 * 1024


class DrawingRulesForm(forms.Form):
    count = forms.IntegerField(
        label=_("Experts to draw"), min_value=1, max_value=services.MAX_COUNT, initial=7
    )
    backups = forms.IntegerField(
        label=_("Backups (候补), in order"), min_value=0, max_value=services.MAX_COUNT, initial=3
    )
    quotas = forms.CharField(
        label=_("From which fields"),
        required=False,
        max_length=500,
        help_text=_(
            "For example 城市管理=2, 社会治理=3: drawn first, in this order; the rest from anyone."
        ),
    )
    own_unit = forms.ChoiceField(
        label=_("Exclude experts of the units"),
        choices=[
            (services.OWN_UNIT_CALL, _("of any case of the call")),
            (services.OWN_UNIT_ROUND, _("of the round's cases")),
            (services.OWN_UNIT_OFF, _("no, do not exclude by unit")),
        ],
        initial=services.OWN_UNIT_CALL,
    )
    relationships = forms.BooleanField(
        label=_("Exclude experts who declared a conflict with a case of the call"),
        required=False,
        initial=True,
    )
    recent_calls = forms.IntegerField(
        label=_("Exclude who served on the last N calls (0: off)"),
        min_value=0,
        max_value=50,
        initial=0,
    )
    max_draws_year = forms.IntegerField(
        label=_("Exclude who was drawn M times this year already (0: off)"),
        min_value=0,
        max_value=100,
        initial=0,
    )
    rating = forms.ChoiceField(
        label=_("Experts rated incompetent"),
        choices=[
            (services.RATING_OFF, _("no rule")),
            (services.RATING_DEPRIORITISE, _("drawn only when no one else is left")),
            (services.RATING_EXCLUDE, _("excluded")),
        ],
        initial=services.RATING_DEPRIORITISE,
    )
    rating_calls = forms.IntegerField(
        label=_("… in the last N calls"), min_value=1, max_value=50, initial=3
    )
    witness = forms.CharField(label=_("Witness or supervisor present"), max_length=100)
    redraw_reason = forms.CharField(
        label=_("Reason for the redraw (recorded)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_quotas(self):
        text = self.cleaned_data.get("quotas") or ""
        parts = [p for p in re.split(r"[,，;；、\n]+", text) if p.strip()]
        return [services.parse_quota(p.replace("＝", "=")) for p in parts]

    def rules(self) -> services.DrawingRules:
        d = self.cleaned_data
        return services.DrawingRules(
            count=d["count"],
            backups=d["backups"],
            quotas=d["quotas"],
            own_unit=d["own_unit"],
            relationships=d["relationships"],
            recent_calls=d["recent_calls"],
            max_draws_year=d["max_draws_year"],
            rating=d["rating"],
            rating_calls=d["rating_calls"],
        )

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.rules().check()
        return data


class RecordUploadForm(forms.Form):
    max_bytes = RECORD_MAX_BYTES + 64 * 1024  # the request body: the file and the form
    record = forms.FileField(label=_("Drawing record (.json)"))

    def clean_record(self):
        upload = self.cleaned_data["record"]
        if upload.size > RECORD_MAX_BYTES:
            raise ValidationError(_("The file is too large for a drawing record."))
        return upload


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label=_("Rating"), choices=[])
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ExpertRating

        self.fields["rating"].choices = [("", "—"), *ExpertRating.Rating.choices]
