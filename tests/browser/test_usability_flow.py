"""What a browser walk found (issue 13), checked in a real browser: the body counter and its
limit, and scoring on a phone."""

import pytest

from judging.models import Assignment
from submissions.models import Case

from ..judging.setupkit import accepted_case, judge_profile, make_round
from .kit import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_body_counter_turns_red_past_the_limit_and_holds_the_form_back(
    browsing, screenshot, live_server, call, user_a
):
    call.body_max_chars = 20
    call.save(update_fields=["body_max_chars"])
    page = browsing.new_page()
    login(page, live_server.url, user_a.username)
    page.goto(f"{live_server.url}/collect/calls/{call.slug}/cases/new/")
    counter = page.locator("#id_body-count")
    assert counter.inner_text() == "0 / 20"

    page.fill("#id_title", "口袋公园")
    page.fill("#id_body", "老城区见缝插绿，建成口袋公园十二处。居民受益。")  # 23 characters
    assert counter.inner_text() == "23 / 20"
    assert "text-danger" in (counter.get_attribute("class") or "")
    assert page.get_attribute("#id_body", "aria-invalid") == "true"
    page.click("#case-form button[name=save]")
    message = page.locator("#id_body ~ .char-over")
    assert message.is_visible()
    assert "20" in message.inner_text()
    screenshot(page, "usability-body-over-limit")
    assert "/cases/new/" in page.url
    assert not Case.objects.exists()

    page.fill("#id_body", "老城区见缝插绿，建成口袋公园十二处。")  # 18
    assert counter.inner_text() == "18 / 20"
    assert page.get_attribute("#id_body", "aria-invalid") is None
    assert not message.is_visible()
    with page.expect_navigation():
        page.click("#case-form button[name=save]")
    assert Case.objects.get().body == "老城区见缝插绿，建成口袋公园十二处。"
    browsing.assert_healthy()


def test_on_a_phone_the_case_comes_first_and_the_total_says_what_it_leaves_out(
    browsing, screenshot, live_server, call
):
    case = accepted_case(call, title="一张清单管到底", body="市场监管一张清单。\n" * 20)
    judge = judge_profile("judge-lin", name="林评委")
    rnd = make_round(call, judges=[judge], step="0.5")
    innovation, effect = rnd.criteria.all()
    a = Assignment.objects.get(round=rnd, judge=judge, case=case)
    page = browsing.new_page()
    page.set_viewport_size(PHONE)
    login(page, live_server.url, judge.user.username)
    page.goto(f"{live_server.url}/judging/review/{a.pk}/")

    # the case text comes before the form, with a link down to the form
    article = page.locator("article.case-for-review").bounding_box()
    card = page.locator("#scoring").bounding_box()
    assert article is not None and card is not None
    assert article["y"] + article["height"] <= card["y"]
    jump = page.locator("#jump-to-scoring")
    assert jump.is_visible() and jump.get_attribute("href") == "#scoring"
    assert page.get_attribute(f"#id_c{innovation.pk}", "inputmode") == "decimal"

    # an invalid score is left out of the live total, which says so
    page.fill(f"#id_c{innovation.pk}", "3x")
    page.fill(f"#id_c{effect.pk}", "45.5")
    assert page.inner_text("[data-role='review-total']") == "45.5"
    note = page.locator("[data-role='review-invalid']")
    assert note.is_visible()
    assert note.inner_text().startswith("1 ")
    jump.click()
    page.wait_for_function("location.hash === '#scoring'")
    screenshot(page, "usability-scoring-phone")
    page.fill(f"#id_c{innovation.pk}", "30")
    assert page.inner_text("[data-role='review-total']") == "75.5"
    assert not note.is_visible()
    browsing.assert_healthy()


def test_in_a_round_that_allows_it_a_judge_changes_submitted_scores(
    browsing, screenshot, live_server, call
):
    case = accepted_case(call, title="一张清单管到底")
    judge = judge_profile("judge-lin", name="林评委")
    rnd = make_round(call, judges=[judge])
    rnd.changes_until_close = True
    rnd.save(update_fields=["changes_until_close"])
    innovation, effect = rnd.criteria.all()
    a = Assignment.objects.get(round=rnd, judge=judge, case=case)
    page = browsing.new_page()
    login(page, live_server.url, judge.user.username)
    page.goto(f"{live_server.url}/judging/review/{a.pk}/")

    page.fill(f"#id_c{innovation.pk}", "30")
    page.fill(f"#id_c{effect.pk}", "50")
    with page.expect_navigation():
        page.click("#submit-review")  # no confirmation: the scores can still change
    page.goto(f"{live_server.url}/judging/review/{a.pk}/")
    assert page.locator("#changeable-note").is_visible()
    assert page.locator("#save-draft").count() == 0
    assert page.input_value(f"#id_c{innovation.pk}") == "30"
    page.fill(f"#id_c{innovation.pk}", "35")
    screenshot(page, "usability-change-submitted")
    with page.expect_navigation():
        page.click("#submit-review")
    a.refresh_from_db()
    assert (a.status, str(a.total)) == ("submitted", "85.00")
    browsing.assert_healthy()
