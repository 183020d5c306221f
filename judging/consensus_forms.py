"""Forms of consensus discussions (合议), the panel leader and tie decisions."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import IdChoiceField
from submissions.models import Call, Case

from . import importing, selectors
from .models import Criterion, Judge, Round, TieDecision
from .services.reviews import plain_number


class LeaderForm(forms.Form):
    leader = IdChoiceField(
        label=_("Panel leader (组长)"),
        queryset=Judge.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args, round: Round, **kwargs):
        kwargs.setdefault("initial", {"leader": round.leader_id})
        super().__init__(*args, **kwargs)
        judges = Judge.objects.filter(
            Q(pk__in=round.panel.values("pk")) | Q(pk__in=selectors.round_judges(round=round))
        )
        field = self.fields["leader"]
        assert isinstance(field, IdChoiceField)
        field.queryset = judges.order_by("name", "pk")


class DiscussionOpenForm(forms.Form):
    case = forms.CharField(
        label=_("Case code"), max_length=20, help_text=_("As shown in the results, e.g. 3-0007.")
    )
    reason = forms.CharField(
        label=_("Why it is discussed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call

    def clean_case(self) -> Case:
        return importing.case_by_code(call=self.call, code=self.cleaned_data["case"])


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("The panel's decision"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with your name; it closes the discussion."),
    )


class ReviseForm(forms.Form):
    """One field per criterion (``c<id>``, checked by the service) and the required reason."""

    reason = forms.CharField(
        label=_("Reason for the revision (recorded)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[self.field_name(c)] = forms.CharField(
                label=_("%(name)s (of %(max)s)")
                % {"name": c.name, "max": plain_number(c.max_points)},
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
        self.order_fields([self.field_name(c) for c in criteria] + ["reason"])

    @staticmethod
    def field_name(criterion: Criterion) -> str:
        return f"c{criterion.pk}"

    def points(self) -> dict[int, object]:
        return {c.pk: self.cleaned_data.get(self.field_name(c)) for c in self.criteria}


class TieDecisionForm(forms.Form):
    """The tied cases' places (1 = above the line first), how it was decided, and why."""

    method = forms.ChoiceField(
        label=_("How it was decided"),
        choices=TieDecision.Method.choices,
        widget=forms.RadioSelect,
        initial=TieDecision.Method.REASON,
    )
    vote_count = forms.CharField(
        label=_("Vote count (for a panel vote)"),
        required=False,
        max_length=200,
        help_text=_("For example 5:2 (five for the order above, two against)."),
    )
    reason = forms.CharField(
        label=_("Reason (recorded, shown in the exports and the notice's record)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, cases: list[Case], **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = cases
        places = [(str(i), str(i)) for i in range(1, len(cases) + 1)]
        for i, case in enumerate(cases, start=1):
            self.fields[self.field_name(case)] = forms.ChoiceField(
                label=_("Place of %(code)s %(title)s") % {"code": case.code, "title": case.title},
                choices=places,
                initial=str(i),
            )
        self.order_fields([self.field_name(c) for c in cases] + ["method", "vote_count", "reason"])

    @staticmethod
    def field_name(case: Case) -> str:
        return f"place{case.pk}"

    def clean(self):
        data = super().clean()
        places = [data.get(self.field_name(c)) for c in self.cases]
        if None not in places and len(set(places)) != len(places):
            raise forms.ValidationError(_("Give each tied case a different place."))
        return data

    def order(self) -> list[int]:
        """The tied cases' ids, best place first."""
        return [
            c.pk
            for c in sorted(self.cases, key=lambda c: int(self.cleaned_data[self.field_name(c)]))
        ]
