"""Ties decided by people: a tie that an award line splits blocks the proposal until the
organizer records a decision, which the award list then follows; ranks of tied cases stay equal.
Award adjustments renumber the list: ranks stay 1..n, each once, 十佳 before 优秀."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.models import Award, AwardChange, Result, TieDecision
from judging.services import results as services
from judging.services import ties

from .results_kit import scored_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def tied(call, organizer):
    """One 十佳 and one 优秀 place; the first two cases score exactly the same."""
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save(update_fields=["award_top_n", "award_excellent_m"])
    rnd, judges, cases = scored_round(
        call, [[(30, 50), (32, 52)], [(30, 50), (32, 52)], [(20, 30), (21, 31)]]
    )
    return rnd, cases


def test_tied_cases_share_their_rank(tied):
    rnd, cases = tied
    ranks = dict(Result.objects.filter(round=rnd).values_list("case_id", "rank"))
    assert ranks == {cases[0].pk: 1, cases[1].pk: 1, cases[2].pk: 3}


def test_a_tie_at_the_top_line_blocks_the_proposal(tied, call, organizer):
    rnd, cases = tied
    [tie] = ties.round_ties(round=rnd)
    assert (tie.line, tie.rank, tie.places_above) == ("top", 1, 1)
    assert tie.case_ids == sorted([cases[0].pk, cases[1].pk])

    with pytest.raises(ValidationError, match="tied at rank 1 across the 十佳 line"):
        services.awards_propose(call=call, actor=organizer)
    assert not Award.objects.filter(call=call).exists()


def test_the_award_list_follows_the_recorded_decision(tied, call, organizer):
    rnd, cases = tied
    a, b = cases[0], cases[1]
    ties.tie_decide(
        round=rnd,
        case_ids=[a.pk, b.pk],
        order=[b.pk, a.pk],  # the later case above the line, whatever its id
        method=TieDecision.Method.VOTE,
        vote_count="2:0",
        reason="评审组表决",
        actor=organizer,
    )

    services.awards_propose(call=call, actor=organizer)

    awards = {x.case_id: (x.level, x.rank) for x in Award.objects.filter(call=call)}
    assert awards == {b.pk: ("top", 1), a.pk: ("excellent", 2)}
    ranks = dict(Result.objects.filter(round=rnd).values_list("case_id", "rank"))
    assert ranks[a.pk] == ranks[b.pk] == 1  # the results keep the tie (并列)
    text = ties.decision_text(TieDecision.objects.get(), {a.pk: a.code, b.pk: b.code})
    assert f"{b.code} > {a.code}" in text and "2:0" in text and "评审组表决" in text


def test_a_decision_needs_a_reason_a_full_order_and_a_vote_count(tied, organizer):
    rnd, cases = tied
    ids = [cases[0].pk, cases[1].pk]
    for kwargs, message in [
        ({"order": ids, "method": "reason", "reason": ""}, "reason"),
        ({"order": ids[:1], "method": "reason", "reason": "理由"}, "each once"),
        ({"order": ids, "method": "vote", "reason": "表决"}, "count of the panel vote"),
    ]:
        with pytest.raises(ValidationError, match=message):
            ties.tie_decide(round=rnd, case_ids=ids, actor=organizer, **kwargs)
    with pytest.raises(ValidationError, match="not tied"):
        ties.tie_decide(
            round=rnd,
            case_ids=[cases[0].pk, cases[2].pk],
            order=[cases[0].pk, cases[2].pk],
            method="reason",
            reason="理由",
            actor=organizer,
        )


def test_a_tie_inside_the_awards_needs_no_decision(call, organizer):
    call.award_top_n, call.award_excellent_m = 2, 1
    call.save(update_fields=["award_top_n", "award_excellent_m"])
    rnd, _judges, cases = scored_round(
        call, [[(30, 50), (32, 52)], [(30, 50), (32, 52)], [(20, 30), (21, 31)]]
    )
    assert ties.round_ties(round=rnd) == []
    assert services.awards_propose(call=call, actor=organizer) == 3


# --------------------------------------------------------------------------- adjustments


@pytest.fixture
def listed(call, organizer):
    """Four awards: two 十佳, two 优秀, and one accepted case without an award."""
    call.award_top_n, call.award_excellent_m = 2, 2
    call.save(update_fields=["award_top_n", "award_excellent_m"])
    rows = [[(40 - i, 60 - i), (39 - i, 59 - i)] for i in range(5)]
    rnd, _judges, cases = scored_round(call, rows)
    services.awards_propose(call=call, actor=organizer)
    return cases


def _list(call) -> list[tuple[int, str, int]]:
    return sorted((a.rank, a.level, a.case_id) for a in Award.objects.filter(call=call))


def test_moving_a_case_renumbers_the_others(listed, call, organizer):
    c = listed
    assert _list(call) == [
        (1, "top", c[0].pk),
        (2, "top", c[1].pk),
        (3, "excellent", c[2].pk),
        (4, "excellent", c[3].pk),
    ]
    services.award_adjust(
        call=call, case=c[3], level="top", rank=1, reason="复核后上调", actor=organizer
    )
    assert _list(call) == [
        (1, "top", c[3].pk),
        (2, "top", c[0].pk),
        (3, "top", c[1].pk),
        (4, "excellent", c[2].pk),
    ]
    services.award_adjust(call=call, case=c[3], level="top", rank=3, reason="再议", actor=organizer)
    assert [x[2] for x in _list(call)] == [c[0].pk, c[1].pk, c[3].pk, c[2].pk]
    services.award_adjust(
        call=call, case=c[0], level=None, rank=None, reason="撤销", actor=organizer
    )
    assert [x[0] for x in _list(call)] == [1, 2, 3]
    assert AwardChange.objects.filter(call=call).count() == 3
    assert set(AwardChange.objects.values_list("reason", flat=True)) == {
        "复核后上调",
        "再议",
        "撤销",
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    moves=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from(["top", "excellent", None]),
            st.integers(1, 8),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_sequence_of_moves_keeps_ranks_unique(listed, call, organizer, moves):
    for index, level, rank in moves:
        case = listed[index]
        if level is None and not Award.objects.filter(case=case).exists():
            continue
        services.award_adjust(
            call=call,
            case=case,
            level=level,
            rank=None if level is None else rank,
            reason="调整",
            actor=organizer,
        )
        rows = _list(call)
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        levels = [r[1] for r in rows]
        assert levels == sorted(levels, key=["top", "excellent"].index)


def test_a_tie_within_a_category_is_decided_within_it(call, organizer):
    from .category_kit import category_round

    world = category_round(call)
    by_title = {c.title: c for c in call.cases.all()}
    b, c = by_title["社区案例乙"], by_title["社区案例丙"]

    [tie] = ties.round_ties(round=world.round)  # 机关案例丙 equals them but is not their rival
    assert (tie.category_id, tie.line, tie.case_ids) == (
        world.community.pk,
        "excellent",
        sorted([b.pk, c.pk]),
    )
    with pytest.raises(ValidationError, match="优秀 line"):
        services.awards_propose(call=call, actor=organizer)
    ties.tie_decide(
        round=world.round,
        case_ids=[b.pk, c.pk],
        order=[c.pk, b.pk],
        method="reason",
        reason="丙的成效数据更完整",
        actor=organizer,
    )
    services.awards_propose(call=call, actor=organizer)
    awarded = set(Award.objects.filter(category=world.community).values_list("case_id", flat=True))
    assert c.pk in awarded and b.pk not in awarded
    assert TieDecision.objects.get().category == world.community
