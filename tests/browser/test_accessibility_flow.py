"""Every role's main pages pass axe-core's serious and critical rules (WCAG AA contrast,
labels, names …), on a laptop and on a phone, with the demo's data (python manage.py
load_demo: a call open for submissions, one being judged, one finished and published).

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import io

import pytest
from django.core.management import call_command

from judging.models import Assignment, Round
from publishing.models import Feature, Installment

from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo12345"
SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _pages() -> dict[str | None, list[str]]:
    """Each demo account's main pages (None: a reader without an account)."""
    judging = Round.objects.get(call__slug="2026-spring-civic-cases", status=Round.Status.OPEN)
    closed = Round.objects.filter(call__slug="2026-spring-civic-cases", status="closed").get()
    review = Assignment.objects.filter(round=judging, judge__user__username="judge4").first()
    assert review is not None
    installment = Installment.objects.order_by("number").last()
    assert installment is not None
    feature = Feature.objects.order_by("pk").first()
    assert feature is not None
    return {
        None: ["/accounts/login/", "/judging/notice/2025-civic-cases/", "/series/"],
        "unit1": ["/collect/cases/", "/collect/calls/2026-civic-cases/cases/new/"],
        "organizer": [
            "/collect/calls/2026-civic-cases/",
            f"/judging/rounds/{judging.pk}/",
            f"/judging/results/rounds/{closed.pk}/",
            f"/judging/results/rounds/{closed.pk}/statistics/",
            "/judging/results/calls/2025-civic-cases/awards/",
            "/judging/pool/",
        ],
        "judge4": [f"/judging/review/rounds/{judging.pk}/", f"/judging/review/{review.pk}/"],
        "editor": [installment.get_edit_url(), f"/publish/features/{feature.pk}/"],
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_every_roles_main_pages_pass_axe(browsing, live_server, size):
    call_command("load_demo", stdout=io.StringIO())
    checked = []
    for username, urls in _pages().items():
        page = browsing.new_page()
        page.set_viewport_size(SIZES[size])
        if username:
            login(page, live_server.url, username, password=DEMO_PASSWORD)
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            assert_accessible(page)
            checked.append(url)
    assert len(checked) == 15
    browsing.assert_healthy()
    browsing.assert_only_local_requests()
