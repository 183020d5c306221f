"""Consensus discussions (合议) and the panel leader (组长).

Once every judge of a case in a round has submitted, an organizer opens a discussion on it (a
case the results flag — an outlier score, a rank that depends on the method, a tie at an award
line — or any case). The case's judges then see each other's scores and comments, write
comments, and may revise their own score once per discussion with a reason (a ScoreAudit of
action "revise" keeps the scores before and after; the results are recomputed as after any
submission). The round's panel leader records the panel's decision, which closes the
discussion. Who sees a discussion: `selectors.discussions_visible_to`.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.context import acts
from submissions import lifecycle
from submissions.models import Call, Case

from .. import scoring, selectors
from ..models import Assignment, Discussion, DiscussionComment, Judge, Result, Round, ScoreAudit
from .results import round_scores
from .reviews import review_save

#: The flags a case may carry on the results page, and their labels.
FLAG_LABELS = {
    "outlier": gettext_lazy("Outlier score"),
    "rank_changes": gettext_lazy("Rank depends on the method"),
    "near_cut": gettext_lazy("Tie at an award line"),
}
#: A judge's total this many standard deviations from the other judges' is an outlier (as on
#: the statistics page).
OUTLIER_Z = 2.5


def _refuse_when_final(round: Round) -> None:
    status = Call.objects.only("status").get(pk=round.call_id)
    if not status.allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))


def case_flags(*, round: Round) -> dict[int, list[str]]:
    """{case id: [flag, …]} of the round's flagged cases (keys of FLAG_LABELS), from the stored
    results and the submitted scores."""
    flags: dict[int, list[str]] = {}
    for case_id, changes, near in Result.objects.filter(round=round).values_list(
        "case_id", "rank_changes", "near_cut"
    ):
        if changes:
            flags.setdefault(case_id, []).append("rank_changes")
        if near:
            flags.setdefault(case_id, []).append("near_cut")
    scores = round_scores(round=round)
    for o in scoring.outliers(scores, z=OUTLIER_Z) if scores else []:
        if "outlier" not in flags.setdefault(o.case_id, []):
            flags[o.case_id].insert(0, "outlier")
    return flags


def all_submitted(*, round: Round, case: Case) -> bool:
    """Whether every judge of the case (a conflict voids a review) has submitted."""
    statuses = list(
        selectors.discussion_judges(round_id=round.pk, case_id=case.pk).values_list(
            "status", flat=True
        )
    )
    return bool(statuses) and all(s == Assignment.Status.SUBMITTED for s in statuses)


@acts
@transaction.atomic
def discussion_open(
    *, round: Round, case: Case, reason: str = "", actor: User | None
) -> Discussion:
    """Open the consensus discussion of a case in a round (once per case and round)."""
    _refuse_when_final(round)
    if (
        not round.entries.filter(case=case).exists()
        and not round.assignments.filter(case=case).exists()
    ):
        raise ValidationError(_("This case is not in the round."))
    if not all_submitted(round=round, case=case):
        raise ValidationError(
            _("A discussion opens once every judge of the case has submitted a score.")
        )
    if Discussion.objects.filter(round=round, case=case).exists():
        raise ValidationError(_("This case already has a discussion in this round."))
    return Discussion.objects.create(
        round=round,
        case=case,
        opened_by=actor,
        reason=reason.strip(),
        flags=case_flags(round=round).get(case.pk, []),
    )


def _participant(discussion: Discussion, judge: Judge) -> Assignment | None:
    """The judge's review of the discussed case (None: the judge is not one of its judges)."""
    return (
        selectors.discussion_judges(round_id=discussion.round_id, case_id=discussion.case_id)
        .filter(judge=judge)
        .first()
    )


def _refuse_when_decided(discussion: Discussion) -> None:
    if discussion.status != Discussion.Status.OPEN:
        raise ValidationError(_("The panel has decided; the discussion is closed."))


@acts
@transaction.atomic
def discussion_comment(
    *, discussion: Discussion, judge: Judge, text: str, actor: User | None
) -> DiscussionComment:
    """A comment of one of the case's judges, or of the panel leader."""
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    _refuse_when_decided(discussion)
    if not text.strip():
        raise ValidationError(_("Write the comment."))
    leader_id = Round.objects.filter(pk=discussion.round_id).values_list("leader_id", flat=True)[0]
    if _participant(discussion, judge) is None and leader_id != judge.pk:
        raise ValidationError(_("Only the case's judges and the panel leader take part."))
    return DiscussionComment.objects.create(discussion=discussion, judge=judge, text=text.strip())


def revised(*, discussion: Discussion, assignment: Assignment) -> ScoreAudit | None:
    """The judge's revision of the score in this discussion, if made."""
    return (
        ScoreAudit.objects.filter(
            assignment=assignment,
            action=ScoreAudit.Action.REVISE,
            at__gte=discussion.opened_at,
        )
        .order_by("at", "pk")
        .first()
    )


@acts
@transaction.atomic
def discussion_revise(
    *,
    discussion: Discussion,
    judge: Judge,
    points: Mapping[int, object],
    reason: str,
    actor: User | None,
) -> Assignment:
    """A judge revises his or her own score of the discussed case: once per discussion, with a
    reason; the scores before and after are kept (ScoreAudit) and the results recomputed."""
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    _refuse_when_decided(discussion)
    _refuse_when_final(discussion.round)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the revision: it is recorded."))
    assignment = _participant(discussion, judge)
    if assignment is None:
        raise ValidationError(_("Only the case's judges revise their own scores."))
    if revised(discussion=discussion, assignment=assignment) is not None:
        raise ValidationError(_("You have revised your score in this discussion already."))
    return review_save(
        assignment=assignment,
        actor=actor,
        points=points,
        comment=assignment.comment,
        submit=True,
        action=ScoreAudit.Action.REVISE,
        reason=reason.strip(),  # the action ("revise") says it was in a discussion
    )


@acts
@transaction.atomic
def discussion_decide(
    *, discussion: Discussion, judge: Judge, decision: str, actor: User | None
) -> Discussion:
    """The panel leader records the panel's decision on the case, which closes the discussion."""
    discussion = (
        Discussion.objects.select_for_update().select_related("round").get(pk=discussion.pk)
    )
    _refuse_when_decided(discussion)
    if discussion.round.leader_id is None or discussion.round.leader_id != judge.pk:
        raise ValidationError(_("Only the round's panel leader records the panel's decision."))
    if not decision.strip():
        raise ValidationError(_("Write down the panel's decision."))
    discussion.decision = decision.strip()
    discussion.decided_by = judge
    discussion.decided_at = timezone.now()
    discussion.status = Discussion.Status.DECIDED
    discussion.save(update_fields=["decision", "decided_by", "decided_at", "status"])
    return discussion


@acts
@transaction.atomic
def round_set_leader(*, round: Round, judge: Judge | None, actor: User | None) -> Round:
    """Name the panel leader (组长) of a round, one of its panel (None: nobody)."""
    if judge is not None and not (
        round.panel.filter(pk=judge.pk).exists() or round.assignments.filter(judge=judge).exists()
    ):
        raise ValidationError(_("The panel leader is one of the round's judges."))
    round.leader = judge
    round.save(update_fields=["leader"])
    return round


# --------------------------------------------------------------------------- reading


@dataclass
class Voice:
    """One judge of a discussed case as the panel sees it: name, scores, comment, revision."""

    assignment: Assignment
    name: str
    scores: list[tuple[str, object]]
    total: object
    comment: str
    revision: ScoreAudit | None
    is_leader: bool


def discussion_voices(*, discussion: Discussion) -> list[Voice]:
    """The case's judges with their criterion scores (names among the panel; never a unit)."""
    reviews = list(
        selectors.discussion_judges(round_id=discussion.round_id, case_id=discussion.case_id)
        .select_related("judge")
        .prefetch_related("scores__criterion")
        .order_by("judge__name", "judge_id")
    )
    revisions = {
        a.assignment_id: a
        for a in ScoreAudit.objects.filter(
            assignment__in=reviews,
            action=ScoreAudit.Action.REVISE,
            at__gte=discussion.opened_at,
        ).order_by("-at", "-pk")
    }
    leader_id = discussion.round.leader_id
    return [
        Voice(
            assignment=a,
            name=a.judge.name,
            scores=[
                (s.criterion.name, s.points)
                for s in sorted(
                    a.scores.all(), key=lambda s: (s.criterion.position, s.criterion_id)
                )
            ],
            total=a.total,
            comment=a.comment,
            revision=revisions.get(a.pk),
            is_leader=a.judge_id == leader_id,
        )
        for a in reviews
    ]


def flag_labels(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS[f]) for f in flags if f in FLAG_LABELS]
