"""Publishing through a real browser: an editor drafts a series from final awards, edits a
headline and a caption, publishes installment (一); a reader opens the series, the installment
(also on a phone-sized screen) and the feed.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import pytest

from publishing.models import Feature, Installment, Series
from submissions.models import Case

from ..publishing.kit import awarded_call, photo_add
from .kit import login

pytestmark = pytest.mark.browser

HEADLINE = "邻里守望 温暖同行"
CAPTION = "居民在新建成的口袋公园休憩。"


def _post(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _images_loaded(page, selector) -> list[bool]:
    return page.eval_on_selector_all(
        selector, "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )


def _all_images_loaded(page, selector) -> list[bool]:
    """Scrolls every (lazily loaded) image into view, then reports which ones decoded."""
    images = page.locator(selector)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(i => i.complete)", arg=selector
    )
    return _images_loaded(page, selector)


def _csp_watch(page) -> list[str]:
    """Console messages about the Content Security Policy (an inline script would cause one)."""
    found: list[str] = []
    page.on(
        "console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None
    )
    return found


def test_editor_drafts_edits_and_publishes_and_a_reader_follows(
    browsing, live_server, screenshot, editor
):
    base = live_server.url
    call = awarded_call(
        top=3, excellent=4, photos=0, titles={1: ("“口袋公园”点亮老城区", "某某街道")}
    )
    park, second = Case.objects.filter(call=call).order_by("number")[:2]
    for i, case in enumerate((park, park, second)):
        photo_add(case, size=(160, 120), caption=f"{case.title}的图片。", position=i + 1)

    # ---- the editor finds the call with final awards and drafts a series
    ed = browsing.new_page()
    ed.on("dialog", lambda dialog: dialog.accept())
    csp = _csp_watch(ed)
    login(ed, base, editor.username)
    ed.click("nav a[href='/publish/']")
    ed.wait_for_url("**/publish/")
    screenshot(ed, "publishing-01-series-list")
    ed.click(f"a[data-draft='{call.slug}']")
    ed.wait_for_url(f"**/publish/calls/{call.slug}/draft/")
    assert ed.input_value("#id_host_line") == "某区委宣传部 某区文明办"
    assert ed.input_value("#id_per_installment") == "5"
    ed.fill("#id_title", "某区文明城市创建优秀案例巡礼")
    ed.fill("#id_slug", "xunli")
    screenshot(ed, "publishing-02-draft-form")
    _post(ed, "#series-draft-form button[type=submit]")
    ed.wait_for_url("**/publish/series/xunli/")
    assert ed.locator("#installments tbody tr").count() == 2
    series = Series.objects.get(slug="xunli")
    assert [i.features.count() for i in series.installments.order_by("number")] == [5, 2]
    screenshot(ed, "publishing-03-series-edit")

    # ---- edits the headline of (一)
    ed.click("#installments tr[data-number='1'] a")
    ed.wait_for_url("**/publish/series/xunli/1/")
    assert ed.locator("#publish-problems").count() == 1  # no headline yet
    ed.fill("#id_headline", HEADLINE)
    ed.fill("#id_byline", "文/记者 张某某 图/受访单位提供")
    _post(ed, "#installment-form button[type=submit]")
    assert ed.locator("#publish-problems").count() == 0
    assert Installment.objects.get(series=series, number=1).headline == HEADLINE

    # ---- edits the caption of the first photo of the first case
    feature = Feature.objects.get(series=series, title="“口袋公园”点亮老城区")
    ed.click(f"a[data-edit-feature='{feature.pk}']")
    ed.wait_for_url(f"**/publish/features/{feature.pk}/")
    assert _all_images_loaded(ed, "#photo-rows img.pub-thumb") == [True, True]
    ed.fill("#id_body", "老城区见缝插绿，建成口袋公园十二处。")
    assert ed.inner_text("#body-count [data-count]") == "18"  # counted live, no spaces
    ed.fill("#id_photos-0-caption", CAPTION)
    screenshot(ed, "publishing-04-feature-edit")
    _post(ed, "#feature-form button[type=submit]")
    ed.wait_for_url("**/publish/series/xunli/1/")
    assert feature.photos.order_by("position").first().caption == CAPTION
    assert feature.case.photos.order_by("position").first().caption != CAPTION  # untouched

    # ---- previews, then publishes
    ed.click("#preview-link")
    ed.wait_for_url("**/publish/series/xunli/1/preview/")
    assert ed.locator("[data-banner='preview']").count() == 1
    assert HEADLINE in ed.inner_text("article.publication")
    screenshot(ed, "publishing-05-preview")
    ed.go_back()
    ed.wait_for_url("**/publish/series/xunli/1/")
    _post(ed, "#publish-button")
    assert ed.locator("[data-state='published']").count() == 1
    assert Installment.objects.get(series=series, number=1).current_version.number == 1
    screenshot(ed, "publishing-06-published")

    # ---- a reader opens the series, the installment and the feed
    reader = browsing.new_page()
    reader_csp = _csp_watch(reader)
    reader.goto(f"{base}/series/xunli/")
    assert reader.locator("#installments li").count() == 1  # (二) is not published
    screenshot(reader, "publishing-07-reader-series")
    reader.click("#installments li[data-number='1'] a")
    reader.wait_for_url("**/series/xunli/1/")
    article = reader.inner_text("article.publication")
    assert "某区文明城市创建优秀案例巡礼(一)" in article
    assert HEADLINE in article
    assert "案例 “口袋公园”点亮老城区" in article
    assert "选送单位：某某街道" in article
    assert "■" + CAPTION in article
    assert "13900001111" not in reader.content()
    assert _all_images_loaded(reader, "article.publication img") == [True] * 3
    screenshot(reader, "publishing-08-reader-installment")
    # On a phone: nothing wider than the screen.
    reader.set_viewport_size({"width": 390, "height": 844})
    reader.reload()
    assert reader.evaluate("document.documentElement.scrollWidth") <= 390
    assert _all_images_loaded(reader, "article.publication img") == [True] * 3
    reader.evaluate("window.scrollTo(0, 0)")
    screenshot(reader, "publishing-09-reader-phone")
    assert reader.goto(f"{base}/series/xunli/2/").status == 404
    feed = reader.goto(f"{base}/series/xunli/feed/atom/")
    assert feed.status == 200
    body = feed.text()
    assert f"某区文明城市创建优秀案例巡礼(一) {HEADLINE}" in body
    assert f"{base}/series/xunli/1/" in body and "/series/xunli/2/" not in body
    rss = reader.goto(f"{base}/series/xunli/feed/rss/")
    assert rss.status == 200 and "<rss" in rss.text()

    assert csp == [] and reader_csp == []
    browsing.assert_healthy()
    browsing.assert_only_local_requests()
