"""What a browser walk found (issue 13), checked in a real browser: the body counter and its
limit, and scoring on a phone."""

import pytest

from submissions.models import Case

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
