"""The public home through a real browser, in Chinese, without an account: the visitor opens
`/`, reads the open call and downloads its document, opens a notice, a series and an
installment, sees the award tier, the permalink and its QR code; the footer the organizer
filled in is on every page. Then a unit user goes from `/` to the workspace. On a desktop and
a phone-sized screen.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing import services

from ..factories import CallDocumentFactory, CallFactory, NoticeFactory, SiteProfileFactory
from ..publishing.kit import awarded_call, draft, ready
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def public_world(db, editor):
    SiteProfileFactory()
    call = CallFactory(
        slug="2026-civic-cases",
        title="2026年度文明城市创建优秀案例征集",
        notice="各单位：为总结推广文明城市创建经验，现开展优秀案例征集活动。",
        closes_at=timezone.now() + timedelta(days=20),
    )
    doc = CallDocumentFactory(call=call, title="征集通知（全文）")
    finished = awarded_call(
        top=1, excellent=1, photos=1, titles={1: ("“口袋公园”点亮老城区", "某某街道")}
    )
    series = draft(finished, editor=editor, per_installment=1)
    for inst in series.installments.order_by("number"):
        services.installment_publish(installment=ready(inst), actor=editor)
    NoticeFactory(
        call=finished,
        title="关于2025年度优秀案例评选结果的公示",
        starts_at=timezone.now() - timedelta(days=20),
        ends_at=timezone.now() - timedelta(days=10),
    )
    return {"call": call, "doc": doc, "series": series}


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _footer(page) -> str:
    return page.inner_text("#site-footer")


def test_anonymous_visitor_reads_a_call_a_notice_and_an_installment(
    browsing, live_server, screenshot, public_world
):
    page = browsing.new_page()
    page.goto(f"{live_server.url}/")
    assert page.inner_text("#site-brand") == "某区文明创建案例征集评选平台"
    assert "京ICP备12345678号-1" in _footer(page)
    assert "京公网安备11010502000001号" in _footer(page)
    assert page.locator("#calls [data-call='2026-civic-cases']").count() == 1
    assert page.locator("#past-notices [data-notice]").count() == 1
    assert page.locator("#series [data-latest='2']").count() == 1
    assert_accessible(page)
    screenshot(page, "public-01-home-desktop")

    # the open call: its notice, its rules and its document
    _go(page, "#calls [data-call='2026-civic-cases'] a")
    assert page.url == f"{live_server.url}/calls/2026-civic-cases/"
    assert "为总结推广文明城市创建经验" in page.inner_text("#call-notice")
    assert page.locator("#call-rules li").count() == 4
    with page.expect_download() as download:
        page.click(f"[data-document='{public_world['doc'].uid}']")
    assert download.value.suggested_filename == "征集通知（全文）.pdf"
    assert page.locator("#import-template").count() == 1
    assert_accessible(page)
    screenshot(page, "public-02-call-desktop")

    # back home through the reader navigation, then the notice
    _go(page, "#reader-nav a[href='/']")
    _go(page, "#past-notices a")
    assert page.inner_text("#public-notice h1") == "关于2025年度优秀案例评选结果的公示"
    assert "“口袋公园”点亮老城区" in page.inner_text("#public-top")
    assert "京ICP备12345678号-1" in _footer(page)
    screenshot(page, "public-03-notice-desktop")

    # a series, then its first installment: award tier, permalink and QR code
    _go(page, "#reader-nav a[href='/series/']")
    _go(page, "a.pub-list-heading")
    assert page.locator("#installments li").count() == 2
    _go(page, "#installments li[data-number='1'] a")
    assert page.inner_text("[data-award]") == "十佳案例"
    assert page.input_value("#permalink").endswith("/series/xunli/1/")
    assert page.locator("#share-qr svg").count() == 1
    assert page.locator("a[rel='next']").count() == 1
    assert_accessible(page)
    screenshot(page, "public-04-installment-desktop")
    _go(page, "a[rel='next']")
    assert page.inner_text("[data-award]") == "优秀案例"

    # the same pages on a phone
    page.set_viewport_size(PHONE)
    for path, name in (
        ("/", "public-05-home-phone"),
        ("/calls/2026-civic-cases/", "public-06-call-phone"),
        ("/series/xunli/1/", "public-07-installment-phone"),
    ):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width} px)"
        screenshot(page, name)
    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_a_unit_user_goes_from_home_to_the_workspace(
    browsing, live_server, screenshot, public_world, user_a
):
    page = browsing.new_page()
    login(page, live_server.url, user_a.username)
    assert page.url == f"{live_server.url}/collect/cases/"  # logging in leads to the workspace

    page.goto(f"{live_server.url}/")
    _go(page, "#start-link")

    assert page.url == f"{live_server.url}/collect/cases/"
    assert "京ICP备12345678号-1" in _footer(page)
    browsing.assert_healthy()


def test_organizer_fills_in_the_site_information(
    browsing, live_server, screenshot, organizer, tmp_path
):
    from publishing.demo_public import demo_logo

    logo = tmp_path / "标志.png"
    logo.write_bytes(demo_logo())
    page = browsing.new_page()
    login(page, live_server.url, organizer.username)
    _go(page, "#nav-site-profile")
    page.fill("#id_portal_name", "某区文明创建案例征集评选平台")
    page.fill("#id_host_org", "某区委宣传部 某区文明办")
    page.fill("#id_contact_phone", "010-12345678")
    page.fill("#id_icp_number", "京ICP备12345678号-1")
    page.fill("#id_police_number", "京公网安备11010502000001号")
    page.set_input_files("#id_logo_file", str(logo))
    _go(page, "#site-profile-form button[type=submit]")

    assert page.locator("#site-brand img.site-logo").count() == 1
    assert page.inner_text("#site-brand") == "某区文明创建案例征集评选平台"
    assert "京公网安备11010502000001号" in _footer(page)
    assert page.locator("#current-logo").count() == 1
    assert_accessible(page)
    screenshot(page, "public-08-site-information-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "public-09-site-information-phone")
    browsing.assert_healthy()
