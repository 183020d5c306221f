"""Who reaches which results URL, in the access-table style of tests/access.py: every pattern
of judging/urls/results.py, awards.py and notice.py × the organizer, a judge of the round
(owner), another judge of the
same panel (member), a judge of no panel (outsider), a conflicted judge, a unit user, an editor
and anonymous. Results are organizer-only; the public notice page is 404 until published, then
open to everyone and shows titles, units and award levels only."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from judging import urls
from judging.models import Notice, Result
from judging.services import results as services

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import ConflictFactory, ObjectionFactory, UserFactory, unit_user
from .results_kit import panel, random_rows, scored_round  # noqa: F401

pytestmark = pytest.mark.django_db

urlpatterns = urls.results.urlpatterns + urls.awards.urlpatterns + urls.notice.urlpatterns

ROLES = [
    "organizer",
    "owner",
    "member",
    "outsider",
    "conflicted",
    "unit",
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
    ConflictFactory(judge=conflicted, case=cases[0], reason="同一单位")
    services.awards_propose(call=call, actor=organizer)
    now = timezone.now()
    notice = services.notice_publish(
        call=call,
        title="评选结果公示",
        text="如有异议请反映。",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=30),
        actor=organizer,
    )
    objection = ObjectionFactory(
        notice=notice, text="异议", received_at=now, submitter="", recorded_by=None
    )
    people = {
        "organizer": organizer,
        "owner": judges[0].user,
        "member": judges[1].user,
        "outsider": panel(1)[0].user,
        "conflicted": conflicted.user,
        "unit": unit_user(cases[0].unit),
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


def _everyone_else(organizer) -> dict:
    return {role: (organizer if role == "organizer" else 403) for role in ROLES} | {
        "anonymous": LOGIN
    }


PAGE = _everyone_else(200)  # the organizer reads
ACTION = _everyone_else(REDIRECT)  # the organizer changes something, answered by a redirect
NOT_YET_PUBLIC = {role: 404 for role in ROLES}  # the notice starts tomorrow


def _round(w):
    return {"pk": w["round"].pk}


def _call(w):
    return {"slug": w["call"].slug}


def _sheet(w):
    return {"pk": w["round"].pk, "judge_pk": w["judge"].pk}


def _row(name, expect, kwargs=None):
    return Row(
        f"judging:{name}", expect, kwargs=kwargs, method="post" if expect is ACTION else "get"
    )


TABLE = [
    _row("results_index", PAGE),
    _row("round_results", PAGE, _round),
    _row("results_recompute", ACTION, _round),
    _row("results_stats", PAGE, _round),
    _row("results_import", PAGE, _round),
    _row("results_export", PAGE, _round),
    _row("judge_sheets", PAGE, _round),
    _row("judge_sheet_xlsx", PAGE, _sheet),
    _row("judge_sheet_print", PAGE, _sheet),
    _row("awards", PAGE, _call),
    _row("awards_propose", ACTION, _call),
    _row("award_adjust", ACTION, _call),
    _row("notice", PAGE, _call),
    _row("notice_publish", ACTION, _call),
    _row("objection_record", ACTION, _call),
    _row("objection_answer", ACTION, lambda w: {"pk": w["objection"].pk}),
    _row("call_finalize", ACTION, _call),
    _row("public_notice", NOT_YET_PUBLIC, _call),
]


def test_every_results_url_is_in_the_matrix():
    names = [p.name for p in urlpatterns]
    assert len(names) == len(set(names)), "duplicate URL names"
    assert access.missing_rows(TABLE, "judging", urlpatterns) == []
    assert all(list(row.expect) == ROLES for row in TABLE)


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in TABLE])
def test_access_matrix(client, world, row):
    """Every role of the row on one world (a scored round takes a while to build)."""
    access.check_row(client, world, row)


def test_public_notice_404_without_notice_then_open_to_all_without_scores(client, world):
    call, notice = world["call"], world["notice"]
    access.check(
        client,
        world,
        Row("judging:public_notice", {"anonymous": 404}, kwargs=lambda w: {"slug": "no-such-call"}),
        "anonymous",
    )
    Notice.objects.filter(pk=notice.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    published = Row("judging:public_notice", {role: 200 for role in ROLES}, kwargs=_call)

    pages = {role: access.check(client, world, published, role).content.decode() for role in ROLES}

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
