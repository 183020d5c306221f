"""Forms of invitations and pledges."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import IdChoiceField, IdMultipleChoiceField

from .models import Judge


class InvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("accept", _("I accept")), ("decline", _("I decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why do you decline?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when you decline; it is part of the round's record."),
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why you decline."))
        return data


class ExpertChoiceField(IdChoiceField):
    def label_from_instance(self, judge):
        extra = " · ".join(x for x in (judge.affiliation_label, "、".join(judge.fields)) if x)
        return f"{judge.name}（{extra}）" if extra else judge.name


class InviteForm(forms.Form):
    judge = ExpertChoiceField(
        label=_("Expert"),
        queryset=Judge.objects.select_related("unit").filter(available=True),
    )

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["judge"]
        assert isinstance(field, ExpertChoiceField)
        field.queryset = (
            Judge.objects.select_related("unit")
            .filter(available=True)
            .exclude(invitations__round=round, invitations__status__in=("invited", "accepted"))
            .order_by("name", "pk")
        )


class PledgeTextForm(forms.Form):
    pledge_text = forms.CharField(
        label=_("Pledge text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )


class PledgeForm(forms.Form):
    conflict_units = IdMultipleChoiceField(
        label=_("Units you have a conflict of interest with"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick a unit you work for or are related to: you will not see its cases."),
    )
    conflict_reason = forms.CharField(
        label=_("What ties you to the units you ticked"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    typed_name = forms.CharField(label=_("Type your full name"), max_length=100)
    agreed = forms.BooleanField(
        label=_("I have read the pledge above and undertake to keep it."), required=True
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["conflict_units"]
        assert isinstance(field, IdMultipleChoiceField)
        field.queryset = units
