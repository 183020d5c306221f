"""The random drawing of experts for a round: the rules, the pool snapshot with its exclusions,
commit (publish the commitment), reveal (draw and publish the seed), redraw with a reason.

The draw itself is the pure module judging/drawing.py (docs/drawing.md). After a drawing is
revealed, `judging.signals.experts_drawn` is sent; the invitations receive it. Nothing here adds
an expert to the panel."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from submissions.models import Call, Case

from .. import drawing
from ..models import Conflict, DrawingRecord, ExpertRating, Judge, Round, RoundCase
from ..signals import experts_drawn

OWN_UNIT_OFF, OWN_UNIT_ROUND, OWN_UNIT_CALL = "off", "round", "call"
RATING_OFF, RATING_DEPRIORITISE, RATING_EXCLUDE = "off", "deprioritise", "exclude"
MAX_COUNT = 100


@dataclass
class DrawingRules:
    """What an organizer asks of a drawing (the form and `draw_experts` build one)."""

    count: int
    backups: int = 0
    quotas: list[tuple[str, int]] = field(default_factory=list)  # (field, n), in this order
    own_unit: str = OWN_UNIT_CALL  # off / the units of the round's cases / of the call's cases
    relationships: bool = True  # exclude experts with a declared conflict on a case of the call
    recent_calls: int = 0  # exclude who sat on a panel of the last N other calls (0: off)
    max_draws_year: int = 0  # exclude who was drawn M or more times this year (0: off)
    rating: str = RATING_OFF  # what to do with a rating of 不称职 …
    rating_calls: int = 3  # … in the last N calls

    def check(self) -> None:
        if not 1 <= self.count <= MAX_COUNT:
            raise ValidationError(_("Draw between 1 and %(max)d experts.") % {"max": MAX_COUNT})
        if not 0 <= self.backups <= MAX_COUNT:
            raise ValidationError(_("Between 0 and %(max)d backups.") % {"max": MAX_COUNT})
        if sum(n for _name, n in self.quotas) > self.count:
            raise ValidationError(_("The field quotas add up to more than the experts drawn."))
        names = [name for name, _n in self.quotas]
        if len(set(names)) != len(names):
            raise ValidationError(_("A field is named twice in the quotas."))
        if len(self.quotas) > drawing.MAX_QUOTAS:
            raise ValidationError(_("Too many field quotas."))
        if any(n < 1 for _name, n in self.quotas):
            raise ValidationError(_("Each field quota is at least 1."))
        if self.own_unit not in (OWN_UNIT_OFF, OWN_UNIT_ROUND, OWN_UNIT_CALL):
            raise ValidationError(_("Unknown own-unit rule."))
        if self.rating not in (RATING_OFF, RATING_DEPRIORITISE, RATING_EXCLUDE):
            raise ValidationError(_("Unknown rating rule."))
        if min(self.recent_calls, self.max_draws_year, self.rating_calls) < 0:
            raise ValidationError(_("The numbers of the exclusion rules cannot be negative."))


def parse_quota(text: str) -> tuple[str, int]:
    """“城市管理=2” → ("城市管理", 2)."""
    name, sep, number = (text or "").rpartition("=")
    name = " ".join(name.split())
    if not sep or not name or not number.strip().isdigit():
        raise ValidationError(
            _("Write a field quota as field=number, for example 城市管理=2: “%(text)s”.")
            % {"text": text}
        )
    return name, int(number)


def _previous_calls(call: Call, n: int) -> list[int]:
    """The ids of the N calls that opened before this one, latest first."""
    if n <= 0:
        return []
    earlier = Call.objects.filter(opens_at__lte=call.opens_at).exclude(pk=call.pk)
    return list(earlier.order_by("-opens_at", "-id").values_list("pk", flat=True)[:n])


def _draws_this_year(now) -> dict[int, int]:
    """How many times each expert was drawn (not as a backup) this year, by drawing records
    that were not redrawn."""
    counts: dict[int, int] = {}
    rows = DrawingRecord.objects.filter(
        status=DrawingRecord.Status.DRAWN, drawn_at__year=now.year, redrawn_by__isnull=True
    ).values_list("result", flat=True)
    for result in rows:
        for judge_id in (result or {}).get("drawn", []):
            counts[judge_id] = counts.get(judge_id, 0) + 1
    return counts


def pool_snapshot(
    *, round: Round, rules: DrawingRules, now=None
) -> tuple[list[drawing.Expert], list[dict]]:
    """The eligible experts (with their tier) and the excluded ones with the reason, by id."""
    now = now or timezone.now()
    call = round.call
    panel = set(round.panel.values_list("pk", flat=True))
    units: set[int] = set()
    if rules.own_unit == OWN_UNIT_ROUND:
        units = set(
            RoundCase.objects.filter(round=round, case__unit__isnull=False).values_list(
                "case__unit", flat=True
            )
        )
    elif rules.own_unit == OWN_UNIT_CALL:
        units = set(
            Case.objects.filter(call=call, unit__isnull=False).values_list("unit", flat=True)
        )
    conflicted = (
        set(Conflict.objects.filter(case__call=call).values_list("judge", flat=True))
        if rules.relationships
        else set()
    )
    recent = _previous_calls(call, rules.recent_calls)
    served = set(
        Round.panel.through.objects.filter(round__call__in=recent).values_list("judge", flat=True)
    )
    draws = _draws_this_year(now) if rules.max_draws_year else {}
    rated_calls = _previous_calls(call, rules.rating_calls) if rules.rating != RATING_OFF else []
    poorly = set(
        ExpertRating.objects.filter(
            round__call__in=rated_calls, rating=ExpertRating.Rating.INCOMPETENT
        ).values_list("judge", flat=True)
    )
    eligible: list[drawing.Expert] = []
    excluded: list[dict] = []
    for judge in Judge.objects.order_by("pk"):
        reason = ""
        if judge.pk in panel:
            reason = _("already on the round's panel")
        elif not judge.available:
            reason = (
                _("unavailable: %(reason)s") % {"reason": judge.unavailable_reason}
                if judge.unavailable_reason
                else _("unavailable")
            )
        elif judge.unit_id is not None and judge.unit_id in units:
            reason = _("works for a unit with a case in the call")
        elif judge.pk in conflicted:
            reason = _("declared a conflict of interest with a case of the call")
        elif judge.pk in served:
            reason = _("served on one of the last %(n)d calls") % {"n": rules.recent_calls}
        elif rules.max_draws_year and draws.get(judge.pk, 0) >= rules.max_draws_year:
            reason = _("already drawn %(n)d times this year") % {"n": draws[judge.pk]}
        elif rules.rating == RATING_EXCLUDE and judge.pk in poorly:
            reason = _("rated incompetent in one of the last %(n)d calls") % {
                "n": rules.rating_calls
            }
        if reason:
            excluded.append({"id": judge.pk, "name": judge.name, "reason": reason})
            continue
        tier = 1 if rules.rating == RATING_DEPRIORITISE and judge.pk in poorly else 0
        fields = tuple(str(f) for f in (judge.fields or []))
        eligible.append(drawing.Expert(id=judge.pk, name=judge.name, fields=fields, tier=tier))
    return eligible, excluded


def pure_rules(rules: DrawingRules) -> drawing.Rules:
    exclusions = asdict(rules)
    for key in ("count", "backups", "quotas"):
        exclusions.pop(key)
    return drawing.Rules(
        count=rules.count,
        backups=rules.backups,
        quotas=tuple(rules.quotas),
        exclusions=exclusions,
    )


def current_record(round: Round) -> DrawingRecord | None:
    """The round's latest drawing record (the one not replaced by a redraw)."""
    return round.drawings.filter(redrawn_by__isnull=True).order_by("-committed_at", "-id").first()


@acts
@transaction.atomic
def drawing_commit(
    *,
    round: Round,
    rules: DrawingRules,
    witness: str,
    redraw_reason: str = "",
    actor: User,
) -> DrawingRecord:
    """Freeze the pool snapshot and the rules, choose the seed, publish the commitment."""
    round = Round.objects.select_for_update().select_related("call").get(pk=round.pk)
    rules.check()
    witness = " ".join((witness or "").split())
    if not witness:
        raise ValidationError(_("Name the witness or supervisor present at the drawing."))
    if round.status == Round.Status.CLOSED:
        raise ValidationError(_("The round is closed; there is nothing to draw for."))
    previous = current_record(round)
    redraw_reason = (redraw_reason or "").strip()
    if previous is not None:
        if previous.status == DrawingRecord.Status.COMMITTED:
            raise ValidationError(_("A drawing is committed and waits to be drawn."))
        if not redraw_reason:
            raise ValidationError(_("A redraw needs a reason; the first drawing stays on record."))
    else:
        redraw_reason = ""
    return build_record(
        round=round,
        rules=rules,
        witness=witness,
        seed=secrets.token_bytes(drawing.SEED_BYTES),
        previous=previous,
        redraw_reason=redraw_reason,
        operator=actor,
    )


def build_record(
    *,
    round: Round,
    rules: DrawingRules,
    witness: str,
    seed: bytes,
    operator: User,
    previous: DrawingRecord | None = None,
    redraw_reason: str = "",
) -> DrawingRecord:
    """Freeze the snapshot and store the committed record. `drawing_commit` passes a fresh
    secret seed; only the demo (judging/demo.py) passes one of its own."""
    now = timezone.now()
    eligible, excluded = pool_snapshot(round=round, rules=rules, now=now)
    facts = {
        "call": round.call.slug,
        "call_title": round.call.title,
        "round": round.number,
        "round_name": round.name,
        "operator": operator.username,
        "operator_name": operator.full_name or operator.username,
        "witness": witness,
        "committed_at": now.isoformat(),
        "redraw_of": previous.commitment if previous is not None else None,
        "redraw_reason": redraw_reason,
    }
    payload = drawing.committed_payload(
        facts=facts, eligible=eligible, excluded=excluded, rules=pure_rules(rules)
    )
    return DrawingRecord.objects.create(
        round=round,
        operator=operator,
        witness=witness,
        algorithm=drawing.ALGORITHM,
        payload=payload,
        seed=seed.hex(),
        commitment=drawing.commitment(seed, payload),
        committed_at=now,
        redraw_of=previous,
        redraw_reason=redraw_reason,
    )


def reveal(record: DrawingRecord) -> drawing.Result:
    """Draw a committed record and store the result (no signal: see drawing_reveal)."""
    payload = record.payload
    result = drawing.draw(
        bytes.fromhex(record.seed),
        drawing.experts_from_json(payload["snapshot"]["eligible"]),
        drawing.rules_from_json(payload["rules"]),
    )
    record.result = result.as_json()
    record.status = DrawingRecord.Status.DRAWN
    record.drawn_at = timezone.now()
    record.save(update_fields=["result", "status", "drawn_at"])
    return result


@acts
@transaction.atomic
def drawing_reveal(*, record: DrawingRecord, actor: User) -> DrawingRecord:
    """Draw from the committed snapshot with the committed seed, reveal both, tell the
    invitations (`experts_drawn`)."""
    record = DrawingRecord.objects.select_for_update().select_related("round").get(pk=record.pk)
    if record.status != DrawingRecord.Status.COMMITTED:
        raise ValidationError(_("This drawing was already drawn."))
    result = reveal(record)
    judges = Judge.objects.in_bulk([*result.drawn, *result.backups])
    experts_drawn.send(
        sender=DrawingRecord,
        round=record.round,
        drawn=[judges[i] for i in result.drawn if i in judges],
        backups=[judges[i] for i in result.backups if i in judges],
        actor=actor,
    )
    return record


def record_json(record: DrawingRecord) -> dict:
    """The downloadable record (judging/drawing.py verifies it). Before the draw the seed and the
    result are left out: only the commitment is public then."""
    payload = record.payload
    data = {
        "format": drawing.FORMAT,
        "algorithm": record.algorithm,
        "facts": payload["facts"],
        "snapshot": payload["snapshot"],
        "rules": payload["rules"],
        "commitment": record.commitment,
        "status": record.status,
    }
    if record.status == DrawingRecord.Status.DRAWN:
        data["seed"] = record.seed
        data["result"] = record.result
        data["drawn_at"] = record.drawn_at.isoformat() if record.drawn_at else None
        names = {e["id"]: e["name"] for e in payload["snapshot"]["eligible"]}
        data["result_names"] = {
            "drawn": [names.get(i, "") for i in record.result.get("drawn", [])],
            "backups": [names.get(i, "") for i in record.result.get("backups", [])],
        }
    return data


@acts
@transaction.atomic
def expert_rate(
    *, judge: Judge, round: Round, rating: str, note: str = "", actor: User
) -> ExpertRating:
    """Record (or change) the organizer's rating of an expert's work in a closed round."""
    if round.status != Round.Status.CLOSED:
        raise ValidationError(_("Experts are rated after the round closes."))
    if not round.panel.filter(pk=judge.pk).exists():
        raise ValidationError(_("Only the round's panel is rated."))
    if rating not in ExpertRating.Rating.values:
        raise ValidationError(_("Choose a rating."))
    obj, _created = ExpertRating.objects.update_or_create(
        judge=judge, round=round, defaults={"rating": rating, "note": note.strip(), "by": actor}
    )
    return obj
