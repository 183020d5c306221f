"""Expert judging through a real browser: a judge logs in, scores two cases of a blind round on
a laptop-sized window (one saved as a draft first), submits both; the organizer opens the
round's progress page and sees the judge at 100%.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import re

import pytest

from judging.models import Assignment, Round, ScoreAudit

from ..factories import UnitFactory
from ..judging.setupkit import accepted_case, judge_profile, make_round, photo_add
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _box(page, selector) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    return box


def test_judge_scores_two_cases_and_the_organizer_sees_100_percent(
    browsing, screenshot, live_server, call, organizer
):
    base = live_server.url
    unit = UnitFactory(name="蓝鲸湾街道办事处")
    cases = [
        accepted_case(
            call,
            unit=unit,
            title="“口袋公园”点亮老城区",
            contact_name="欧阳娜娜",
            summary="蓝鲸湾街道办事处见缝插绿，建成口袋公园十二处。",
            body="老城区见缝插绿。\n" * 12,
        ),
        accepted_case(call, title="一张清单管到底", body="市场监管一张清单。\n" * 8),
    ]
    for i, case in enumerate(cases):
        photo_add(case, caption=f"说明{i + 1}")
        photo_add(case, caption=f"说明{i + 1}-2", position=2)
    judge = judge_profile("judge-lin", name="林评委")
    other = judge_profile("judge-qian", name="钱评委")
    rnd = make_round(call, judges=[judge, other], blind=True, step="0.5")
    innovation, effect = rnd.criteria.all()
    first, second = (Assignment.objects.get(round=rnd, judge=judge, case=c) for c in cases)

    # ---- the judge logs in and finds the round
    page = browsing.new_page()
    page.set_viewport_size(LAPTOP)
    login(page, base, judge.user.username)
    page.goto(f"{base}/judging/")
    page.click(f"#my-rounds a[data-round='{rnd.pk}']")
    page.wait_for_url(f"**/judging/review/rounds/{rnd.pk}/")
    assert page.locator("#queue tbody tr").count() == 2
    assert "蓝鲸湾" not in page.content()
    screenshot(page, "judging-01-queue")
    assert_accessible(page)

    # ---- first case: fill the criteria and a comment, save a draft
    page.click(f"#queue tr[data-review='{first.pk}'] a.btn")
    page.wait_for_url(f"**/judging/review/{first.pk}/")
    assert "蓝鲸湾" not in page.content() and "欧阳娜娜" not in page.content()
    page.fill(f"#id_c{innovation.pk}", "32.5")
    page.fill(f"#id_c{effect.pk}", "50")
    page.fill("#id_comment", "做法扎实，成效明显。")
    assert page.inner_text("[data-role='review-total']") == "82.5"
    # on a laptop screen the case sits beside the form, and the whole form is in view
    article, card = _box(page, "article.case-for-review"), _box(page, "[data-fit-viewport]")
    assert card["x"] >= article["x"] + article["width"] - 1
    assert card["y"] + card["height"] <= LAPTOP["height"]
    assert _box(page, "#submit-review")["y"] + 30 <= LAPTOP["height"]
    thumbs = page.eval_on_selector_all(
        "#case-photos img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )
    assert thumbs == [True, True]
    screenshot(page, "judging-02-scoring-laptop")
    assert_accessible(page)
    _post(page, "#save-draft")
    page.wait_for_url(f"**/judging/review/{first.pk}/")
    first.refresh_from_db()
    assert (first.status, str(first.total), first.comment) == (
        "draft",
        "82.50",
        "做法扎实，成效明显。",
    )
    assert page.input_value(f"#id_c{innovation.pk}") == "32.5"

    # ---- a wrong score is refused, naming the criterion, and nothing changes
    page.fill(f"#id_c{effect.pk}", "70")
    with page.expect_navigation() as nav:
        page.click("#save-draft")
    assert nav.value.status == 400
    assert effect.name in page.inner_text("#review-form")
    first.refresh_from_db()
    assert str(first.total) == "82.50"

    # ---- submits the first case: a page shows the scores and total and asks first; confirmed,
    # it leads on to the second case
    page.fill(f"#id_c{effect.pk}", "51")
    _post(page, "#submit-review")
    page.wait_for_url(f"**/judging/review/{first.pk}/?confirm")
    assert page.inner_text("#confirm-total") == "83.5 / 100"
    screenshot(page, "judging-02b-confirm")
    first.refresh_from_db()
    assert first.status == "draft"  # nothing is final before the judge confirms
    _post(page, "#confirm-submit")
    page.wait_for_url(f"**/judging/review/{second.pk}/")
    page.fill(f"#id_c{innovation.pk}", "28")
    page.fill(f"#id_c{effect.pk}", "45.5")
    page.fill("#id_comment", "清单管理有借鉴意义。")
    _post(page, "#submit-review")
    assert page.inner_text("#confirm-total") == "73.5 / 100"
    _post(page, "#confirm-submit")
    page.wait_for_url(f"**/judging/review/rounds/{rnd.pk}/")
    assert page.locator("#queue [data-review-status='submitted']").count() == 2
    screenshot(page, "judging-03-queue-done")
    assert list(
        Assignment.objects.filter(round=rnd, judge=judge)
        .order_by("case__number")
        .values_list("status", "total")
    ) == [
        ("submitted", first.total.__class__("83.5")),
        ("submitted", first.total.__class__("73.5")),
    ]
    assert list(ScoreAudit.objects.filter(assignment=first).values_list("action", flat=True)) == [
        "draft",
        "draft",  # the scores as confirmed
        "submit",
    ]

    # ---- the submitted review is locked
    page.goto(f"{base}/judging/review/{first.pk}/")
    assert page.locator("#review-form").count() == 0
    assert page.locator("#my-scores").count() == 1

    # ---- the organizer sees the judge at 100% on the progress page
    org = browsing.new_page()
    org.set_viewport_size(LAPTOP)
    login(org, base, organizer.username)
    org.goto(f"{base}/judging/rounds/{rnd.pk}/")
    org.click(f"a[href='/judging/rounds/{rnd.pk}/progress/']")
    org.wait_for_url(f"**/judging/rounds/{rnd.pk}/progress/")
    row = org.locator(f"#judge-progress tr[data-judge='{judge.pk}']")
    assert row.locator("[data-role='percent']").inner_text() == "100%"
    assert row.locator(".progress-bar").get_attribute("style") == "width: 100%;"
    other_row = org.locator(f"#judge-progress tr[data-judge='{other.pk}']")
    assert other_row.locator("[data-role='percent']").inner_text() == "0%"
    assert re.fullmatch(r"\d+%", org.inner_text("#overall-progress [data-role='percent']"))
    screenshot(org, "judging-04-progress")
    assert Round.objects.get(pk=rnd.pk).status == "open"
    browsing.assert_healthy()
    browsing.assert_only_local_requests()
