"""Forms of expert judging: the pool, rounds and criteria, panel, entries, assignment, reviews,
and of results: score import, award adjustments, the public notice and objections.

Forms collect and check input; the services decide. A review's points are checked here with the
service's own parser so that each error sits beside its criterion and names it.
"""

import re
from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.fields import IdChoiceField, IdMultipleChoiceField, PortalDateTimeField, UploadField
from core.params import id_param
from core.widgets import DATETIME_WIDGET
from submissions.models import Call, Case, Unit

from . import importing
from .models import Award, Criterion, Judge, Notice, Round
from .services.results import MAX_AWARD_RANK
from .services.reviews import plain_number, points_parse
from .services.rounds import CriterionSpec


class JudgeForm(forms.Form):
    """A new expert of the pool, with a new account or an existing one."""

    name = forms.CharField(label=_("Name"), max_length=100)
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("An existing account of that name becomes a judge account."),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Reminders are sent to this address.")
    )
    unit = IdChoiceField(
        label=_("Submitting unit the expert works for"),
        queryset=Unit.objects.all(),
        required=False,
        help_text=_(
            "Only when the expert works for a submitting unit: the unit's cases are "
            "then never assigned to him or her."
        ),
    )
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    expertise = forms.CharField(label=_("Expertise"), max_length=300, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to generate one; it is shown once."),
    )


class JudgeEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    unit = JudgeForm.base_fields["unit"]
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    expertise = forms.CharField(label=_("Expertise"), max_length=300, required=False)
    # The expert pool's fields, read by the random drawing (judging/services/drawing.py).
    expert_fields = forms.CharField(
        label=_("Fields of expertise"),
        max_length=300,
        required=False,
        help_text=_("Separated by commas, for example 城市管理, 社会治理; the drawing uses them."),
    )
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    title = forms.CharField(label=_("Professional title"), max_length=100, required=False)
    available = forms.BooleanField(label=_("Available for drawing"), required=False)
    unavailable_reason = forms.CharField(label=_("Why unavailable"), max_length=200, required=False)

    def clean_expert_fields(self):
        text = self.cleaned_data.get("expert_fields") or ""
        return [f.strip() for f in re.split(r"[,，;；、]+", text) if f.strip()]


class RoundChoiceField(IdChoiceField):
    """An earlier round, shown as "2. Second round"."""

    def label_from_instance(self, obj: Round) -> str:
        return f"{obj.number}. {obj.name}"


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = [
            "name",
            "blind",
            "score_step",
            "rule",
            "trim_min_judges",
            "changes_until_close",
            "entry",
            "entry_round",
            "entry_top_n",
            "mode",
            "judges_per_case",
            "deadline",
            "by_category",
            "pledge_required",
            "answer_hours",
        ]
        widgets = {"deadline": DATETIME_WIDGET}
        field_classes = {"deadline": PortalDateTimeField, "entry_round": RoundChoiceField}
        help_texts = {
            "trim_min_judges": _("Below this number of judges a case gets the plain mean."),
            "judges_per_case": _("Only for the balanced assignment."),
            "entry_top_n": _("Ties at the cut all enter."),
            "deadline": _("Beijing time. Shown to the judges and in the reminders."),
        }

    def clean_answer_hours(self):
        return (
            self.cleaned_data.get("answer_hours") or Round._meta.get_field("answer_hours").default
        )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.call = call
        earlier = Round.objects.filter(call=call)
        if self.instance.pk:
            earlier = earlier.filter(number__lt=self.instance.number)
        # Invitations: the answer window defaults to the model's (a form sent without it).
        answer_hours = cast(forms.IntegerField, self.fields["answer_hours"])
        answer_hours.required, answer_hours.min_value = False, 1
        answer_hours.validators.append(MinValueValidator(1))
        answer_hours.widget.attrs["min"] = 1
        entry_round = cast(RoundChoiceField, self.fields["entry_round"])
        entry_round.queryset = earlier.order_by("number")
        entry_round.required = False
        score_step = cast(forms.ChoiceField, self.fields["score_step"])
        # Django normalises the getter's value to (value, label) pairs; the stubs type it as
        # anything the setter accepts.
        score_step.widget = forms.RadioSelect(choices=score_step.choices)  # type: ignore[arg-type]
        if not call.categories.exists():
            del self.fields["by_category"]  # offered only when the call has categories

    def clean(self):
        data = super().clean()
        if data.get("entry") == Round.Entry.TOP_N:
            if not data.get("entry_round"):
                self.add_error("entry_round", _("Choose the earlier round."))
            if not data.get("entry_top_n"):
                self.add_error("entry_top_n", _("Give N."))
        trim = data.get("trim_min_judges")
        if trim is not None and trim < 3:
            self.add_error("trim_min_judges", _("Trimming needs at least 3 judges."))
        k = data.get("judges_per_case")
        if k is not None and k < 1:
            self.add_error("judges_per_case", _("At least one judge per case."))
        return data


class CriterionForm(forms.Form):
    name = forms.CharField(
        label=_("Criterion"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
    )
    max_points = forms.DecimalField(
        label=_("Maximum points"),
        min_value=Decimal("0.5"),
        max_value=Decimal("1000"),
        decimal_places=1,
        widget=forms.NumberInput(
            attrs={
                "class": "form-control form-control-sm",
                "step": "0.5",
                "data-role": "criterion-max",
            }
        ),
    )


class BaseCriterionFormSet(forms.BaseFormSet):
    """The criteria of a round; with `categories` (the call's, as (id, name)), each row also
    says which category it is for, or that it is shared by all."""

    def __init__(self, *args, categories: list[tuple[int, str]] | None = None, **kwargs):
        self.categories = categories or []
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input"
        form.fields["DELETE"].label = _("Remove")
        if self.categories:
            form.fields["category"] = forms.TypedChoiceField(
                label=_("For"),
                choices=[("", _("All categories (shared)")), *self.categories],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        if not kept:
            raise ValidationError(_("A round needs at least one criterion."))
        keys = [(f.cleaned_data.get("category"), f.cleaned_data["name"].strip()) for f in kept]
        shared = {name for category, name in keys if category is None}
        if len(set(keys)) != len(keys) or any(
            category is not None and name in shared for category, name in keys
        ):
            raise ValidationError(_("Two criteria have the same name."))

    def kept_forms(self):
        return [
            f for f in self.forms if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        ]

    def specs(self) -> list[CriterionSpec]:
        return [
            CriterionSpec(
                name=f.cleaned_data["name"],
                max_points=f.cleaned_data["max_points"],
                description=f.cleaned_data["description"],
                category_id=f.cleaned_data.get("category"),
            )
            for f in self.kept_forms()
        ]


# The stubs type formset_factory as returning the plain BaseFormSet, whatever `formset` is.
CriterionFormSet = cast(
    type[BaseCriterionFormSet],
    forms.formset_factory(
        CriterionForm,
        formset=BaseCriterionFormSet,
        extra=1,
        can_delete=True,
        max_num=20,
        absolute_max=30,
    ),
)


def criteria_initial(criteria) -> list[dict]:
    return [
        {
            "name": c.name,
            "description": c.description,
            "max_points": plain_number(c.max_points),
            "category": c.category_id,
        }
        for c in criteria
    ]


class JudgeChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, judge):
        extra = " · ".join(x for x in (judge.affiliation_label, judge.expertise) if x)
        return f"{judge.name}（{extra}）" if extra else judge.name


class PanelForm(forms.Form):
    judges = JudgeChoiceField(
        label=_("Judges of this round"),
        queryset=Judge.objects.select_related("unit"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


NUMBER_SPLIT = re.compile(r"[\s,，、;；]+")


class EntriesForm(forms.Form):
    """A hand-picked list: ticked cases and/or typed case numbers."""

    cases = IdMultipleChoiceField(
        label=_("Accepted cases"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    numbers = forms.CharField(
        label=_("Or type case numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Separated by spaces or commas, e.g. 3, 7, 12."),
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        cast(IdMultipleChoiceField, self.fields["cases"]).queryset = (
            Case.objects.filter(call=call, status=Case.Status.ACCEPTED)
            .select_related("unit")
            .order_by("number")
        )

    def clean_numbers(self):
        text = self.cleaned_data.get("numbers", "").strip()
        if not text:
            return []
        numbers = []
        for part in NUMBER_SPLIT.split(text):
            if not part:
                continue
            number = id_param(part)  # ASCII digits only: "²".isdigit() but int("²") fails
            if number is None:
                raise ValidationError(
                    _("“%(value)s” is not a case number."), params={"value": part[:20]}
                )
            numbers.append(number)
        found = dict(
            Case.objects.filter(
                call=self.call, status=Case.Status.ACCEPTED, number__in=numbers
            ).values_list("number", "pk")
        )
        unknown = [str(n) for n in numbers if n not in found]
        if unknown:
            raise ValidationError(
                _("No accepted case has the number(s) %(numbers)s."),
                params={"numbers": ", ".join(unknown)},
            )
        return [found[n] for n in numbers]

    def case_ids(self) -> list[int]:
        ids = [c.pk for c in self.cleaned_data.get("cases", [])]
        return list(dict.fromkeys(ids + self.cleaned_data.get("numbers", [])))


class RoundCaseField(forms.IntegerField):
    """A case of the round, typed by its number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Case number"))
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class _RoundCaseForm(forms.Form):
    case_number = RoundCaseField()

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round
        cast(IdChoiceField, self.fields["judge"]).queryset = round.panel.all()

    def clean_case_number(self):
        number = self.cleaned_data["case_number"]
        case = Case.objects.filter(
            call_id=self.round.call_id, number=number, round_entries__round=self.round
        ).first()
        if case is None:
            raise ValidationError(_("Case %(n)d is not in this round."), params={"n": number})
        self.cleaned_data["case"] = case
        return number


class AssignmentAddForm(_RoundCaseForm):
    judge = IdChoiceField(label=_("Judge"), queryset=Judge.objects.none())
    field_order = ["case_number", "judge"]


class ConflictRecordForm(_RoundCaseForm):
    judge = IdChoiceField(label=_("Judge"), queryset=Judge.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=500)
    field_order = ["judge", "case_number", "reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (recorded)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConflictDeclareForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you have a conflict of interest with this case?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: you worked on the project, or a relative works for the unit."),
    )


class ReviewForm(forms.Form):
    """One field per criterion (named ``c<id>``) and the comment.

    Points are plain text so that a wrong entry reaches the server as typed and gets a message
    naming its criterion; an empty field is allowed in a draft.
    """

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, criteria: list[Criterion], step: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria, self.step = criteria, step
        for c in criteria:
            self.fields[self.field_name(c)] = forms.CharField(
                label=c.name,
                required=False,
                max_length=20,
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "decimal",
                        "autocomplete": "off",
                        "class": "score-input",
                        "data-points-max": plain_number(c.max_points),
                        "data-step": plain_number(step),
                    }
                ),
            )
        self.order_fields([self.field_name(c) for c in criteria] + ["comment"])

    @staticmethod
    def field_name(criterion) -> str:
        return f"c{criterion.pk}"

    def clean(self):
        data = super().clean()
        for c in self.criteria:
            name = self.field_name(c)
            if name in self.errors:
                continue
            try:
                points_parse(data.get(name), criterion=c, step=self.step)
            except ValidationError as exc:
                self.add_error(name, exc)
        return data

    def points(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(self.field_name(c), "") for c in self.criteria}

    def criterion_fields(self):
        return [(c, self[self.field_name(c)]) for c in self.criteria]


# ---- results, awards and the notice ---------------------------------------------------------


class ScoreImportForm(forms.Form):
    file = UploadField(
        label=_("Score table (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class AwardAdjustForm(forms.Form):
    LEVELS = [
        (Award.Level.TOP, Award.Level.TOP.label),
        (Award.Level.EXCELLENT, Award.Level.EXCELLENT.label),
        ("none", _("No award (remove)")),
    ]

    case = forms.CharField(
        label=_("Case code"),
        max_length=20,
        help_text=_("As shown in the results, e.g. 3-0007."),
    )
    level = forms.ChoiceField(label=_("Award"), choices=LEVELS)
    rank = forms.IntegerField(
        label=_("Rank in the award list"),
        min_value=1,
        max_value=MAX_AWARD_RANK,
        required=False,
    )
    reason = forms.CharField(label=_("Reason (recorded)"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        last = call.rounds.order_by("-number").first()
        if last is not None and last.by_category:
            self.fields["rank"].help_text = _("Within the case's category.")

    def clean_case(self):
        return importing.case_by_code(call=self.call, code=self.cleaned_data["case"])


class NoticeForm(forms.ModelForm):
    min_workdays = forms.IntegerField(
        label=_("Minimum period (working days)"),
        min_value=1,
        max_value=30,
        help_text=_(
            "Counted with the public holidays and adjusted working days (调休); the notice "
            "cannot end earlier."
        ),
    )

    class Meta:
        model = Notice
        fields = ["title", "text", "starts_at", "ends_at", "publish_ranks"]
        field_classes = {"starts_at": PortalDateTimeField, "ends_at": PortalDateTimeField}
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "text": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "text": _(
                "Shown above the list: how and until when to raise an objection, and to whom."
            ),
            "starts_at": _("Beijing time; not in the past."),
            "ends_at": _(
                "Beijing time. The awards can be finalized after this moment; by default the "
                "end of the last of the minimum working days."
            ),
            "publish_ranks": _(
                "Each unit sees the rank of its own awarded cases on its case pages (within "
                "the category when awards are given by category). The public notice never "
                "shows ranks."
            ),
        }


class ObjectionForm(forms.Form):
    received_at = PortalDateTimeField(label=_("Received"), widget=DATETIME_WIDGET)
    submitter = forms.CharField(label=_("Name"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("Contact"),
        max_length=200,
        required=False,
        help_text=_(
            "An objection without name, unit and contact, or received after the notice "
            "ended, is recorded but not accepted."
        ),
    )
    case = forms.CharField(
        label=_("Case code (if it concerns one case)"), max_length=20, required=False
    )
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call

    def clean_case(self):
        code = self.cleaned_data["case"].strip()
        return importing.case_by_code(call=self.call, code=code) if code else None


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
