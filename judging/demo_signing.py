"""Demo: the signed results of a finished call's final round (签字确认) — every judge signed
but one who refused with dissent and one deemed to agree after the deadline; the panel leader
and the supervisor (the organizer account, named 纪检监督员) signed; the results are locked
and the notice prints the hashes. Idempotent: a round that has signatures is left alone."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User

from . import selectors
from .models import ResultSignature, Round, RoundSigning
from .services import signing

SUPERVISOR_NAME = "赵纪检（区纪委监委派驻纪检组）"
DISSENT = "案例“社区议事厅”的实效性得分偏高，建议复核其成效数据；本人保留意见。"


def build_signatures(*, round: Round, organizer: User, at: datetime | None = None) -> list[str]:
    """Sign the round's results, the lock falling at `at` (the demo's finished call: before its
    notice started; default now)."""
    at = at or timezone.now()
    if ResultSignature.objects.filter(round=round).exists():
        return []
    judges = list(selectors.round_judges(round=round))
    if len(judges) < 3 or not signing.signing_open(round):
        return [f"“{round.name}”: not enough judges or no fresh results, no signatures."]
    if round.leader_id is None:
        round.leader = judges[0]
        round.save(update_fields=["leader"])
    signing.signing_setup(
        round=round,
        sign_by=timezone.now() + timedelta(days=1),
        supervisor_name=SUPERVISOR_NAME,
        supervisor_user=organizer,
        actor=organizer,
    )
    refusing, silent = judges[1], judges[-1]
    for judge in judges:
        if judge == silent:
            continue
        signing.sheet_sign(
            round=round,
            judge=judge,
            refuse=judge == refusing,
            dissent=DISSENT if judge == refusing else "",
            actor=judge.user,
            now=at - timedelta(hours=6) + timedelta(minutes=10 * judges.index(judge)),
        )
    # The deadline passes without an answer from the last judge.
    RoundSigning.objects.filter(round=round).update(sign_by=at - timedelta(hours=2))
    signing.signatures_deem(round=round, actor=None, now=at - timedelta(hours=1))
    leader = round.leader
    assert leader is not None
    signing.summary_sign(
        round=round,
        role=ResultSignature.Role.LEADER,
        actor=leader.user,
        now=at - timedelta(minutes=30),
    )
    signing.summary_sign(round=round, role=ResultSignature.Role.SUPERVISOR, actor=organizer, now=at)
    state = "locked" if signing.is_locked(round) else "not locked"
    return [f"Signed the results of “{round.name}” ({len(judges)} judges): {state}."]
