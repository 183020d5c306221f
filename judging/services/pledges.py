"""The pledge (回避与保密承诺书) a judge signs before seeing any case of a round.

The text is the call's (`Call.pledge_text`, editable by organizers); the signature keeps the
text as signed, the name typed (it must be the expert's name in the pool), the time, the
address and the round's units as listed on the page, where the judge may declare a conflict of
interest with any of them (the existing `rounds.conflict_declare`, case by case). Until a judge
has signed, the judge-side visibility policy (`selectors.assignments_for_judge`) shows nothing
of the round.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core import cache as caches
from submissions.models import Call, Case, Unit

from ..models import Judge, PledgeSignature, Round
from .rounds import conflict_declare


def round_units(*, round: Round) -> list[Unit]:
    """The units with a case in the round, by name (what the pledge page lists)."""
    return list(
        Unit.objects.filter(cases__round_entries__round=round).distinct().order_by("name", "pk")
    )


def _same_name(typed: str, name: str) -> bool:
    return "".join(typed.split()) == "".join(name.split())


@acts
@transaction.atomic
def pledge_sign(
    *,
    round: Round,
    judge: Judge,
    typed_name: str,
    agreed: bool,
    ip_address: str | None,
    conflict_unit_ids: list[int] | None = None,
    conflict_reason: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> PledgeSignature:
    """Sign the round's pledge; conflicts declared with units of the round are recorded first
    (each of the unit's cases in the round), so no such case reaches the judge."""
    now = now or timezone.now()
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed."))
    if not round.panel.filter(pk=judge.pk).exists():
        raise ValidationError(_("You are not on the panel of this round."))
    if PledgeSignature.objects.filter(round=round, judge=judge).exists():
        raise ValidationError(_("You have already signed the pledge of this round."))
    if not agreed:
        raise ValidationError(_("Tick the box to confirm that you accept the pledge."))
    typed_name = " ".join((typed_name or "").split())
    if not _same_name(typed_name, judge.name):
        raise ValidationError(
            _("Type your name as the expert pool knows it: %(name)s."), params={"name": judge.name}
        )
    units = round_units(round=round)
    wanted = set(conflict_unit_ids or [])
    if wanted:
        if not conflict_reason.strip():
            raise ValidationError(
                _("Say what ties you to the units you marked (for example: I work there).")
            )
        known = {u.pk for u in units}
        if not wanted <= known:
            raise ValidationError(_("Choose only units listed on this page."))
        cases = Case.objects.filter(round_entries__round=round, unit_id__in=sorted(wanted))
        for case in cases.order_by("number", "pk"):
            conflict_declare(judge=judge, case=case, reason=conflict_reason, actor=actor)
    signature = PledgeSignature.objects.create(
        round=round,
        judge=judge,
        text=round.call.pledge_text,
        typed_name=typed_name,
        signed_at=now,
        ip_address=ip_address,
        units_listed=[u.name for u in units],
    )
    caches.judge_queue_changed(round.pk)
    return signature


@acts
def pledge_text_set(*, call: Call, text: str, actor: User | None) -> Call:
    """Change the call's pledge. Pledges signed before keep the text as it was signed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The pledge text is empty."))
    if call.is_final:
        raise ValidationError(_("The call is final: its record no longer changes."))
    call.pledge_text = text
    call.save(update_fields=["pledge_text", "updated_at"])
    return call
