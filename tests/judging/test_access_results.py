"""Who reaches which results URL: every pattern of judging/urls/results.py, awards.py and
notice.py × organizer, assigned judge, unassigned judge, conflicted judge, unit user, editor and
anonymous. Results are organizer-only; the public notice page is 404 until published, then open
to everyone and shows titles, units and award levels only."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from judging import urls
from judging.models import Conflict, Notice, Objection, Result
from judging.services import results as services

from ..factories import UserFactory, unit_user
from .results_kit import panel, random_rows, scored_round  # noqa: F401

pytestmark = pytest.mark.django_db

urlpatterns = urls.results.urlpatterns + urls.awards.urlpatterns + urls.notice.urlpatterns

ROLES = [
    "organizer",
    "assigned_judge",
    "unassigned_judge",
    "conflicted_judge",
    "unit_user",
    "editor",
    "anonymous",
]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(call, organizer):
    """A closed, scored round with results and proposed awards, a notice scheduled to start
    tomorrow (so not yet published) with one objection, and one person per role."""
    rnd, judges, cases = scored_round(call, random_rows(4, 2, seed=13))
    conflicted = panel(1)[0]
    Conflict.objects.create(judge=conflicted, case=cases[0], reason="同一单位")
    services.awards_propose(call=call, actor=organizer)
    now = timezone.now()
    notice = services.notice_publish(
        call=call,
        title="评选结果公示",
        text="如有异议请反映。",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=8),
        actor=organizer,
    )
    objection = Objection.objects.create(notice=notice, text="异议", received_at=now)
    people = {
        "organizer": organizer,
        "assigned_judge": judges[0].user,
        "unassigned_judge": panel(1)[0].user,
        "conflicted_judge": conflicted.user,
        "unit_user": unit_user(cases[0].unit),
        "editor": UserFactory(is_editor=True),
        "anonymous": None,
    }
    return {
        "call": call,
        "round": rnd,
        "judge": judges[0],
        "cases": cases,
        "objection": objection,
        "notice": notice,
        "people": people,
    }


# name → (method, kind, kwargs from the world). kind: "page" (organizer reads), "action"
# (organizer changes something, answered by a redirect), "public".
SPEC = {
    "results_index": ("get", "page", lambda w: {}),
    "round_results": ("get", "page", lambda w: {"pk": w["round"].pk}),
    "results_recompute": ("post", "action", lambda w: {"pk": w["round"].pk}),
    "results_stats": ("get", "page", lambda w: {"pk": w["round"].pk}),
    "results_import": ("get", "page", lambda w: {"pk": w["round"].pk}),
    "results_export": ("get", "page", lambda w: {"pk": w["round"].pk}),
    "judge_sheets": ("get", "page", lambda w: {"pk": w["round"].pk}),
    "judge_sheet_xlsx": ("get", "page", lambda w: {"pk": w["round"].pk, "judge_pk": w["judge"].pk}),
    "judge_sheet_print": (
        "get",
        "page",
        lambda w: {"pk": w["round"].pk, "judge_pk": w["judge"].pk},
    ),
    "awards": ("get", "page", lambda w: {"slug": w["call"].slug}),
    "awards_propose": ("post", "action", lambda w: {"slug": w["call"].slug}),
    "award_adjust": ("post", "action", lambda w: {"slug": w["call"].slug}),
    "notice": ("get", "page", lambda w: {"slug": w["call"].slug}),
    "notice_publish": ("post", "action", lambda w: {"slug": w["call"].slug}),
    "objection_record": ("post", "action", lambda w: {"slug": w["call"].slug}),
    "objection_answer": ("post", "action", lambda w: {"pk": w["objection"].pk}),
    "call_finalize": ("post", "action", lambda w: {"slug": w["call"].slug}),
    "public_notice": ("get", "public", lambda w: {"slug": w["call"].slug}),
}


def test_every_results_url_is_in_the_matrix():
    names = [p.name for p in urlpatterns]
    assert len(names) == len(set(names)), "duplicate URL names"
    unlisted = set(names) - set(SPEC)
    assert not unlisted, f"add these URLs to the access matrix: {sorted(unlisted)}"
    assert set(SPEC) == set(names)


def _request(client, person, name, world):
    method, kind, kwargs = SPEC[name]
    client.logout()
    if person is not None:
        client.force_login(person)
    url = reverse(f"judging:{name}", kwargs=kwargs(world))
    return getattr(client, method)(url), url


def _expected(role: str, kind: str) -> int:
    if kind == "public":
        return 404  # not published yet (starts tomorrow)
    if role == "organizer":
        return 200 if kind == "page" else 302
    return 302 if role == "anonymous" else 403


@pytest.mark.parametrize("name", list(SPEC))
def test_access_matrix(client, world, name):
    _method, kind, _kwargs = SPEC[name]
    got = {}
    for role in ROLES:
        response, url = _request(client, world["people"][role], name, world)
        got[role] = response.status_code
        if response.status_code == 302 and role == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login")), url
        if response.status_code == 302 and role == "organizer":
            assert not response["Location"].startswith(reverse("accounts:login")), url
    assert got == {role: _expected(role, kind) for role in ROLES}


def test_public_notice_404_without_notice_then_open_to_all_without_scores(client, world):
    call, notice = world["call"], world["notice"]
    url = reverse("judging:public_notice", kwargs={"slug": call.slug})
    assert (
        client.get(reverse("judging:public_notice", kwargs={"slug": "no-such-call"})).status_code
        == 404
    )
    Notice.objects.filter(pk=notice.pk).update(starts_at=timezone.now() - timedelta(hours=1))

    pages = {}
    for role in ROLES:
        client.logout()
        if world["people"][role] is not None:
            client.force_login(world["people"][role])
        response = client.get(url)
        assert response.status_code == 200, role
        pages[role] = response.content.decode()

    html = pages["anonymous"]
    awarded = list(call.awards.select_related("case__unit"))
    assert awarded
    for award in awarded:
        assert award.case.title in html and award.case.unit.name in html
    assert "十佳案例" in html
    # never a score, a contact, a judge or a case code
    for case in world["cases"]:
        assert case.contact_name not in html and case.contact_phone not in html
        assert case.code not in html
    for result in Result.objects.filter(round=world["round"]):
        for value in (result.mean, result.trimmed_mean, result.median):
            assert f"{value:.2f}" not in html and f"{value:.1f}" not in html
    assert world["judge"].name not in html
    assert "data-col" not in html and "top_probability" not in html
