from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import IdChoiceField, IdMultipleChoiceField, PortalDateTimeField, UploadField
from core.widgets import DATETIME_WIDGET, MultipleFileInput

from . import lifecycle, rules
from .models import Call, Case, Category, DeadlineExtension, Unit


class CallForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = [
            "title",
            "slug",
            "host_line",
            "notice",
            "opens_at",
            "closes_at",
            "min_photos",
            "max_photos",
            "max_photo_mb",
            "body_max_chars",
            "award_top_n",
            "award_excellent_m",
        ]
        widgets = {"opens_at": DATETIME_WIDGET, "closes_at": DATETIME_WIDGET}
        field_classes = {"opens_at": PortalDateTimeField, "closes_at": PortalDateTimeField}
        help_texts = {
            "slug": _("Letters, digits and hyphens, used in addresses, e.g. 2026-civic-cases."),
            "opens_at": _("Beijing time."),
            "closes_at": _(
                "Beijing time. Units cannot submit after this moment unless they have an extension."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.allows(lifecycle.CHANGE_AWARD_NUMBERS):
            for name in ("award_top_n", "award_excellent_m"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "The awards are final: the number of awards can no longer change."
                )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        lo, hi = data.get("min_photos"), data.get("max_photos")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("max_photos", _("The maximum cannot be below the minimum."))
        mb, most = data.get("max_photo_mb"), rules.photo_mb_limit()
        if mb is not None and not 1 <= mb <= most:
            self.add_error(
                "max_photo_mb",
                _("Choose between %(min)d and %(max)d MB.") % {"min": 1, "max": most},
            )
        return data


class CaseForm(forms.ModelForm):
    """The text of a case. A draft needs only a title; `services.case_submit` checks the rest."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    unit = IdChoiceField(queryset=Unit.objects.none(), label=_("Submitting unit"))

    class Meta:
        model = Case
        fields = ["unit", "title", "category", "contact_name", "contact_phone", "summary", "body"]
        field_classes = {"category": IdChoiceField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 14, "data-counter": "body"}),
        }

    def __init__(self, *args, call: Call, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        cast(IdChoiceField, self.fields["unit"]).queryset = units
        if self.instance.pk:
            del self.fields["unit"]
            self.fields["version"].initial = self.instance.version
        elif len(choices := list(units)) == 1:
            # A user of a single unit submits for it; there is nothing to choose.
            del self.fields["unit"]
            self.instance.unit = choices[0]
        cast(IdChoiceField, self.fields["category"]).queryset = call.categories.all()
        if not call.categories.exists():
            del self.fields["category"]
        self.fields["body"].help_text = _("At most %(max)d characters.") % {
            "max": call.body_max_chars
        }

    def clean(self):
        data = super().clean()
        # The case rules (rules.py): line breaks, the phone's format, the call's body limit.
        try:
            data.update(
                rules.case_text(self.call, {f: data[f] for f in rules.TEXT_FIELDS if f in data})
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        if self.instance.pk and data.get("version") is None:
            # Without the version the lost-update check cannot run: refuse rather than guess.
            raise ValidationError(_("The form is incomplete. Reload the page and try again."))
        return data


class PhotoRowForm(forms.Form):
    """One photo row: an existing or staged photo (by id), or a new upload; caption and order."""

    photo = forms.IntegerField(widget=forms.HiddenInput, required=False)
    image = UploadField(label=_("Photo file"), required=False)
    caption = forms.CharField(label=_("Caption"), max_length=rules.caption_limit(), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)
    remove = forms.BooleanField(label=_("Remove"), required=False)


def photo_formset_class(call: Call) -> type[forms.BaseFormSet]:
    """The photo rows of a case form of `call`: never more forms than the call's rows allow
    (rules.photo_rows_limit), however many the posted management form claims."""
    limit = rules.photo_rows_limit(call)
    return forms.formset_factory(PhotoRowForm, extra=0, max_num=limit, absolute_max=limit)


class MultipleFileField(UploadField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AttachmentUploadForm(forms.Form):
    # The form metaclass takes declared fields off the class, so `self.files` stays the uploads;
    # the stubs do not model that.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Add attachments (PDF or Word)"), required=False
    )


class CaseCategoryForm(forms.Form):
    """The organizer's choice of a case's category (组别)."""

    category = IdChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("No category"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        cast(IdChoiceField, self.fields["category"]).queryset = call.categories.all()


class ScreeningForm(forms.Form):
    ACTIONS = [
        ("accept", _("Accept")),
        ("return", _("Return for revision")),
        ("reject", _("Reject")),
    ]
    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS)
    reason = forms.CharField(
        label=_("Reason (shown to the unit)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") in ("reject", "return") and not data.get("reason", "").strip():
            self.add_error("reason", _("Give a reason when you reject a case or return it."))
        return data


class BulkScreeningForm(ScreeningForm):
    cases = IdMultipleChoiceField(
        queryset=Case.objects.none(),
        required=True,
        error_messages={"required": _("Select at least one case.")},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = queryset


class ExtensionForm(forms.Form):
    unit = IdChoiceField(queryset=Unit.objects.all(), label=_("Unit"))
    until = PortalDateTimeField(label=_("Extended until (Beijing time)"), widget=DATETIME_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=rules.max_length(DeadlineExtension, "reason"),
        required=False,
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise ValidationError(_("The extension must end in the future."))
        return until


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Unit name"), max_length=rules.unit_name_limit())
    username = forms.CharField(
        label=_("User name for its account"),
        max_length=rules.max_length(get_user_model(), "username"),
        required=False,
    )
    full_name = forms.CharField(
        label=_("Person's name"),
        max_length=rules.max_length(get_user_model(), "full_name"),
        required=False,
    )
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to generate one; it is shown once."),
    )


class ImportUploadForm(forms.Form):
    """Cases collected offline: the table alone, or a ZIP with the table and its photos."""

    file = UploadField(
        label=_("Table (.xlsx, .csv) or ZIP of the table and its photos"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.zip"}),
    )
