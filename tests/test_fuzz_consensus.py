"""Hostile input in the forms of consensus discussions (合议): the panel leader, opening a
discussion and deciding a tie (organizers), a judge's comment and one revision of the score (a
judge of the case), and the panel's decision (the panel leader).
Never a server error; what is stored afterwards is still a valid state."""

import itertools

from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from judging.consensus_forms import (
    CommentForm,
    DecisionForm,
    DiscussionOpenForm,
    LeaderForm,
    ReviseForm,
    TieDecisionForm,
)
from judging.models import Discussion, DiscussionComment, ScoreAudit, TieDecision
from judging.services import consensus

from .fuzzkit import FUZZ, fuzzes, hostile, hostile_number, post_ok
from .judging.results_kit import scored_round

_serial = itertools.count(1)
#: Scores as typed: hostile, or plausible (in and out of range, with a decimal part).
points = st.one_of(
    hostile_number,
    st.integers(-5, 70).map(str),
    st.decimals(-1, 61, places=2, allow_nan=False).map(str),
)


def _discussed(call, organizer):
    """A closed round of three judges and two cases, the first case under discussion, the first
    judge the panel leader (each call a new round: no example sees another's revision or
    decision)."""
    rnd, judges, cases = scored_round(
        call,
        [[(30, 50), (32, 52), (10, 20)], [(25, 40), (26, 41), (24, 39)]],
        name=f"R{next(_serial)}",
    )
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    consensus.round_set_leader(round=rnd, judge=judges[0], actor=organizer)
    return rnd, judges, cases, discussion


def _client_of(judge) -> Client:
    client = Client()
    client.force_login(judge.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _stored(text: str, max_length: int) -> bool:
    """Whether a required CharField of `max_length` accepts `text` (and the service stores it)."""
    return "\x00" not in text and 0 < len(text.strip()) <= max_length


# ---- organizers: the leader, opening a discussion, a tie -------------------------------------


@fuzzes(LeaderForm)
@FUZZ
@given(leader=hostile_number, pick=st.one_of(st.none(), st.integers(0, 2)))
def test_set_leader(org_client, call, organizer, leader, pick):
    rnd, judges, _cases, _discussion = _discussed(call, organizer)
    value = leader if pick is None else str(judges[pick].pk)
    post_ok(org_client, reverse("judging:round_set_leader", args=[rnd.pk]), {"leader": value})
    rnd.refresh_from_db()
    if pick is not None:
        assert rnd.leader_id == judges[pick].pk
    else:
        assert rnd.leader_id in {None} | {j.pk for j in judges}


@fuzzes(DiscussionOpenForm)
@FUZZ
@given(code=st.one_of(hostile, st.integers(0, 1)), reason=hostile)
def test_discussion_open(org_client, call, organizer, code, reason):
    rnd, _judges, cases, discussion = _discussed(call, organizer)
    value = cases[code].code if isinstance(code, int) else code
    post_ok(
        org_client,
        reverse("judging:discussion_open", args=[rnd.pk]),
        {"case": value, "reason": reason},
    )
    opened = list(Discussion.objects.filter(round=rnd).order_by("pk"))
    assert opened[0] == discussion and len(opened) <= 2
    assert {d.case_id for d in opened} <= {c.pk for c in cases}
    if code == 1 and "\x00" not in reason and len(reason.strip()) <= 2000:
        assert [d.case_id for d in opened] == [cases[0].pk, cases[1].pk]
        assert opened[1].reason == reason.strip()
    else:
        assert opened == [discussion]


@fuzzes(TieDecisionForm)
@FUZZ
@given(
    tie=st.one_of(st.none(), hostile_number),
    place_a=st.one_of(st.sampled_from(["1", "2"]), hostile_number),
    place_b=st.one_of(st.sampled_from(["1", "2"]), hostile_number),
    method=st.one_of(st.sampled_from(["reason", "vote"]), hostile),
    vote_count=hostile,
    reason=hostile,
)
def test_tie_decide(org_client, call, organizer, tie, place_a, place_b, method, vote_count, reason):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, _judges, cases = scored_round(
        call, [[(30, 50)], [(30, 50)], [(10, 20)]], name=f"R{next(_serial)}"
    )
    a, b = sorted([cases[0].pk, cases[1].pk])
    prefix = f"tie-{a}-{b}"
    post_ok(
        org_client,
        reverse("judging:tie_decide", args=[rnd.pk]),
        {
            "tie": f"{a},{b}" if tie is None else tie,
            f"{prefix}-place{a}": place_a,
            f"{prefix}-place{b}": place_b,
            f"{prefix}-method": method,
            f"{prefix}-vote_count": vote_count,
            f"{prefix}-reason": reason,
        },
    )
    decisions = list(TieDecision.objects.filter(round=rnd))
    assert len(decisions) <= 1
    for decision in decisions:
        assert decision.cases == [a, b] and sorted(decision.order) == [a, b]
        assert decision.method in TieDecision.Method.values
        assert decision.reason.strip() and "\x00" not in decision.reason
        if decision.method == TieDecision.Method.VOTE:
            assert decision.vote_count.strip()
    if decisions:
        assert {place_a, place_b} == {"1", "2"}


# ---- a judge of the case: comment, revise ----------------------------------------------------


@fuzzes(CommentForm)
@FUZZ
@given(text=hostile)
def test_discussion_comment(call, organizer, text):
    _rnd, judges, _cases, discussion = _discussed(call, organizer)
    client = _client_of(judges[2])
    post_ok(client, reverse("judging:discussion_comment", args=[discussion.pk]), {"text": text})
    comments = list(DiscussionComment.objects.filter(discussion=discussion))
    if _stored(text, 5000):
        assert [(c.judge_id, c.text) for c in comments] == [(judges[2].pk, text.strip())]
    else:
        assert comments == []
    discussion.refresh_from_db()
    assert discussion.status == Discussion.Status.OPEN


@fuzzes(ReviseForm)
@FUZZ
@given(first=points, second=points, reason=hostile)
def test_discussion_revise(call, organizer, first, second, reason):
    rnd, judges, cases, discussion = _discussed(call, organizer)
    assignment = rnd.assignments.get(judge=judges[2], case=cases[0])
    c1, c2 = rnd.criteria.order_by("pk")
    before = assignment.total
    client = _client_of(judges[2])
    post_ok(
        client,
        reverse("judging:discussion_revise", args=[discussion.pk]),
        {f"c{c1.pk}": first, f"c{c2.pk}": second, "reason": reason},
    )
    revisions = ScoreAudit.objects.filter(
        assignment=assignment, action=ScoreAudit.Action.REVISE
    ).count()
    assignment.refresh_from_db()
    assert revisions <= 1
    assert assignment.status == assignment.Status.SUBMITTED
    if revisions:
        assert _stored(reason, 2000)
        assert assignment.total is not None and 0 <= assignment.total <= 100
    else:
        assert assignment.total == before
    discussion.refresh_from_db()
    assert discussion.status == Discussion.Status.OPEN


# ---- the panel leader: the decision -----------------------------------------------------------


@fuzzes(DecisionForm)
@FUZZ
@given(decision=hostile, as_leader=st.booleans())
def test_discussion_decide(call, organizer, decision, as_leader):
    _rnd, judges, _cases, discussion = _discussed(call, organizer)
    client = _client_of(judges[0] if as_leader else judges[1])
    post_ok(
        client,
        reverse("judging:discussion_decide", args=[discussion.pk]),
        {"decision": decision},
    )
    discussion.refresh_from_db()
    if as_leader and _stored(decision, 5000):
        assert discussion.status == Discussion.Status.DECIDED
        assert discussion.decision == decision.strip()
        assert discussion.decided_by_id == judges[0].pk
    else:  # refused: blank, too long, NUL, or not the leader
        assert discussion.status == Discussion.Status.OPEN
        assert discussion.decision == "" and discussion.decided_by_id is None


def test_tie_decide_with_ids_too_big_for_the_database(org_client, call, organizer):
    """Found by test_tie_decide: a tie of ids past 2**63 was an OverflowError (a server error);
    non-ASCII digits such as ٣ were read as ids."""
    rnd, _judges, _cases, _discussion = _discussed(call, organizer)
    for tie in ("99999999999999999999999999999,1", "٣,٤", "1,2," + "9" * 30):
        response = post_ok(org_client, reverse("judging:tie_decide", args=[rnd.pk]), {"tie": tie})
        assert response.status_code == 302
    assert not TieDecision.objects.filter(round=rnd).exists()
