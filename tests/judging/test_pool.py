"""The expert pool's new fields, filters and history, and rating the experts of a closed round."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from judging.models import Assignment, ExpertRating, Invitation, Round
from judging.services import drawing as services
from judging.services import rounds

from ..factories import ExpertRatingFactory, InvitationFactory
from .setupkit import accepted_case, judge_profile, make_round

pytestmark = pytest.mark.django_db


def test_the_edit_page_saves_fields_region_title_and_availability(client, organizer):
    judge = judge_profile("zhang")
    client.force_login(organizer)
    response = client.post(
        reverse("judging:judge_edit", args=[judge.pk]),
        {
            "name": "张专家",
            "expert_fields": "城市管理，社会治理, 城市管理",
            "region": "浦东新区",
            "title": "高级工程师",
            "unavailable_reason": "出差",
        },
    )
    assert response.status_code == 302
    judge.refresh_from_db()
    assert judge.fields == ["城市管理", "社会治理"]
    assert (judge.region, judge.title, judge.available) == ("浦东新区", "高级工程师", False)
    assert judge.unavailable_reason == "出差"


def test_the_pool_filters_by_field_region_and_availability(client, organizer):
    a, b, c = (
        judge_profile("a", name="甲"),
        judge_profile("b", name="乙"),
        judge_profile("c", name="丙"),
    )
    a.fields, a.region = ["城市管理"], "浦东"
    a.save()
    b.fields, b.available = ["社会治理"], False
    b.save()
    client.force_login(organizer)
    url = reverse("judging:judge_list")

    def names(**params):
        page = client.get(url, params).content.decode()
        return [n for n in ("甲", "乙", "丙") if f'<td class="text-nowrap">{n}</td>' in page]

    assert names(field="城市管理") == ["甲"]
    assert names(region="浦东") == ["甲"]
    assert names(available="no") == ["乙"]
    assert names(available="yes") == ["甲", "丙"] or names(available="yes") == ["丙", "甲"]
    assert c.pk


def _served(organizer, call, *, deadline_passed: bool):
    judges = [judge_profile("late"), judge_profile("ontime")]
    rnd = make_round(call, judges=judges, cases=[accepted_case(call)], actor=organizer)
    if deadline_passed:
        Round.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - timedelta(days=1))
    return rnd, judges


def test_the_pool_shows_each_experts_history_in_constant_queries(
    client, organizer, call, django_assert_num_queries
):
    rnd, (late, ontime) = _served(organizer, call, deadline_passed=True)
    Assignment.objects.filter(judge=ontime).update(
        submitted_at=rnd.call.opens_at, status=Assignment.Status.SUBMITTED
    )
    InvitationFactory(judge=late, status=Invitation.Status.DECLINED)
    ExpertRatingFactory(judge=ontime, round=rnd, rating=ExpertRating.Rating.EXCELLENT)
    client.force_login(organizer)
    url = reverse("judging:judge_list")
    with django_assert_num_queries(QUERIES):
        page = client.get(url).content.decode()
    row = page[page.index(f'data-judge="{late.pk}"') :]
    assert "1 calls · 1 declined · 1 late" in row[: row.index("</tr>")]
    row = page[page.index(f'data-judge="{ontime.pk}"') :]
    assert "Excellent" in row[: row.index("</tr>")]
    for n in range(10):
        judge_profile(f"more{n}")
    with django_assert_num_queries(QUERIES):
        client.get(url)


QUERIES = 7  # the same for 3 experts and for 13


def test_the_expert_page_shows_the_history_round_by_round(client, organizer, call):
    rnd, (late, _ontime) = _served(organizer, call, deadline_passed=True)
    client.force_login(organizer)
    page = client.get(reverse("judging:judge_edit", args=[late.pk])).content.decode()
    assert "1 calls served · 0 declined · 1 late reviews" in page
    assert rnd.name in page


def test_the_organizer_rates_the_experts_of_a_closed_round(client, organizer, call):
    rnd, (late, ontime) = _served(organizer, call, deadline_passed=True)
    client.force_login(organizer)
    url = reverse("judging:round_ratings", args=[rnd.pk])
    client.post(url, {"judge": late.pk, "rating": "incompetent", "note": "迟交"})
    assert not ExpertRating.objects.exists()  # the round is still open
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    client.post(url, {"judge": late.pk, "rating": "incompetent", "note": "迟交"})
    rating = ExpertRating.objects.get()
    assert (rating.judge, rating.rating, rating.note, rating.by) == (
        late,
        "incompetent",
        "迟交",
        organizer,
    )
    page = client.get(url).content.decode()
    assert "Incompetent" in page
    other = judge_profile("other")
    client.post(url, {"judge": other.pk, "rating": "excellent"})
    assert not ExpertRating.objects.filter(judge=other).exists()


def test_a_rating_never_leaves_an_open_round(organizer, call):
    rnd, (late, _o) = _served(organizer, call, deadline_passed=False)
    with pytest.raises(Exception, match="after the round closes"):
        services.expert_rate(judge=late, round=rnd, rating="excellent", actor=organizer)
