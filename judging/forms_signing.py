"""Forms of signed results (签字确认) and of the working calendar (公示 in working days)."""

from typing import cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.fields import IdChoiceField, PortalDateTimeField
from core.widgets import DATETIME_WIDGET

from . import selectors
from .models import Judge, Round


class SigningSetupForm(forms.Form):
    leader = IdChoiceField(
        label=_("Panel leader"),
        queryset=Judge.objects.none(),
        required=False,
        help_text=_("A judge of the panel; signs the 评分汇总表 with the supervisor."),
    )
    sign_by = PortalDateTimeField(
        label=_("Sign by"),
        widget=DATETIME_WIDGET,
        required=False,
        help_text=_(
            "Beijing time. A judge who neither signs nor refuses by then is recorded as "
            "deemed to agree."
        ),
    )
    supervisor_name = forms.CharField(
        label=_("Supervisor"),
        max_length=100,
        required=False,
        help_text=_("The person who supervises the evaluation (for example of the 纪检 office)."),
    )
    supervisor_user = IdChoiceField(
        label=_("Account the supervisor signs with"),
        queryset=User.objects.filter(Q(is_organizer=True) | Q(is_superuser=True)).order_by(
            "username"
        ),
        required=False,
        help_text=_("An organizer account; the supervisor signs while signed in with it."),
    )

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        leader = cast(IdChoiceField, self.fields["leader"])
        leader.queryset = selectors.round_judges(round=round)


class SheetSignForm(forms.Form):
    dissent = forms.CharField(
        label=_("Dissent (only when you refuse to sign)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class WorkdayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("The day is"),
        choices=[("1", _("a working day")), ("0", _("a day off"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Note"), max_length=100, required=False, help_text=_("For example 春节调休上班.")
    )
