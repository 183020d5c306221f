"""Photos upload while the unit types (static/js/uploads.js, docs/uploads.md), on a phone in
Chinese: choose three photos → each uploads in chunks with its progress → the network fails
mid-upload and the script tries again by itself → reorder by dragging (and by the arrows) →
save: the form posts only its text and the staged ids → the reloaded form shows the new order.
Also: a staged photo is still there after the browser was closed, and without JavaScript the
form sends the files itself as before."""

import re

import pytest
from PIL import Image, ImageDraw

from submissions.models import Case, ChunkedUpload, Photo

from ..submissions.casekit import pdf_bytes
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
IDS = "#photos-rows input[name$='-photo']"


def _jpeg(path, color, size=(900, 600)):
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for i in range(0, size[0], 9):  # structure, so the file is large enough for several chunks
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(255 - color[0], (i * 7) % 255, i % 255))
    img.save(path, "JPEG", quality=92)
    return path


def _ids(page) -> list[str]:
    return page.eval_on_selector_all(IDS, "els => els.map(e => e.value)")


def _names(page) -> list[str]:
    """The file names of the photo rows, in the order on screen (rows waiting for a file left
    out)."""
    return page.eval_on_selector_all(
        "#photos-rows .photo-row .text-truncate", "names => names.map(n => n.textContent.trim())"
    )


def _drag_to_top(page, handle, expected: list[str]) -> None:
    """Press `handle` with the mouse and hold it at the top edge of the screen until the rows
    are in the `expected` order (the page scrolls up meanwhile): pointer events, as a finger on
    a phone sends them."""
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y - (y - 10) * step / 10)
    page.wait_for_function(
        "names => JSON.stringify([...document.querySelectorAll('#photos-rows .text-truncate')]"
        ".map(n => n.textContent.trim())) === JSON.stringify(names)",
        arg=expected,
    )
    page.mouse.up()


def test_photos_upload_as_chosen_survive_a_failure_and_are_reordered_on_a_phone(
    browsing, screenshot, live_server, call, user_a, tmp_path, settings
):
    settings.UPLOAD_CHUNK_MAX_BYTES = 32 * 1024  # several chunks per photo, as on a weak network
    base = live_server.url
    files = [
        _jpeg(tmp_path / "社区议事会.jpg", (40, 120, 60)),
        _jpeg(tmp_path / "志愿者服务.jpg", (160, 60, 40)),
        _jpeg(tmp_path / "口袋公园.jpg", (30, 60, 160)),
    ]
    page = browsing.new_page()
    page.set_viewport_size(PHONE)
    login(page, base, user_a.username)
    page.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    assert page.locator("#photo-uploader").is_visible()
    camera = page.locator("#photo-uploader input[data-role='camera']")
    assert (camera.get_attribute("capture"), camera.get_attribute("accept")) == (
        "environment",
        "image/*",
    )
    page.fill("#id_title", "“红色议事厅”激活社区治理")
    page.fill("#id_contact_name", "李某某")
    page.fill("#id_contact_phone", "13812345678")
    page.fill("#id_summary", "社区议事会每月召开，居民事居民议。")
    page.fill("#id_body", "社区建立议事会制度。\n居民积极参与。")

    # The network fails at the second chunk of the first photo: the script waits and goes on.
    aborted: list[str] = []

    def flaky(route):
        request = route.request
        if (
            request.method == "PATCH"
            and not aborted
            and request.headers.get("upload-offset") == str(32 * 1024)
        ):
            aborted.append(request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r".*/collect/uploads/.*"), flaky)
    page.set_input_files("#photo-uploader input[data-role='pick']", [str(f) for f in files])
    page.wait_for_selector("#photos-rows .progress")
    page.wait_for_selector(".upload-status[data-state='waiting']")  # “网络中断，正在重试……”
    screenshot(page, "uploads-01-progress-and-retry-phone")
    page.wait_for_function(
        f'() => [...document.querySelectorAll("{IDS}")].filter(e => e.value).length === 3',
        timeout=30_000,
    )
    assert len(aborted) == 1
    assert _names(page) == ["社区议事会.jpg", "志愿者服务.jpg", "口袋公园.jpg"]
    staged = {p.original_name: p for p in Photo.objects.filter(case__isnull=True)}
    assert sorted(staged) == sorted(f.name for f in files)
    assert staged["志愿者服务.jpg"].size > 64 * 1024
    assert ChunkedUpload.objects.filter(photo__isnull=False).count() == 3
    assert page.locator("#photos-rows .photo-row .upload-error:not(:empty)").count() == 0
    assert page.locator(".upload-status[data-state='done']").count() == 3

    # Drag the third photo to the top, then move the (now) last one up by its arrow.
    rows = page.locator("#photos-rows .photo-row")
    expected = ["口袋公园.jpg", "社区议事会.jpg", "志愿者服务.jpg"]
    _drag_to_top(page, rows.nth(2).locator(".photo-handle"), expected)
    assert _names(page) == expected
    rows.nth(2).locator("[data-move='-1']").click()
    assert _names(page) == ["口袋公园.jpg", "志愿者服务.jpg", "社区议事会.jpg"]
    positions = page.eval_on_selector_all(
        "#photos-rows input[name$='-position']", "els => els.map(e => e.value)"
    )
    assert positions == ["1", "2", "3"]
    page.locator("#photos-rows input[name$='-caption']").nth(0).fill("新建成的口袋公园。")
    screenshot(page, "uploads-02-reordered-phone")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # An attachment goes the same way.
    plan = tmp_path / "实施方案.pdf"
    plan.write_bytes(pdf_bytes())
    page.set_input_files("#attachment-uploads input[type='file']", str(plan))
    page.wait_for_selector("#attachment-uploads input[name='staged_attachment']", state="attached")

    # Saving sends the text and the ids only: the body is smaller than one photo.
    with page.expect_request(lambda r: r.method == "POST" and "/cases/new/" in r.url) as sent:
        with page.expect_navigation():
            page.click("#case-form button[name=save]")
    assert len(sent.value.post_data_buffer or b"") < min(p.size for p in staged.values())
    page.wait_for_url(re.compile(r"/collect/cases/\d+/edit/$"))
    case = Case.objects.get()
    assert list(case.photos.values_list("original_name", "position", "caption")) == [
        ("口袋公园.jpg", 1, "新建成的口袋公园。"),
        ("志愿者服务.jpg", 2, ""),
        ("社区议事会.jpg", 3, ""),
    ]

    assert list(case.attachments.values_list("original_name", flat=True)) == ["实施方案.pdf"]

    page.reload()
    assert _names(page) == ["口袋公园.jpg", "志愿者服务.jpg", "社区议事会.jpg"]
    screenshot(page, "uploads-03-saved-reloaded-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "uploads-04-saved-reloaded-desktop")
    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_a_refused_photo_is_named_at_once_and_a_staged_one_outlives_the_browser(
    browsing, screenshot, live_server, call, user_a, tmp_path
):
    base = live_server.url
    fake = tmp_path / "不是照片.jpg"
    fake.write_bytes(b"%PDF-1.4 this is not a photo\n" * 50)
    good = _jpeg(tmp_path / "入户走访.jpg", (200, 160, 40), size=(600, 400))
    page = browsing.new_page()
    page.set_viewport_size(DESKTOP)
    login(page, base, user_a.username)
    page.goto(f"{base}/collect/calls/{call.slug}/cases/new/")

    page.set_input_files("#photo-uploader input[data-role='pick']", [str(fake), str(good)])

    error = page.locator("#photos-rows .upload-error:not(:empty)")
    error.wait_for()
    assert error.inner_text().startswith("“不是照片.jpg”") or "不是照片.jpg" in error.inner_text()
    page.wait_for_function(
        f'() => [...document.querySelectorAll("{IDS}")].filter(e => e.value).length === 1'
    )
    screenshot(page, "uploads-05-refused-at-once-desktop")
    staged_id = [v for v in _ids(page) if v][0]

    # The browser closes before the form is saved; the next visit shows the photo again.
    page.context.close()
    again = browsing.new_page()
    login(again, base, user_a.username)
    again.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    assert _ids(again)[0] == staged_id
    assert _names(again) == ["入户走访.jpg"]
    assert not Case.objects.exists()
    browsing.assert_healthy()


def test_without_javascript_the_form_sends_its_photos_itself(
    browser, live_server, call, user_a, tmp_path
):
    photo = _jpeg(tmp_path / "无脚本.jpg", (90, 90, 90), size=(300, 200))
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        login(page, live_server.url, user_a.username)
        page.goto(f"{live_server.url}/collect/calls/{call.slug}/cases/new/")
        assert not page.locator("#photo-uploader").is_visible()
        page.fill("#id_title", "无脚本也能保存")
        page.set_input_files("#id_photos-0-image", str(photo))
        page.fill("#id_photos-0-caption", "照片说明")
        with page.expect_navigation():
            page.click("#case-form button[name=save]")
        case = Case.objects.get()
        assert list(case.photos.values_list("original_name", "caption")) == [
            ("无脚本.jpg", "照片说明")
        ]
        assert not ChunkedUpload.objects.exists()
    finally:
        context.close()


def test_an_upload_cut_off_goes_on_where_it_stopped_when_the_file_is_chosen_again(
    browsing, live_server, call, user_a, tmp_path, settings
):
    """The browser is closed in the middle of a photo; chosen again later, the photo goes on
    from the bytes the portal already has (the upload's address was kept in the browser)."""
    settings.UPLOAD_CHUNK_MAX_BYTES = 32 * 1024
    base = live_server.url
    photo = _jpeg(tmp_path / "夜间巡逻.jpg", (20, 20, 120))
    page = browsing.new_page()
    login(page, base, user_a.username)
    page.goto(f"{base}/collect/calls/{call.slug}/cases/new/")

    def cut_off(route):  # the network goes away after the first chunk
        if route.request.method == "PATCH" and route.request.headers["upload-offset"] != "0":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r".*/collect/uploads/.*"), cut_off)
    page.set_input_files("#photo-uploader input[data-role='pick']", str(photo))
    page.wait_for_selector(".upload-status[data-state='waiting']")
    assert ChunkedUpload.objects.get().offset == 32 * 1024
    context = page.context
    page.close()

    again = context.new_page()
    offsets: list[str] = []
    again.on(
        "request",
        lambda r: offsets.append(r.headers["upload-offset"]) if r.method == "PATCH" else None,
    )
    again.goto(f"{base}/collect/calls/{call.slug}/cases/new/")
    again.set_input_files("#photo-uploader input[data-role='pick']", str(photo))
    again.wait_for_selector(".upload-status[data-state='done']")

    upload = ChunkedUpload.objects.get()
    assert offsets[0] == str(32 * 1024)
    assert upload.offset == upload.size == photo.stat().st_size
    assert Photo.objects.get().original_name == "夜间巡逻.jpg"
    browsing.assert_healthy()
