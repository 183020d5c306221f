"""Demo consensus (合议) and tie decisions for `make run`, through the services.

`build_consensus`: in the last round of a call (closed, every review submitted), the panel
leader is named, one discussion is opened on a flagged case (or the first case), two judges
comment, one revises the score with a reason, and the leader records the panel's decision.
`decide_ties`: every tie at an award line gets a recorded panel vote, so that the awards can be
proposed. Idempotent: a round that has a discussion, a tie that has a decision, is left alone.
"""

from submissions.models import Call

from . import selectors
from .models import Round, TieDecision
from .selectors import criteria_for
from .services import consensus, ties


def build_consensus(call: Call, organizer) -> list[str]:
    last = call.rounds.order_by("-number").first()
    if last is None or last.status != Round.Status.CLOSED or last.discussions.exists():
        return []
    flags = consensus.case_flags(round=last)
    case_ids = [pk for pk in flags if consensus.all_submitted(round=last, case=_case(call, pk))]
    if not case_ids:
        case_ids = list(
            last.assignments.filter(status="submitted")
            .order_by("case__number")
            .values_list("case_id", flat=True)[:1]
        )
    if not case_ids:
        return []
    case = _case(call, sorted(case_ids)[0])
    reviews = list(
        selectors.discussion_judges(round_id=last.pk, case_id=case.pk)
        .select_related("judge__user")
        .order_by("total", "judge__name")
    )
    if len(reviews) < 2:
        return []
    leader = reviews[-1].judge
    consensus.round_set_leader(round=last, judge=leader, actor=organizer)
    discussion = consensus.discussion_open(
        round=last,
        case=case,
        reason="各位专家评分差异较大，请合议。",
        actor=organizer,
    )
    low = reviews[0]
    consensus.discussion_comment(
        discussion=discussion,
        judge=leader,
        text="该案例长效机制清晰，群众参与度高，建议各位再看一下成效部分的材料。",
        actor=leader.user,
    )
    consensus.discussion_comment(
        discussion=discussion,
        judge=low.judge,
        text="我此前漏看了附件中的回访数据，同意适当上调。",
        actor=low.judge.user,
    )
    criteria = list(criteria_for(round=last, category_id=case.category_id))
    current = {s.criterion_id: s.points for s in low.scores.all()}
    points = {
        c.pk: min(c.max_points, current.get(c.pk, 0) + (2 if i == len(criteria) - 1 else 0))
        for i, c in enumerate(criteria)
    }
    consensus.discussion_revise(
        discussion=discussion,
        judge=low.judge,
        points=points,
        reason="补看回访数据后修正“实效性”评分。",
        actor=low.judge.user,
    )
    consensus.discussion_decide(
        discussion=discussion,
        judge=leader,
        decision="评审组合议：认可修正后的评分，维持该案例现有排名。",
        actor=leader.user,
    )
    return [f"Round “{last.name}”: consensus discussion of {case.code} decided by {leader.name}."]


def _case(call: Call, pk: int):
    return call.cases.get(pk=pk)


def decide_ties(call: Call, organizer) -> list[str]:
    last = call.rounds.order_by("-number").first()
    if last is None:
        return []
    log = []
    for tie in ties.undecided_ties(round=last):
        numbers = dict(call.cases.filter(pk__in=tie.case_ids).values_list("pk", "number"))
        ties.tie_decide(
            round=last,
            case_ids=tie.case_ids,
            order=sorted(tie.case_ids, key=numbers.__getitem__),
            method=TieDecision.Method.VOTE,
            vote_count="5:2",
            reason="评审组表决：实施时间更长、惠及群众更多者列前。",
            actor=organizer,
        )
        log.append(f"Round “{last.name}”: a tie at the {tie.line} line decided by a panel vote.")
    return log
