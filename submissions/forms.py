from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.fields import IdChoiceField, IdMultipleChoiceField, PortalDateTimeField, UploadField
from core.widgets import DATETIME_WIDGET, MultipleFileInput

from . import casefields, lifecycle, rules, selectors
from .models import Call, CallField, Case, Category, ChunkedUpload, DeadlineExtension, Unit
from .services import call_copy_slug, call_copy_title


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
            "remind_days_before",
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
        # Left out of a form (an older page, a script): the call keeps what it had.
        self.fields["remind_days_before"].required = False
        if self.instance.pk and not self.instance.allows(lifecycle.CHANGE_AWARD_NUMBERS):
            for name in ("award_top_n", "award_excellent_m"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "The awards are final: the number of awards can no longer change."
                )

    def clean_remind_days_before(self):
        value = self.cleaned_data.get("remind_days_before")
        return self.instance.remind_days_before if value is None else value

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


def field_name(field: CallField) -> str:
    """The form name of a call field's answer (services.field_form_name)."""
    return f"field_{field.key}"


def _year_later(moment):
    """The same moment a year later (28 February for a 29 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


class CallCopyForm(forms.ModelForm):
    """A new call set up like an earlier one: the organizer chooses the title, the short name
    and the dates (offered: the source's a year later); services.call_copy copies the rest."""

    class Meta:
        model = Call
        fields = ["title", "slug", "opens_at", "closes_at"]
        widgets = CallForm.Meta.widgets
        field_classes = CallForm.Meta.field_classes
        help_texts = {
            k: v for k, v in CallForm.Meta.help_texts.items() if k in ("slug", "opens_at")
        }

    def __init__(self, *args, source: Call, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": call_copy_title(source.title),
                "slug": call_copy_slug(source.slug),
                "opens_at": _year_later(timezone.localtime(source.opens_at)),
                "closes_at": _year_later(timezone.localtime(source.closes_at)),
            },
        )
        super().__init__(*args, **kwargs)
        self.source = source

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return data


class CaseForm(forms.ModelForm):
    """The text of a case and the answers to the call's own fields (casefields). A draft needs
    only a title; `services.case_submit` checks the rest.

    The call's fields shown are those asking the case's stored category (all of them while it
    has none, each scoped one saying which categories it asks). `answers` (after is_valid) are
    the cleaned answers keyed by field key; `field_uploads` the new files per FILE field."""

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
        # The live counter (static/js/portal.js) shows "n / max" and holds the form back
        # while the body is over the call's limit; rules.case_text refuses it on the server.
        self.fields["body"].widget.attrs.update(casefields.max_attrs(call.body_max_chars))
        self.core_names = [n for n in self.fields if n != "version"]
        self.call_fields = self._call_fields(call)
        stored = self.instance.extra or {}
        for field in self.call_fields:
            name = field_name(field)
            if field.kind == CallField.Kind.FILE:
                self.fields[name] = MultipleFileField(
                    label=casefields.label(field), help_text=field.help_text, required=False
                )
            else:
                self.fields[name] = casefields.form_field(field)
                self.initial[name] = casefields.form_initial(field, stored.get(field.key))
            scope = [c.name for c in field.categories.all()]
            if scope and not self.instance.category_id:
                note = _("Only for: %(categories)s") % {"categories": "、".join(scope)}
                help_text = self.fields[name].help_text
                self.fields[name].help_text = f"{help_text} {note}" if help_text else note
        self.answers: dict = {}
        self.field_uploads: dict[int, list] = {}

    def _call_fields(self, call: Call) -> list[CallField]:
        fields = casefields.call_fields(call)
        if self.instance.category_id:
            return casefields.fields_for(fields, self.instance.category_id)
        return fields

    def extra_rows(self):
        """(bound field, call field) for each of the call's fields, in order."""
        return [(self[field_name(f)], f) for f in self.call_fields]

    def core_rows(self):
        return [self[n] for n in self.core_names]

    def clean(self):
        data = super().clean()
        for field in self.call_fields:
            name = field_name(field)
            if field.kind == CallField.Kind.FILE:
                self.field_uploads[field.pk] = list(data.get(name) or [])
                continue
            if name in self.errors:
                continue
            try:
                self.answers[field.key] = casefields.clean(field, data.get(name))
            except ValidationError as exc:
                self.add_error(name, exc)
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


class UploadStartForm(forms.Form):
    """The start of a chunked upload (services_uploads): what the case form's script sends as
    soon as a file is chosen. The call must take submissions and the case, when given, be one
    of the user's own units' cases of that call; `field` a FILE field of the call."""

    call = forms.SlugField(max_length=rules.max_length(Call, "slug"))
    case = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    kind = forms.ChoiceField(choices=ChunkedUpload.Kind.choices)
    field = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    name = forms.CharField(max_length=1000)
    size = forms.IntegerField(min_value=0, max_value=2**62)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_call(self):
        call = selectors.calls_for_units().filter(slug=self.cleaned_data["call"]).first()
        if call is None:
            raise ValidationError(_("This call is not accepting submissions."))
        return call

    def clean(self):
        data = super().clean()
        call = data.get("call")
        if call is None:
            return data
        if data.get("case"):
            data["case"] = (
                selectors.cases_visible_to(self.user)
                .filter(pk=data["case"], call=call, unit_id__in=roles.unit_ids(self.user))
                .first()
            )
            if data["case"] is None:
                self.add_error("case", _("This case is not one of your unit's cases."))
        else:
            data["case"] = None
        if data.get("field"):
            data["field"] = call.fields.filter(pk=data["field"], kind=CallField.Kind.FILE).first()
            if data["field"] is None:
                self.add_error("field", _("This file answers a field of another call."))
        else:
            data["field"] = None
        return data


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


class CallFieldForm(forms.ModelForm):
    """One field of a call's case form (services_fields.call_field_save checks the rules)."""

    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a single or multiple choice: one choice per line, at least two."),
    )
    categories = IdMultipleChoiceField(
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Only for these categories"),
        help_text=_("Leave all unticked to ask every case."),
    )

    class Meta:
        model = CallField
        fields = [
            "kind",
            "label",
            "label_en",
            "help_text",
            "required",
            "min_value",
            "max_value",
            "judges_see",
            "blind_mask",
        ]
        help_texts = {
            "label_en": _("Shown when the page is in English; leave empty to show the label."),
            "help_text": _("A short hint shown under the field."),
            "required": _("A draft may leave it empty; a case cannot be submitted without it."),
            "judges_see": _("Untick for answers only the organizer needs (e.g. an ID number)."),
        }

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.call = call
        categories = cast(IdMultipleChoiceField, self.fields["categories"])
        categories.queryset = call.categories.all()
        if not call.categories.exists():
            del self.fields["categories"]
        elif self.instance.pk:
            self.initial["categories"] = [c.pk for c in self.instance.categories.all()]
        self.initial["choices_text"] = "\n".join(casefields.choices(self.instance))
        self.fields["min_value"].help_text = LIMITS_EXPLAINED
        self.fields["max_value"].help_text = _("Leave empty for no limit.")
        # The order of the page: what the field is, then its limits and who sees it.
        order = ["kind", "label", "label_en", "help_text", "required", "choices_text"]
        self.order_fields([*order, "min_value", "max_value", "categories"])

    def clean(self):
        data = super().clean()
        self.instance.choices = (data.get("choices_text") or "").splitlines()
        return data


LIMITS_EXPLAINED = _(
    "What the minimum and maximum limit depends on the kind: the length in characters of a "
    "short or long text; the value of a whole or decimal number; how many choices may be "
    "ticked in a multiple choice; how many files. Other kinds have none."
)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "award_top_n", "award_excellent_m"]
        labels = {
            "name": _("Category name"),
            "award_top_n": _("Top cases (十佳)"),
            "award_excellent_m": _("Excellent cases (优秀)"),
        }

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.call = call


class InviteAccountsForm(forms.Form):
    """The accounts to send the invitation to (again): units' members, or the accounts of
    `people` (the expert pool's page passes its experts)."""

    users = IdMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Choose whom to invite.")},
    )

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if people is None:
            people = get_user_model().objects.filter(memberships__isnull=False).distinct()
        cast(forms.ModelMultipleChoiceField, self.fields["users"]).queryset = people


class CallDocumentForm(forms.Form):
    """A document the organizer publishes with a call (the call's organizer page)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("For example: 征集通知（全文）. Empty: the file's name."),
    )
    file = UploadField(
        label=_("File (PDF, Word or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.xlsx"}),
    )
