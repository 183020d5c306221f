"""The consensus pages as their users see them: the round's page (query count independent of
the number of discussions and ties), the discussion page in a blind round, the judge's list,
and the tie decision form's refusals."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from judging.models import TieDecision
from judging.services import consensus

from .results_kit import decide_ties, scored_round

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _world(call, organizer, n_cases):
    """`n_cases` pairs of exactly tied cases (every pair split by no line but the first) and a
    discussion on every case."""
    call.award_top_n, call.award_excellent_m = 1, n_cases
    call.save()
    rows = []
    for i in range(n_cases):
        rows += [[(30 - i, 50 - i), (31 - i, 51 - i)]] * 2
    rnd, judges, cases = scored_round(call, rows)
    for case in cases:
        consensus.discussion_open(round=rnd, case=case, actor=organizer)
    decide_ties(call, organizer)
    return rnd, judges, cases


def test_the_consensus_page_costs_the_same_for_one_and_many(org_client, call, organizer):
    rnd, _judges, _cases = _world(call, organizer, 1)
    url = f"/judging/results/rounds/{rnd.pk}/consensus/"
    one = _queries(org_client, url)
    TieDecision.objects.all().delete()
    rnd.discussions.all().delete()
    call.rounds.all().delete()
    rnd, _judges, _cases = _world(call, organizer, 4)
    url = f"/judging/results/rounds/{rnd.pk}/consensus/"
    html = org_client.get(url).content.decode()
    assert html.count("data-decided") == 2  # the ties at the 十佳 and the 优秀 line, decided
    assert _queries(org_client, url) == one


def test_a_blind_discussion_never_shows_the_unit_to_judges(org_client, call, organizer):
    rnd, judges, cases = scored_round(call, [[(30, 50), (20, 40)]], blind=True)
    discussion = consensus.discussion_open(round=rnd, case=cases[0], actor=organizer)
    client = Client()
    client.force_login(judges[0].user)
    judge_html = client.get(f"/judging/discussions/{discussion.pk}/").content.decode()
    assert cases[0].unit.name not in judge_html
    assert cases[0].contact_phone not in judge_html
    assert judges[1].name in judge_html and "60" in judge_html
    home = client.get("/judging/").content.decode()
    assert f'data-discussion="{discussion.pk}"' in home
    org_html = org_client.get(f"/judging/discussions/{discussion.pk}/").content.decode()
    assert cases[0].unit.name in org_html
    assert 'id="revise-form"' not in org_html and 'id="comment-form"' not in org_html


def test_a_tie_decision_with_the_same_place_twice_is_refused(org_client, call, organizer):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, _judges, cases = scored_round(call, [[(30, 50)], [(30, 50)], [(10, 20)]])
    a, b = sorted([cases[0].pk, cases[1].pk])
    prefix = f"tie-{a}-{b}"
    response = org_client.post(
        f"/judging/results/rounds/{rnd.pk}/ties/decide/",
        {
            "tie": f"{a},{b}",
            f"{prefix}-place{a}": "1",
            f"{prefix}-place{b}": "1",
            f"{prefix}-method": "reason",
            f"{prefix}-reason": "理由",
        },
        follow=True,
    )
    assert "Give each tied case a different place." in response.content.decode()
    assert not TieDecision.objects.exists()


def test_adjusted_awards_are_marked_on_the_awards_page_and_the_public_notice(
    org_client, call, organizer
):
    from datetime import timedelta

    from django.utils import timezone

    from judging.services import results as services

    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    _rnd, _judges, cases = scored_round(call, [[(30, 50)], [(20, 40)], [(10, 20)]])
    services.awards_propose(call=call, actor=organizer)
    services.award_adjust(
        call=call, case=cases[2], level="excellent", rank=2, reason="复核", actor=organizer
    )
    now = timezone.now()
    services.notice_publish(
        call=call,
        title="公示",
        text="",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        actor=organizer,
        now=now - timedelta(hours=1),  # published an hour ago
    )

    awards = org_client.get(f"/judging/results/calls/{call.slug}/awards/").content.decode()
    public = org_client.get(f"/judging/notice/{call.slug}/").content.decode()

    assert awards.count('data-adjusted="1"') == 1
    assert public.count('data-adjusted="1"') == 1
    ranks = sorted(call.awards.values_list("rank", "case_id"))
    assert ranks == [(1, cases[0].pk), (2, cases[2].pk), (3, cases[1].pk)]
