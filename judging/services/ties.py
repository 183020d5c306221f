"""Ties decided by people (并列).

Ranks come from the round's scoring rule and its documented tie-break keys (the first
criterion's mean, the number of judges); cases equal on all of them share a rank (shown as 并列).
A tie that an award cut line splits — cases sharing a rank with some inside the 十佳 (or 优秀)
line and some beyond it — is never broken by an internal id: `awards_propose` refuses until
the organizer records a TieDecision (which case goes above the line, with a reason, or a panel
vote with its count). A tie that no line splits keeps its equal ranks and needs no decision.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from submissions import lifecycle
from submissions.models import Call, Case

from ..models import Result, Round, TieDecision
from .results import category_quotas


@dataclass
class Tie:
    """Cases sharing a rank that an award line splits."""

    category_id: int | None
    line: str  # TieDecision.Line
    rank: int
    places_above: int  # how many of them the line keeps above it
    case_ids: list[int]  # sorted
    decision: TieDecision | None = None
    cases: list = field(default_factory=list)  # the Case rows, for pages
    order_cases: list = field(default_factory=list)  # the Case rows in the decided order
    form: object = None  # the decision form, for the consensus page

    @property
    def line_label(self) -> str:
        return str(TieDecision.Line(self.line).label)


def round_ties(*, round: Round) -> list[Tie]:
    """The round's ties that an award line splits, from its stored results, each with its
    recorded decision (None: undecided). Two queries."""
    quotas = category_quotas(round.call)
    groups: dict[tuple[int | None, int], list[int]] = {}
    for category_id, rank, case_id in (
        Result.objects.filter(round=round, rank__isnull=False)
        .values_list("category_id", "rank", "case_id")
        .order_by()
    ):
        if rank is not None:
            groups.setdefault((category_id if round.by_category else None, rank), []).append(
                case_id
            )
    decisions: dict[tuple[int | None, tuple[int, ...]], TieDecision] = {}
    for decision in (
        TieDecision.objects.filter(round=round).select_related("by").order_by("at", "pk")
    ):
        decisions[(decision.category_id, tuple(sorted(decision.cases)))] = decision  # the latest
    ties = []
    for (group_category, group_rank), case_ids in sorted(
        groups.items(), key=lambda item: (item[0][0] or 0, item[0][1])
    ):
        if len(case_ids) < 2:
            continue
        top, excellent = quotas.get(group_category, quotas[None])
        last = group_rank + len(case_ids) - 1
        for line, cut in (
            (TieDecision.Line.TOP, top),
            (TieDecision.Line.EXCELLENT, top + excellent),
        ):
            if group_rank <= cut < last:
                ids = sorted(case_ids)
                ties.append(
                    Tie(
                        category_id=group_category,
                        line=line,
                        rank=group_rank,
                        places_above=cut - group_rank + 1,
                        case_ids=ids,
                        decision=decisions.get((group_category, tuple(ids))),
                    )
                )
                break  # one decision orders the whole group, whichever lines split it
    return ties


def undecided_ties(*, round: Round) -> list[Tie]:
    return [t for t in round_ties(round=round) if t.decision is None]


def decided_order(*, round: Round) -> dict[int, int]:
    """{case id: position in its tie's decided order} of the cases of decided ties."""
    return {
        case_id: i
        for tie in round_ties(round=round)
        if tie.decision is not None
        for i, case_id in enumerate(tie.decision.order)
    }


@acts
@transaction.atomic
def tie_decide(
    *,
    round: Round,
    case_ids: list[int],
    order: list[int],
    method: str,
    reason: str,
    vote_count: str = "",
    actor: User | None,
) -> TieDecision:
    """Record people's decision on a tie at an award line: the tied cases in the decided order
    (best first), with a reason, or the panel vote and its count."""
    status = Call.objects.select_for_update().only("status").get(pk=round.call_id)
    if not status.allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))
    tie = next(
        (t for t in round_ties(round=round) if t.case_ids == sorted(case_ids)),
        None,
    )
    if tie is None:
        raise ValidationError(_("These cases are not tied at an award line (any more)."))
    if sorted(order) != tie.case_ids:
        raise ValidationError(_("Put every tied case in the decided order, each once."))
    if method not in TieDecision.Method.values:
        raise ValidationError(_("Say how the tie was decided."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the decision: it is recorded."))
    if method == TieDecision.Method.VOTE and not vote_count.strip():
        raise ValidationError(_("Give the count of the panel vote, e.g. 5:2."))
    return TieDecision.objects.create(
        round=round,
        category_id=tie.category_id,
        line=tie.line,
        cases=tie.case_ids,
        order=list(order),
        method=method,
        vote_count=vote_count.strip() if method == TieDecision.Method.VOTE else "",
        reason=reason.strip(),
        by=actor,
    )


def decision_text(decision: TieDecision, codes: dict[int, str]) -> str:
    """One line for exports and the notice's record: the order decided, how and why."""
    order = " > ".join(codes.get(pk, str(pk)) for pk in decision.order)
    how = (
        _("panel vote %(count)s") % {"count": decision.vote_count}
        if decision.method == TieDecision.Method.VOTE
        else _("decided by the organizer")
    )
    return _("Tie at the %(line)s: %(order)s (%(how)s; %(reason)s)") % {
        "line": decision.get_line_display(),
        "order": order,
        "how": how,
        "reason": decision.reason,
    }


def round_decision_lines(*, round: Round) -> list[str]:
    """The round's tie decisions that still apply, one line each (decision_text), naming the
    cases by their codes (the 评分汇总表)."""
    decided = [t for t in round_ties(round=round) if t.decision is not None]
    cases = Case.objects.in_bulk([pk for t in decided for pk in t.case_ids])
    codes = {pk: c.code for pk, c in cases.items()}
    return [decision_text(t.decision, codes) for t in decided if t.decision is not None]


def public_decisions(*, call: Call) -> list[str]:
    """The tie decisions of the call's last round for the public notice's record: the cases
    placed above the line by their titles, the others only counted (the notice names no case
    without an award)."""
    last = call.rounds.order_by("-number").first()
    if last is None:
        return []
    decided = [t for t in round_ties(round=last) if t.decision is not None]
    cases = Case.objects.in_bulk([pk for t in decided for pk in t.case_ids])
    lines = []
    for tie in decided:
        decision = tie.decision
        assert decision is not None
        above = "、".join(f"“{cases[pk].title}”" for pk in decision.order[: tie.places_above])
        how = (
            _("panel vote %(count)s") % {"count": decision.vote_count}
            if decision.method == TieDecision.Method.VOTE
            else _("decided by the organizer")
        )
        lines.append(
            _(
                "Tie at the %(line)s: %(above)s placed above the line, %(n)d tied case(s) "
                "below it (%(how)s; %(reason)s)"
            )
            % {
                "line": decision.get_line_display(),
                "above": above,
                "n": len(tie.case_ids) - tie.places_above,
                "how": how,
                "reason": decision.reason,
            }
        )
    return lines
