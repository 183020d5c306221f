"""Case collection through a real browser: a unit submits, the organizer returns, the unit
revises and resubmits, the organizer accepts; plus a bad upload that keeps the typed text.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import re

import pytest
from PIL import Image, ImageDraw

from submissions.models import Case, Photo

from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

CASE_URL = re.compile(r"/collect/cases/(\d+)/(?:edit/)?$")


def _jpeg(path, size, color):
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for i in range(0, size[0], 40):  # some structure, so the file is a real photo-like JPEG
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(255 - color[0], 200, i % 255), width=6)
    img.save(path, "JPEG", quality=88)
    return path


def _post(page, selector):
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(selector)


def _case_pk(page) -> int:
    match = CASE_URL.search(page.url)
    assert match, f"not a case page: {page.url}"
    return int(match.group(1))


def _images_loaded(page, selector) -> list[bool]:
    return page.eval_on_selector_all(
        selector, "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )


def test_case_submitted_returned_revised_and_accepted(
    browsing, screenshot, live_server, call, user_a, organizer, tmp_path, mailoutbox
):
    base = live_server.url
    photo1 = _jpeg(tmp_path / "口袋公园-1.jpg", (1200, 800), (40, 120, 60))
    photo2 = _jpeg(tmp_path / "口袋公园-2.jpg", (800, 1200), (160, 60, 40))
    title = "“口袋公园”点亮老城区"
    body = "老城区见缝插绿，建成口袋公园十二处。\n居民在家门口就能休憩、健身。"
    reason = "请补充建成时间和居民受益人数。"
    revised_body = body + "\n2025年建成，惠及居民三万余人。"

    # ---- the unit user logs in and opens the call
    unit = browsing.new_page()
    unit.goto(f"{base}/accounts/login/")
    screenshot(unit, "01-login")
    login(unit, base, user_a.username)
    unit.click("nav a[href='/collect/calls/']")
    unit.click(f"main a[href='{call.get_absolute_url()}']")
    unit.wait_for_url(f"**{call.get_absolute_url()}")
    unit.click(f"main a[href='/collect/calls/{call.slug}/cases/new/']")
    unit.wait_for_url(f"**/collect/calls/{call.slug}/cases/new/")

    # ---- creates the case with two photos and saves a draft
    unit.fill("#id_title", title)
    unit.fill("#id_contact_name", "张某某")
    unit.fill("#id_contact_phone", "13812345678")
    unit.fill("#id_summary", "见缝插绿建设口袋公园。")
    unit.fill("#id_body", body)
    unit.set_input_files("#id_photos-0-image", str(photo1))
    unit.fill("#id_photos-0-caption", "居民在新建成的口袋公园休憩。")
    unit.fill("#id_photos-0-position", "1")
    unit.set_input_files("#id_photos-1-image", str(photo2))
    unit.fill("#id_photos-1-caption", "志愿者维护公园绿地。")
    unit.fill("#id_photos-1-position", "2")
    screenshot(unit, "02-unit-case-form")
    assert_accessible(unit)
    _post(unit, "#case-form button[name=save]")
    unit.wait_for_url(re.compile(r"/collect/cases/\d+/edit/$"))
    pk = _case_pk(unit)

    case = Case.objects.get(pk=pk)
    assert (case.status, case.title, case.unit_id, case.call_id) == (
        Case.Status.DRAFT,
        title,
        user_a.memberships.get().unit_id,
        call.pk,
    )
    photos = list(case.photos.order_by("position"))
    assert [(p.caption, p.position) for p in photos] == [
        ("居民在新建成的口袋公园休憩。", 1),
        ("志愿者维护公园绿地。", 2),
    ]
    assert [p.original_name for p in photos] == ["口袋公园-1.jpg", "口袋公园-2.jpg"]
    assert [(p.width, p.height) for p in photos] == [(1200, 800), (800, 1200)]
    # The draft page lists both photos, with thumbnails the portal serves.
    thumbs = "#photos-rows .photo-row img.photo-thumb"
    assert unit.locator(thumbs).count() == 2
    assert _images_loaded(unit, thumbs) == [True, True]
    assert unit.input_value("#id_photos-0-caption") == "居民在新建成的口袋公园休憩。"
    assert unit.input_value("#id_photos-1-caption") == "志愿者维护公园绿地。"

    # ---- submits from the edit page
    _post(unit, "#case-form button[name=submit]")
    unit.wait_for_url(f"**/collect/cases/{pk}/")
    assert unit.locator('[data-status="submitted"]').count() == 1
    assert unit.locator("figure img.photo-thumb").count() == 2
    screenshot(unit, "03-case-detail")
    assert Case.objects.get(pk=pk).status == Case.Status.SUBMITTED

    # ---- the organizer finds it in the call's list and returns it with a reason
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.click(f"main a[href='{call.get_absolute_url()}']")
    org.wait_for_url(f"**{call.get_absolute_url()}")
    link = f"a[href='/collect/cases/{pk}/']"
    row = org.locator("table.table-cases tbody tr", has=org.locator(link))
    assert row.count() == 1
    assert row.locator('[data-status="submitted"]').count() == 1
    screenshot(org, "04-organizer-call")
    row.locator(link).click()
    org.wait_for_url(f"**/collect/cases/{pk}/")
    assert _images_loaded(org, "figure img.photo-thumb") == [True, True]
    screenshot(org, "05-organizer-case-detail")
    org.select_option("#screening-form select[name=action]", "return")
    org.fill("#screening-form textarea[name=reason]", reason)
    _post(org, "#screening-form button[type=submit]")
    assert org.locator('[data-status="returned"]').count() == 1
    case = Case.objects.get(pk=pk)
    assert (case.status, case.status_reason) == (Case.Status.RETURNED, reason)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user_a.email]

    # ---- the unit sees the reason, revises the body and resubmits
    unit.goto(f"{base}/collect/cases/{pk}/")
    assert unit.locator('[data-status="returned"]').count() == 1
    assert reason in unit.locator("#status-reason").inner_text()
    unit.click(f"main a[href='/collect/cases/{pk}/edit/']")
    unit.wait_for_url(f"**/collect/cases/{pk}/edit/")
    assert reason in unit.locator("#returned-reason").inner_text()
    assert unit.locator(thumbs).count() == 2
    unit.fill("#id_body", revised_body)
    _post(unit, "#case-form button[name=submit]")
    unit.wait_for_url(f"**/collect/cases/{pk}/")
    assert unit.locator('[data-status="resubmitted"]').count() == 1
    case = Case.objects.get(pk=pk)
    assert case.status == Case.Status.RESUBMITTED
    assert case.body.replace("\r\n", "\n") == revised_body
    assert case.photos.count() == 2

    # ---- the organizer accepts
    org.reload()
    assert org.locator('[data-status="resubmitted"]').count() == 1
    org.select_option("#screening-form select[name=action]", "accept")
    _post(org, "#screening-form button[type=submit]")
    assert org.locator('[data-status="accepted"]').count() == 1
    unit.reload()
    assert unit.locator('[data-status="accepted"]').count() == 1
    assert unit.locator("#status-reason").count() == 0  # the old reason no longer shows

    case = Case.objects.get(pk=pk)
    assert case.status == Case.Status.ACCEPTED
    assert list(case.events.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "returned",
        "resubmitted",
        "accepted",
    ]
    assert len(mailoutbox) == 2
    browsing.assert_healthy()
    browsing.assert_only_local_requests()


def test_non_image_upload_names_the_file_and_keeps_the_typed_text(
    browsing, live_server, call, user_a, tmp_path, screenshot
):
    base = live_server.url
    fake = tmp_path / "活动现场.jpg"
    fake.write_bytes(b"%PDF-1.4 this is not a photo\n" * 50)
    title = "一张清单管到底"

    page = browsing.new_page()
    login(page, base, user_a.username)
    page.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    page.fill("#id_title", title)
    page.fill("#id_summary", "上门走访商户。")
    page.set_input_files("#id_photos-0-image", str(fake))
    page.fill("#id_photos-0-caption", "工作人员上门走访商户。")
    with page.expect_navigation() as nav:
        page.click("#case-form button[name=save]")
    assert nav.value.status == 400

    errors = page.locator("#upload-errors")
    assert errors.count() == 1
    assert "活动现场.jpg" in errors.inner_text()
    assert page.input_value("#id_title") == title
    assert page.input_value("#id_summary") == "上门走访商户。"
    screenshot(page, "06-upload-error")
    assert not Case.objects.exists()
    assert not Photo.objects.exists()
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
