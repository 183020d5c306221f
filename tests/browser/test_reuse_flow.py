"""Reusing a call and opening a round during collection, through a real browser: the organizer
copies last year's call from the new-call page, then opens a round of a call that still
collects cases, answers "keep collecting", and a unit still submits.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from judging.models import Round
from submissions.models import Call, Case

from ..factories import CallFactory, unit_user
from ..judging.setupkit import accepted_case, judge_profile, make_round
from ..submissions.casekit import case_with_photos
from .kit import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_the_organizer_copies_last_years_call(browsing, screenshot, live_server, organizer):
    source = CallFactory(slug="2025-cases", title="2025年度优秀案例征集", status=Call.Status.FINAL)
    accepted_case(source)
    make_round(source, judges=[judge_profile("j1")], status=Round.Status.DRAFT)
    base = live_server.url

    page = browsing.new_page()
    login(page, base, organizer.username)
    page.goto(f"{base}/collect/calls/new/")
    page.select_option("#copy-from select[name=copy]", "2025-cases")
    _post(page, "#copy-from button[type=submit]")
    assert page.url.endswith("/collect/calls/2025-cases/copy/")
    assert page.input_value("#id_title") == "2026年度优秀案例征集"
    assert page.input_value("#id_slug") == "2026-cases"
    screenshot(page, "reuse-01-copy")
    _post(page, "#copy-form button[type=submit]")

    copy = Call.objects.get(slug="2026-cases")
    assert page.url.endswith(copy.get_absolute_url())
    assert (copy.status, copy.rounds.count()) == (Call.Status.DRAFT, 1)
    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_a_round_opens_while_collection_stays_open_and_a_unit_still_submits(
    browsing, screenshot, live_server, organizer, unit_a
):
    call = CallFactory(slug="collecting", closes_at=timezone.now() + timedelta(days=20))
    accepted_case(call)
    rnd = make_round(call, judges=[judge_profile("j1")], status=Round.Status.DRAFT)
    from judging.services import rounds

    rounds.round_assign(round=rnd, actor=organizer)
    user = unit_user(unit_a, username="unit-a-phone")
    draft = case_with_photos(call=call, unit=unit_a, created_by=user)
    base = live_server.url

    page = browsing.new_page()
    page.set_viewport_size(PHONE)
    login(page, base, organizer.username)
    page.goto(f"{base}/judging/rounds/{rnd.pk}/")
    assert page.locator("#open-question").is_visible()
    page.check("#collection-keep")
    screenshot(page, "reuse-02-overlap-question")
    _post(page, "#open-round")
    assert page.locator("#still-collecting").is_visible()
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.OPEN

    unit_page = browsing.new_page()
    unit_page.set_viewport_size(PHONE)
    login(unit_page, base, user.username)
    unit_page.goto(f"{base}/collect/calls/collecting/")
    assert unit_page.locator("#collection-closed").count() == 0
    unit_page.goto(f"{base}/collect/cases/{draft.pk}/")
    _post(unit_page, f"form[action='/collect/cases/{draft.pk}/submit/'] button")
    assert Case.objects.get(pk=draft.pk).status == Case.Status.SUBMITTED
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
