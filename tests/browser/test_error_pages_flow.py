"""A long form refused by the CSRF check keeps what was typed, on a phone: the unit user logs in
again in another tab while a case is being written, the form is refused, and "Send again" saves
it with every word.
"""

import re

import pytest

from submissions.models import Case

from ..test_error_pages import catalog  # noqa: F401 — the Chinese catalog, pending messages too
from .kit import login

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("catalog")]

PHONE = {"width": 390, "height": 844}
BODY = "老城区见缝插绿，建成口袋公园十二处。\n居民在家门口就能休憩、健身。\n" * 12


def test_case_form_refused_by_the_csrf_check_is_kept_and_sent_again(
    browsing, screenshot, live_server, call, user_a
):
    base = live_server.url
    page = browsing.new_page()
    page.set_viewport_size(PHONE)
    login(page, base, user_a.username)
    page.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    page.fill("#id_title", "“口袋公园”点亮老城区")
    page.fill("#id_contact_name", "张某某")
    page.fill("#id_contact_phone", "13812345678")
    page.fill("#id_summary", "见缝插绿建设口袋公园。")
    page.fill("#id_body", BODY)
    page.fill("#id_photos-0-caption", "居民在新建成的口袋公园休憩。")

    # Meanwhile, in another tab: log out and in again (a new CSRF cookie).
    other = page.context.new_page()
    other.goto(f"{base}/")
    with other.expect_navigation():
        other.locator("form[action='/accounts/logout/']").evaluate("f => f.submit()")
    login(other, base, user_a.username)
    other.close()

    with page.expect_navigation():
        page.click("button[name=save]")
    assert page.locator("h1").inner_text() == "表单未提交成功"
    assert "您填写的内容已保留在下方" in page.locator("#kept").inner_text()
    typed = page.locator("#typed textarea").evaluate_all("areas => areas.map(a => a.value)")
    assert BODY in typed and "居民在新建成的口袋公园休憩。" in typed
    assert Case.objects.count() == 0
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "errors-01-csrf-form-kept-phone")

    with page.expect_navigation():
        page.click("#resend")
    assert re.search(r"/collect/cases/\d+/edit/$", page.url), page.url
    case = Case.objects.get()
    assert (case.title, case.body, case.created_by) == (
        "“口袋公园”点亮老城区",
        BODY.strip(),
        user_a,
    )
    assert page.locator("#id_body").input_value() == BODY.strip()
    screenshot(page, "errors-02-sent-again-phone")
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
