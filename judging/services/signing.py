"""Signed results (签字确认), the lock, and the hashes anyone can check.

Once a round is closed and its results are computed, each judge of the panel confirms his or
her own score sheet: **signed**, or **refused** with written dissent; a judge who did neither
by the round's signing deadline is recorded as **deemed to agree** (the sweep
`signatures_deem_due`, run by every worker). Then the panel leader (`Round.leader`) and the
supervisor sign the 评分汇总表. The supervisor is a named person the organizer records on the
round's signing page with the organizer account he or she signs with (the supervisor signs
while signed in with it: the portal has no role of its own for one person per round).

When every signature is in, the round's results lock: no recomputation, no review change, no
reopening. The 评分汇总表 .xlsx is made as of the lock time — byte for byte the same each time
(`exports.summary_workbook(at=…)`) — and its SHA-256 is kept with the SHA-256 of the audit
trail up to the lock (`audit_digest`); the public notice prints both, and
`manage.py verify_results --call SLUG FILE.xlsx` says whether a file is the signed one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import context as audit_context
from audit.context import acts
from submissions.models import Call

from .. import selectors
from ..models import Assignment, Judge, ResultSignature, Round, RoundSigning

Role, State = ResultSignature.Role, ResultSignature.State


class ResultsLocked(ValidationError):
    """The round's results are signed and locked."""

    def __init__(self) -> None:
        super().__init__(
            _("The results of this round are signed and locked: they can no longer change.")
        )


def signing_of(round: Round) -> RoundSigning | None:
    return RoundSigning.objects.filter(round=round).first()


def is_locked(round: Round) -> bool:
    return RoundSigning.objects.filter(round_id=round.pk, locked_at__isnull=False).exists()


def refuse_when_locked(round: Round | int) -> None:
    """Raise ResultsLocked when the round's results are signed and locked (called by the
    services that would change them: results, reviews, round status)."""
    round_id = round if isinstance(round, int) else round.pk
    if RoundSigning.objects.filter(round_id=round_id, locked_at__isnull=False).exists():
        raise ResultsLocked()


def _client_address() -> str | None:
    ctx = audit_context.current()
    return ctx.remote_addr if ctx is not None else None


def signing_open(round: Round) -> bool:
    """Whether the round's results can be signed: closed, and the results computed and fresh."""
    from .results import results_state

    return round.status == Round.Status.CLOSED and results_state(round=round) == "fresh"


def _refuse_unless_open(round: Round) -> None:
    if not signing_open(round):
        raise ValidationError(
            _("The results can be signed once the round is closed and its results are computed.")
        )


@acts
@transaction.atomic
def signing_setup(
    *,
    round: Round,
    sign_by: datetime | None,
    supervisor_name: str,
    supervisor_user: User | None,
    leader: Judge | None = None,
    actor: User | None,
) -> RoundSigning:
    """Record the signing deadline, the supervisor and the panel leader of a round
    (organizers). Once the leader signed, the leader no longer changes."""
    refuse_when_locked(round)
    if leader is not None and leader.pk != round.leader_id:
        if ResultSignature.objects.filter(round=round, role=Role.LEADER).exists():
            raise ValidationError(_("The panel leader has signed already."))
        if not selectors.round_judges(round=round).filter(pk=leader.pk).exists():
            raise ValidationError(_("The panel leader is a judge of the round's panel."))
        round.leader = leader
        round.save(update_fields=["leader"])
    if supervisor_user is not None and not (
        supervisor_user.is_organizer or supervisor_user.is_superuser
    ):
        raise ValidationError(_("The supervisor signs with an organizer account."))
    signing, _created = RoundSigning.objects.get_or_create(round=round)
    # Never a deadline already passed: the judges who have not answered would be deemed to
    # agree at once.
    if sign_by is not None and sign_by != signing.sign_by and sign_by <= timezone.now():
        raise ValidationError(_("The signing deadline must lie in the future."))
    signing.sign_by = sign_by
    signing.supervisor_name = supervisor_name.strip()
    signing.supervisor_user = supervisor_user
    signing.save(update_fields=["sign_by", "supervisor_name", "supervisor_user"])
    return signing


def _lock_round(round: Round) -> Round:
    return (
        Round.objects.select_for_update(of=("self",))
        .select_related("call", "leader")
        .get(pk=round.pk)
    )


@acts
@transaction.atomic
def sheet_sign(
    *,
    round: Round,
    judge: Judge,
    refuse: bool = False,
    dissent: str = "",
    actor: User | None,
    now: datetime | None = None,
) -> ResultSignature:
    """A judge confirms his or her own score sheet: signed, or refused with written dissent.
    `now` is the time recorded (the demo's past signings); the web page leaves it out."""
    round = _lock_round(round)
    refuse_when_locked(round)
    _refuse_unless_open(round)
    if not selectors.round_judges(round=round).filter(pk=judge.pk).exists():
        raise ValidationError(_("Only a judge of this round's panel signs its score sheets."))
    if ResultSignature.objects.filter(round=round, role=Role.JUDGE, judge=judge).exists():
        raise ValidationError(_("Your score sheet is signed already."))
    dissent = dissent.strip()
    if refuse and not dissent:
        raise ValidationError(_("Write down your dissent: a refusal needs its reasons."))
    signature = ResultSignature.objects.create(
        round=round,
        role=Role.JUDGE,
        judge=judge,
        name=judge.name,
        state=State.REFUSED if refuse else State.SIGNED,
        dissent=dissent if refuse else "",
        user=actor,
        at=now or timezone.now(),
        ip=_client_address(),
    )
    _lock_when_complete(round, now=now)
    return signature


def judges_unsigned(round: Round) -> list[Judge]:
    """The panel judges who have neither signed, refused nor been deemed to agree."""
    done = ResultSignature.objects.filter(round=round, role=Role.JUDGE).values("judge_id")
    return list(selectors.round_judges(round=round).exclude(pk__in=done))


@acts
@transaction.atomic
def summary_sign(
    *, round: Round, role: str, actor: User | None, now: datetime | None = None
) -> ResultSignature:
    """The panel leader or the supervisor signs the 评分汇总表, after every judge's sheet."""
    round = _lock_round(round)
    refuse_when_locked(round)
    _refuse_unless_open(round)
    if role not in (Role.LEADER, Role.SUPERVISOR):
        raise ValidationError(_("Unknown signature."))
    if judges_unsigned(round):
        raise ValidationError(
            _("Every judge signs, refuses or passes the deadline before the 评分汇总表 is signed.")
        )
    if ResultSignature.objects.filter(round=round, role=role).exists():
        raise ValidationError(_("The 评分汇总表 is signed already."))
    signing = signing_of(round)
    if role == Role.LEADER:
        leader = round.leader
        if leader is None or actor is None or leader.user_id != actor.pk:
            raise ValidationError(_("Only the panel leader signs as panel leader."))
        name = leader.name
    else:
        if signing is None or not signing.supervisor_name or signing.supervisor_user_id is None:
            raise ValidationError(_("The organizer records the supervisor first."))
        if actor is None or signing.supervisor_user_id != actor.pk:
            raise ValidationError(
                _("Only the supervisor, with the account recorded for him or her, signs.")
            )
        name = signing.supervisor_name
    signature = ResultSignature.objects.create(
        round=round,
        role=role,
        judge=round.leader if role == Role.LEADER else None,
        name=name,
        state=State.SIGNED,
        user=actor,
        at=now or timezone.now(),
        ip=_client_address(),
    )
    _lock_when_complete(round, now=now)
    return signature


@acts
@transaction.atomic
def signatures_deem(
    *, round: Round, actor: User | None, now: datetime | None = None
) -> list[ResultSignature]:
    """Record every judge who neither signed nor refused by the deadline as deemed to agree."""
    now = now or timezone.now()
    round = _lock_round(round)
    signing = signing_of(round)
    if signing is None or signing.sign_by is None or signing.sign_by > now:
        return []
    if signing.locked_at is not None or not signing_open(round):
        return []
    deemed = [
        ResultSignature.objects.create(
            round=round,
            role=Role.JUDGE,
            judge=judge,
            name=judge.name,
            state=State.DEEMED,
            at=signing.sign_by,
        )
        for judge in judges_unsigned(round)
    ]
    _lock_when_complete(round, now=now)
    return deemed


@acts
def signatures_deem_due(*, actor: User | None, now: datetime | None = None) -> int:
    """The sweep: in every round whose signing deadline passed, record the judges who did not
    answer as deemed to agree; returns how many were recorded (system work, actor None)."""
    now = now or timezone.now()
    total = 0
    for signing in RoundSigning.objects.filter(
        sign_by__lte=now, locked_at__isnull=True
    ).select_related("round__call"):
        total += len(signatures_deem(round=signing.round, actor=actor, now=now))
    return total


# --------------------------------------------------------------------------- lock and hashes


def complete(round: Round) -> bool:
    roles = set(
        ResultSignature.objects.filter(round=round)
        .exclude(role=Role.JUDGE)
        .values_list("role", flat=True)
    )
    return not judges_unsigned(round) and {Role.LEADER, Role.SUPERVISOR} <= roles


def _lock_when_complete(round: Round, *, now: datetime | None = None) -> None:
    if not complete(round):
        return
    from .. import exports

    signing, _created = RoundSigning.objects.get_or_create(round=round)
    # The lock time to the second: the file is made again from it, its zip entries keep
    # seconds only.
    locked_at = (now or timezone.now()).replace(microsecond=0)
    signing.locked_at = locked_at
    signing.sheet_sha256 = hashlib.sha256(
        exports.summary_workbook(round=round, at=locked_at)
    ).hexdigest()
    signing.audit_upto = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    signing.audit_sha256 = audit_digest(upto=signing.audit_upto)
    signing.save(update_fields=["locked_at", "sheet_sha256", "audit_upto", "audit_sha256"])


def audit_digest(*, upto: int | None) -> str:
    """SHA-256 of the audit trail up to entry `upto`: one canonical JSON line per entry (id,
    time in UTC, model, object, action, changes, actor), in id order, UTF-8."""
    digest = hashlib.sha256()
    if upto is None:
        return digest.hexdigest()
    rows = (
        LogEntry.objects.filter(pk__lte=upto)
        .order_by("pk")
        .values_list(
            "pk",
            "timestamp",
            "content_type__app_label",
            "content_type__model",
            "object_pk",
            "action",
            "changes",
            "actor_id",
        )
    )
    for pk, at, app, model, obj, action, changes, actor in rows.iterator(chunk_size=5000):
        line = json.dumps(
            [
                pk,
                at.astimezone(UTC).isoformat(),
                f"{app}.{model}",
                obj,
                action,
                changes,
                actor,
            ],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def signed_sheet(round: Round) -> bytes:
    """The signed 评分汇总表 of a locked round, made again as of its lock (same bytes)."""
    from .. import exports

    signing = signing_of(round)
    if signing is None or signing.locked_at is None:
        raise ValidationError(_("The results of this round are not signed yet."))
    return exports.summary_workbook(round=round, at=signing.locked_at)


@dataclass
class Verdict:
    ok: bool
    expected: str
    actual: str
    round: Round | None


def results_verify(*, call: Call, content: bytes) -> Verdict:
    """Whether `content` is the signed 评分汇总表 of one of the call's locked rounds (the last
    round first)."""
    actual = hashlib.sha256(content).hexdigest()
    signings = list(
        RoundSigning.objects.filter(round__call=call, locked_at__isnull=False)
        .select_related("round")
        .order_by("-round__number")
    )
    for signing in signings:
        if signing.sheet_sha256 == actual:
            return Verdict(True, signing.sheet_sha256, actual, signing.round)
    expected = signings[0].sheet_sha256 if signings else ""
    return Verdict(False, expected, actual, signings[0].round if signings else None)


# --------------------------------------------------------------------------- reads for the pages


def rounds_for_signer(user: User) -> list[Round]:
    """The closed rounds whose results the judge `user` may sign (a panel judge or the
    leader), newest first; each with `my_signature` (ResultSignature or None)."""
    judge = selectors.judge_for(user)
    if judge is None:
        return []
    rounds = list(
        Round.objects.filter(status=Round.Status.CLOSED, results_computed_at__isnull=False)
        .filter(pk__in=Assignment.objects.filter(judge=judge).values("round_id"))
        .select_related("call")
        .order_by("-results_computed_at")[:20]
    )
    mine = {
        s.round_id: s
        for s in ResultSignature.objects.filter(round__in=rounds, role=Role.JUDGE, judge=judge)
    }
    for rnd in rounds:
        rnd.my_signature = mine.get(rnd.pk)  # type: ignore[attr-defined]
    return rounds


@dataclass
class SigningState:
    """What a signing page shows: every panel judge with his or her signature (or None), the
    leader's and the supervisor's, and the lock."""

    round: Round
    signing: RoundSigning | None
    judges: list[tuple[Judge, ResultSignature | None]]
    leader: ResultSignature | None
    supervisor: ResultSignature | None

    @property
    def judges_done(self) -> bool:
        return all(s is not None for _j, s in self.judges)

    @property
    def locked(self) -> bool:
        return self.signing is not None and self.signing.locked_at is not None


def signing_state(round: Round) -> SigningState:
    signatures = list(ResultSignature.objects.filter(round=round))
    by_judge = {s.judge_id: s for s in signatures if s.role == Role.JUDGE}
    others = {s.role: s for s in signatures if s.role != Role.JUDGE}
    return SigningState(
        round=round,
        signing=signing_of(round),
        judges=[(j, by_judge.get(j.pk)) for j in selectors.round_judges(round=round)],
        leader=others.get(Role.LEADER),
        supervisor=others.get(Role.SUPERVISOR),
    )
