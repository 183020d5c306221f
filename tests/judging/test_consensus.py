"""Consensus discussions (合议): opening once every judge has submitted, comments, one
revision per judge with a reason, the panel leader's decision, and who sees a discussion."""

import pytest
from django.core.exceptions import ValidationError

from judging import selectors
from judging.models import Discussion, Result, ScoreAudit
from judging.services import consensus
from judging.services.reviews import review_save

from ..factories import ConflictFactory, UserFactory
from .results_kit import commit_hooks, panel, scored_round
from .setupkit import points_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(call, organizer):
    """Three judges, two cases; the first case scored 30+50, 32+52 and 10+20 (an outlier)."""
    rnd, judges, cases = scored_round(
        call, [[(30, 50), (32, 52), (10, 20)], [(25, 40), (26, 41), (24, 39)]]
    )
    return rnd, judges, cases


def test_flags_follow_the_results_page(scored):
    rnd, _judges, cases = scored
    flags = consensus.case_flags(round=rnd)
    for result in Result.objects.filter(round=rnd):
        expected = (["rank_changes"] if result.rank_changes else []) + (
            ["near_cut"] if result.near_cut else []
        )
        assert [f for f in flags.get(result.case_id, []) if f != "outlier"] == expected
    assert consensus.flag_labels(["rank_changes", "near_cut"]) == [
        "Rank depends on the method",
        "Tie at an award line",
    ]


def test_a_discussion_opens_only_once_every_judge_has_submitted(call, organizer):
    rnd, judges, cases = scored_round(call, [[(30, 50), None]], close=False)
    with pytest.raises(ValidationError, match="every judge of the case has submitted"):
        consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    a = rnd.assignments.get(judge=judges[1], case=cases[0])
    review_save(assignment=a, actor=judges[1].user, points=points_for(rnd, 20, 30), submit=True)

    discussion = consensus.discussion_open(
        round=rnd, case=cases[0], reason="分差较大", actor=organizer
    )

    assert discussion.status == Discussion.Status.OPEN
    assert discussion.opened_by == organizer
    with pytest.raises(ValidationError, match="already has a discussion"):
        consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)


def test_judges_comment_and_revise_once_with_a_reason(scored, organizer):
    rnd, judges, cases = scored
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    consensus.discussion_comment(
        discussion=discussion, judge=judges[2], text="我看漏了第二部分。", actor=judges[2].user
    )
    before = Result.objects.get(round=rnd, case=cases[0]).mean

    with pytest.raises(ValidationError, match="reason"):
        consensus.discussion_revise(
            discussion=discussion,
            judge=judges[2],
            points=points_for(rnd, 28, 48),
            reason=" ",
            actor=judges[2].user,
        )
    consensus.discussion_revise(
        discussion=discussion,
        judge=judges[2],
        points=points_for(rnd, 28, 48),
        reason="重新阅读材料后修正",
        actor=judges[2].user,
    )
    commit_hooks()

    audit = ScoreAudit.objects.get(action=ScoreAudit.Action.REVISE)
    assert (audit.before["total"], audit.after["total"]) == ("30.00", "76")
    assert "重新阅读材料后修正" in audit.reason
    assert Result.objects.get(round=rnd, case=cases[0]).mean == pytest.approx((80 + 84 + 76) / 3)
    assert Result.objects.get(round=rnd, case=cases[0]).mean != before
    with pytest.raises(ValidationError, match="already"):
        consensus.discussion_revise(
            discussion=discussion,
            judge=judges[2],
            points=points_for(rnd, 30, 50),
            reason="再改一次",
            actor=judges[2].user,
        )
    assert [v.name for v in consensus.discussion_voices(discussion=discussion)] == [
        j.name for j in judges
    ]
    assert consensus.discussion_voices(discussion=discussion)[2].revision == audit


def test_a_judge_of_another_case_neither_comments_nor_revises(scored, organizer):
    rnd, _judges, cases = scored
    outsider = panel(1)[0]
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    with pytest.raises(ValidationError, match="Only the case's judges"):
        consensus.discussion_comment(
            discussion=discussion, judge=outsider, text="插话", actor=outsider.user
        )
    with pytest.raises(ValidationError, match="Only the case's judges"):
        consensus.discussion_revise(
            discussion=discussion,
            judge=outsider,
            points=points_for(rnd, 1, 1),
            reason="x",
            actor=outsider.user,
        )


def test_only_the_leader_decides_and_the_decision_closes_the_discussion(scored, organizer):
    rnd, judges, cases = scored
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    with pytest.raises(ValidationError, match="panel leader"):
        consensus.discussion_decide(
            discussion=discussion, judge=judges[0], decision="维持", actor=judges[0].user
        )
    consensus.round_set_leader(round=rnd, judge=judges[0], actor=organizer)

    consensus.discussion_decide(
        discussion=discussion,
        judge=judges[0],
        decision="评审组一致认为维持原评分。",
        actor=judges[0].user,
    )

    discussion.refresh_from_db()
    assert discussion.status == Discussion.Status.DECIDED
    assert discussion.decided_by == judges[0]
    assert discussion.decision == "评审组一致认为维持原评分。"
    with pytest.raises(ValidationError, match="closed"):
        consensus.discussion_comment(
            discussion=discussion, judge=judges[1], text="晚了", actor=judges[1].user
        )


def test_the_leader_is_one_of_the_round_judges(scored, organizer):
    rnd, _judges, _cases = scored
    with pytest.raises(ValidationError, match="one of the round's judges"):
        consensus.round_set_leader(round=rnd, judge=panel(1)[0], actor=organizer)


def test_who_sees_a_discussion(scored, organizer):
    rnd, judges, cases = scored
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    other = panel(1)[0]
    conflicted = judges[1]
    ConflictFactory(judge=conflicted, case=cases[0], reason="同一系统")

    def sees(user) -> bool:
        return selectors.discussions_visible_to(user).filter(pk=discussion.pk).exists()

    assert sees(organizer)
    assert sees(judges[0].user)
    assert not sees(conflicted.user)
    assert not sees(other.user)
    assert not sees(UserFactory(is_editor=True))
    consensus.round_set_leader(round=rnd, judge=judges[2], actor=organizer)
    assert sees(judges[2].user)
    ConflictFactory(judge=judges[2], case=cases[0], reason="回避")
    assert not sees(judges[2].user)  # not even the leader, with a conflict on the case
