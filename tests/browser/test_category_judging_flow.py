"""Judging each category (组别) separately, through a real browser: the organizer sets up a
round that judges the categories separately with a shared criterion and one criterion per
category; a judge scores a case of 社区组 and sees only the shared and 社区组's criteria; the
organizer reads the results grouped by category, proposes the awards within each category, and
the public notice lists them category by category.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from judging.models import Assignment, Award, Round
from judging.services import results as services
from judging.services import rounds

from ..judging.category_kit import categories, score
from ..judging.results_kit import panel
from ..judging.setupkit import accepted_case
from .kit import login

pytestmark = pytest.mark.browser


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_a_round_judges_each_category_separately_up_to_the_notice(
    browsing, screenshot, live_server, call, organizer
):
    base = live_server.url
    community, office = categories(call)  # 社区组: 十佳 1, 优秀 1; 机关组: the call's 2 + 1
    cases = {
        title: accepted_case(call, title=title, category=category)
        for title, category in (
            ("社区微治理“小板凳”议事会", community),
            ("楼道文化进万家", community),
            ("一张清单管到底", office),
            ("机关食堂光盘行动", office),
            ("政务窗口延时服务", office),
        )
    }
    judges = panel(2)

    # ---- the organizer sets up the round: by category, a shared and two category criteria
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.goto(f"{base}/judging/calls/{call.slug}/rounds/new/")
    org.fill("#id_name", "初评")
    org.check("#id_by_category")
    org.uncheck("#id_pledge_required")  # the pledge has its own flow (test_invitation_flow)
    org.select_option("#id_mode", "all")
    org.fill("#id_criteria-0-name", "创新性")
    org.fill("#id_criteria-0-max_points", "40")
    for i, (name, category) in enumerate((("居民参与", community), ("服务实效", office)), 1):
        if org.locator(f"#id_criteria-{i}-name").count() == 0:
            org.click("[data-formset-add='criteria']")
        org.fill(f"#id_criteria-{i}-name", name)
        org.fill(f"#id_criteria-{i}-max_points", "60")
        org.select_option(f"#id_criteria-{i}-category", str(category.pk))
    # a case is scored on 创新性 and its category's criterion: 40 + 60
    assert org.inner_text("[data-role='criteria-total']") == "100"
    screenshot(org, "categories-01-round-form")
    _post(org, "#round-form button[type=submit]")
    rnd = Round.objects.get(call=call, name="初评")
    assert rnd.by_category
    assert sorted((c.name, c.category_id) for c in rnd.criteria.all()) == sorted(
        [("创新性", None), ("居民参与", community.pk), ("服务实效", office.pk)]
    )
    assert org.locator("#criteria .badge").count() == 2
    rounds.round_set_panel(round=rnd, judges=judges, actor=organizer)
    rounds.round_set_entries(round=rnd, case_ids=None, actor=organizer)
    rounds.round_assign(round=rnd, actor=organizer)
    rounds.round_set_status(
        round=rnd, status=Round.Status.OPEN, actor=organizer, collection="close"
    )

    # ---- a judge scores a case of 社区组: the shared criterion and 社区组's, not 机关组's
    shared = rnd.criteria.get(name="创新性")
    mine, theirs = rnd.criteria.get(name="居民参与"), rnd.criteria.get(name="服务实效")
    first = cases["社区微治理“小板凳”议事会"]
    review = Assignment.objects.get(round=rnd, judge=judges[0], case=first)
    page = browsing.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, base, judges[0].user.username)
    page.goto(f"{base}/judging/review/{review.pk}/")
    assert page.locator(f"#id_c{shared.pk}").count() == 1
    assert page.locator(f"#id_c{mine.pk}").count() == 1
    assert page.locator(f"#id_c{theirs.pk}").count() == 0
    page.fill(f"#id_c{shared.pk}", "36")
    page.fill(f"#id_c{mine.pk}", "55")
    assert page.inner_text("[data-role='review-total']") == "91"
    _post(page, "#submit-review")
    # 提交 asks first, on a page with the total; confirmed, the review is submitted.
    page.wait_for_url(f"**/judging/review/{review.pk}/?confirm")
    assert page.inner_text("#confirm-total").startswith("91")
    _post(page, "#confirm-submit")
    review.refresh_from_db()
    assert (review.status, str(review.total)) == ("submitted", "91.00")

    # ---- the other reviews, through the services as the judges' forms do
    world = SimpleNamespace(round=rnd, shared=shared, own={community.pk: mine, office.pk: theirs})
    given = {
        "社区微治理“小板凳”议事会": [None, (34, 52)],
        "楼道文化进万家": [(30, 40), (28, 42)],
        "一张清单管到底": [(35, 50), (33, 52)],
        "机关食堂光盘行动": [(30, 45), (30, 45)],
        "政务窗口延时服务": [(20, 30), (22, 28)],
    }
    for title, per_judge in given.items():
        for judge, points in zip(judges, per_judge, strict=True):
            if points is not None:
                score(world, judge, cases[title], *points)
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    services.results_compute(round=rnd, actor=organizer)

    # ---- the organizer reads the results grouped by category, ranks within each
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/")
    headings = org.locator("#results-table [data-category-heading]")
    assert headings.count() == 2
    assert headings.nth(0).get_attribute("data-category-heading") == str(community.pk)
    ranks = org.eval_on_selector_all(
        "#results-table tbody tr[data-case] [data-col='rank']",
        "cells => cells.map(c => c.innerText)",
    )
    assert ranks == ["1", "2", "1", "2", "3"]
    assert org.locator("#by-category-rule").count() == 1
    screenshot(org, "categories-02-results")

    # ---- proposes the awards within each category
    _post(org, "#propose-awards")
    assert org.url.endswith(f"/judging/results/calls/{call.slug}/awards/")
    assert org.locator("[data-award-category]").count() == 2
    assert org.locator(f"#awards-{community.pk}-top tbody tr[data-level='top']").count() == 1
    assert org.locator(f"#awards-{office.pk}-top tbody tr[data-level='top']").count() == 2
    assert sorted(
        (a.category.name, a.level, a.rank) for a in Award.objects.select_related("category")
    ) == [
        ("机关组", "excellent", 3),
        ("机关组", "top", 1),
        ("机关组", "top", 2),
        ("社区组", "excellent", 2),
        ("社区组", "top", 1),
    ]
    screenshot(org, "categories-03-awards")

    # ---- the public notice lists the awards category by category
    now = timezone.now()
    services.notice_publish(
        call=call,
        title="关于文明实践优秀案例评选结果的公示",
        text="",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=30),
        actor=organizer,
        now=now - timedelta(minutes=5),  # published five minutes ago
    )
    reader = browsing.new_page()
    reader.goto(f"{base}/judging/notice/{call.slug}/")
    sections = reader.locator("#public-notice section[data-category]")
    assert [sections.nth(i).get_attribute("data-category") for i in range(2)] == [
        "社区组",
        "机关组",
    ]
    assert sections.nth(0).locator("table[data-level='top'] tbody tr").count() == 1
    assert sections.nth(1).locator("table[data-level='top'] tbody tr").count() == 2
    screenshot(reader, "categories-04-public-notice")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
