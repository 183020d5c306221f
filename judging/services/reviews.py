"""Reviews: a judge's criterion scores for a case, drafts, submission, reopening, imports."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.context import acts

from ..models import Assignment, Criterion, Round, Score, ScoreAudit
from ..selectors import criteria_for
from . import AUDIT_SCORE_PREFIX
from .results import results_schedule
from .signing import refuse_when_locked


class RoundClosed(ValidationError):
    """The review's round is not open for scoring (closed before or while the review was
    saved): nothing of this save is recorded; what was saved before stays as it was."""

    def __init__(self) -> None:
        super().__init__(_("The round is not open for scoring."))


def _snapshot(assignment: Assignment) -> dict:
    return {
        "status": assignment.status,
        "comment": assignment.comment,
        "total": str(assignment.total) if assignment.total is not None else None,
        "scores": {str(s.criterion_id): str(s.points) for s in assignment.scores.all()},
    }


def _audit(
    assignment: Assignment,
    before: dict,
    after: dict,
    criteria: Iterable[Criterion],
    *,
    actor: User | None,
    note: str = "",
) -> None:
    """One audit-trail entry per change of a review: status, comment, total and each
    criterion's score, before → after (the judge's name is shown to organizers only)."""

    def number(value: Decimal | float | int | str | None) -> str | None:
        return None if value is None else plain_number(value)

    changes = {
        key: (before[key], after[key]) for key in ("status", "comment") if before[key] != after[key]
    }
    if number(before["total"]) != number(after["total"]):
        changes["total"] = (number(before["total"]), number(after["total"]))
    names = {str(c.pk): c.name for c in criteria}
    for cid in sorted(set(before["scores"]) | set(after["scores"]), key=int):
        old, new = number(before["scores"].get(cid)), number(after["scores"].get(cid))
        if old != new:
            changes[AUDIT_SCORE_PREFIX + names.get(cid, cid)] = (old, new)
    if not changes and not note:
        return
    case = assignment.case
    audit.record(
        obj=assignment,
        changes=changes,
        note=note,
        actor=actor,
        object_repr=f"{assignment.judge.name} · {case.code} {case.title} · {assignment.round.name}",
    )


def plain_number(value: Decimal | float | int | str) -> str:
    """A decimal as people write it: 100 not 1E+2 or 100.0, 7.5 not 7.50."""
    text = format(Decimal(value).normalize(), "f")
    return text


def points_parse(value: object, *, criterion: Criterion, step: Decimal) -> Decimal | None:
    """A criterion score as typed: empty, or a number in 0..max on the round's step."""
    if value is None or str(value).strip() == "":
        return None
    try:
        points = Decimal(str(value).strip().replace("，", ".").replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            _("“%(criterion)s”: “%(value)s” is not a number."),
            params={"criterion": criterion.name, "value": value},
        )
    if not points.is_finite() or points < 0 or points > criterion.max_points:
        raise ValidationError(
            _("“%(criterion)s”: give between 0 and %(max)s points."),
            params={"criterion": criterion.name, "max": plain_number(criterion.max_points)},
        )
    if points % step != 0:
        raise ValidationError(
            _("“%(criterion)s”: scores go in steps of %(step)s."),
            params={"criterion": criterion.name, "step": plain_number(step)},
        )
    return points


@acts
@transaction.atomic
def review_save(
    *,
    assignment: Assignment,
    actor: User | None,
    points: Mapping[int, object],
    comment: str = "",
    submit: bool = False,
    action: str | None = None,
    reason: str = "",
) -> Assignment:
    """Save a judge's scores (a draft, or submitted and then locked), with an audit record.

    In a round with `changes_until_close` a submitted review stays the judge's until the round
    closes: submitting it again changes it (ScoreAudit keeps the scores before and after, and
    the results are recomputed as after any submission); it never goes back to a draft.

    `points` maps criterion id → the typed value. Every error names its criterion; nothing is
    saved when any value is wrong. `total` and `first_points` are maintained here and nowhere
    else.

    Only the review's row is locked while it is saved, so the judges of a round save at the same
    time; the round's row is written last (a conditional update, held only until the commit):
    a round closed while a review is being saved wins and the review is refused.
    """
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("round", "judge", "case")
        .get(pk=assignment.pk)
    )
    rnd = assignment.round
    refuse_when_locked(rnd)
    # Imports (the organizer's) and revisions in a consensus discussion (judging/services/
    # consensus.py, once per discussion with a reason) change a submitted review whether or not
    # the round is still open.
    scoring = action not in (ScoreAudit.Action.IMPORT, ScoreAudit.Action.REVISE)
    if scoring:
        if rnd.status != Round.Status.OPEN:
            raise RoundClosed
        if assignment.status == Assignment.Status.SUBMITTED and not (
            submit and rnd.changes_until_close
        ):
            raise ValidationError(
                _(
                    "You have submitted this review; it can no longer be changed. Ask the "
                    "organizer to reopen it if it must change."
                )
                if not rnd.changes_until_close
                else _(
                    "You have submitted this review: change it by submitting it again, "
                    "until the round closes."
                )
            )
        if assignment.status == Assignment.Status.SUBMITTED and not reason:
            reason = _("Changed after submission (allowed until the round closes).")
    criteria = list(criteria_for(round=rnd, category_id=assignment.case.category_id))
    parsed, errors = {}, []
    for criterion in criteria:
        try:
            parsed[criterion.pk] = points_parse(
                points.get(criterion.pk), criterion=criterion, step=rnd.score_step
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
    if submit and not errors:
        missing = [c.name for c in criteria if parsed.get(c.pk) is None]
        if missing:
            errors.append(
                _("Score every criterion before submitting: %(names)s.")
                % {"names": "、".join(missing)}
            )
    if errors:
        raise ValidationError(errors)
    before = _snapshot(assignment)
    Score.objects.filter(assignment=assignment).delete()
    Score.objects.bulk_create(
        Score(assignment=assignment, criterion_id=cid, points=p)
        for cid, p in parsed.items()
        if p is not None
    )
    given = [p for p in parsed.values() if p is not None]
    assignment.total = sum(given, Decimal(0)) if given else None
    # The first criterion breaks ties (results): kept beside the total, so computing the results
    # of a large round reads one table.
    assignment.first_points = parsed.get(criteria[0].pk) if criteria else None
    assignment.comment = comment.strip()
    if submit:
        assignment.status = Assignment.Status.SUBMITTED
        assignment.submitted_at = timezone.now()
    elif assignment.status == Assignment.Status.PENDING:
        assignment.status = Assignment.Status.DRAFT
    with audit.untracked():  # one entry below holds the assignment's fields and the scores
        assignment.save()
    after = _snapshot(assignment)
    ScoreAudit.objects.create(
        assignment=assignment,
        actor=actor,
        action=action or (ScoreAudit.Action.SUBMIT if submit else ScoreAudit.Action.DRAFT),
        before=before,
        after=after,
        reason=reason,
    )
    _audit(assignment, before, after, criteria, actor=actor, note=reason)
    stale = Round.objects.filter(pk=rnd.pk)
    if scoring:
        stale = stale.filter(status=Round.Status.OPEN)
    if not stale.update(results_computed_at=None):  # closed meanwhile: undo everything
        raise RoundClosed
    results_schedule(round_ids=[rnd.pk])
    return assignment


@acts
@transaction.atomic
def review_reopen(*, assignment: Assignment, actor: User | None, reason: str) -> Assignment:
    """Let a judge change a submitted review again; needs a reason and is recorded."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening: it is recorded."))
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("round", "judge", "case")
        .get(pk=assignment.pk)
    )
    refuse_when_locked(assignment.round_id)
    if assignment.status != Assignment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be reopened."))
    if assignment.round.status != Round.Status.OPEN:
        raise ValidationError(_("Reopen the round first: it is closed."))
    before = _snapshot(assignment)
    assignment.status = Assignment.Status.DRAFT
    assignment.submitted_at = None
    with audit.untracked():
        assignment.save(update_fields=["status", "submitted_at", "updated_at"])
    after = _snapshot(assignment)
    ScoreAudit.objects.create(
        assignment=assignment,
        actor=actor,
        action=ScoreAudit.Action.REOPEN,
        before=before,
        after=after,
        reason=reason.strip(),
    )
    _audit(
        assignment,
        before,
        after,
        assignment.round.criteria.all(),
        actor=actor,
        note=_("Reopened: %(reason)s") % {"reason": reason.strip()},
    )
    Round.objects.filter(pk=assignment.round_id).update(results_computed_at=None)
    results_schedule(round_ids=[assignment.round_id])
    return assignment
