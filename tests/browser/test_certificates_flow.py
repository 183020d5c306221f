"""Award certificates through a real browser, in Chinese: the organizer designs the
certificate (an unknown merge field is refused first), uploads a seal, previews it, generates
every certificate (the job page's progress bar) and revokes one with a reason; a unit's member
downloads its certificate, whose QR code opens the verification page saying what the
certificate says; the revoked one's page says it was revoked. Screenshots at 390 and 1280 px.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import pypdfium2
import pytest
import zxingcpp

from certificates.models import Certificate

from ..certificates.kit import final_call, png_upload
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _both(page, screenshot, name):
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESK)
    screenshot(page, f"{name}-1280")


def _qr(pdf: bytes) -> list[str]:
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_organizer_designs_generates_and_revokes_then_a_unit_downloads_and_verifies(
    browsing, screenshot, live_server, organizer, settings, tmp_path
):
    settings.PORTAL_BASE_URL = live_server.url
    base = live_server.url
    call = final_call(top=2, excellent=1)
    seal = png_upload("公章.png")
    seal_path = tmp_path / "公章.png"
    seal_path.write_bytes(seal.read())

    # ---- the organizer reaches the design from the call's page
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.goto(f"{base}/collect/calls/{call.slug}/")
    _submit(org, "#certificates-link")
    assert org.locator("#generate-refusal").count() == 1  # design first
    org.goto(f"{base}/certificates/calls/{call.slug}/design/")
    org.fill("#id_body", "{unit}：\n你单位选送的《{case}》荣获{奖项}。")
    _submit(org, "#save-design")
    assert "{奖项}" in org.inner_text("#design-form")
    org.fill(
        "#id_body", "{unit}：\n你单位选送的案例《{case}》在“{call}”中荣获{award}。\n特发此证。"
    )
    org.fill("#id_issuer", "某区精神文明建设办公室")
    org.fill("#id_issued_on", "2025-12-30")
    org.set_input_files("#id_seal_upload", str(seal_path))
    _submit(org, "#save-design")
    assert org.locator("#seal-state").count() == 1
    _both(org, screenshot, "certificates-01-design")
    assert_accessible(org)

    preview = org.request.get(base + org.get_attribute("#preview-link", "href"))
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")

    # ---- generate all: the job page and its progress bar
    org.goto(f"{base}/certificates/calls/{call.slug}/")
    _submit(org, "#generate")
    bar = org.locator("[data-role='bar']")
    bar.wait_for()
    org.wait_for_selector("[data-role='done']:not(.d-none)")
    assert bar.inner_text() == "100%"
    _both(org, screenshot, "certificates-02-job")
    _submit(org, "#to-list")
    assert org.locator("#certificates tbody tr").count() == 3

    # ---- revoke the third with a reason
    third = Certificate.objects.order_by("number")[2]
    row = org.locator(f"tr[data-number='{third.full_number}']")
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("单位名称有误，更正后重新颁发")
    _submit(org, f"tr[data-number='{third.full_number}'] button.btn-danger")
    assert "单位名称有误，更正后重新颁发" in org.inner_text(
        f"tr[data-number='{third.full_number}']"
    )
    assert org.locator("#revoked-count").count() == 1
    _both(org, screenshot, "certificates-03-list")
    assert_accessible(org)

    # ---- the unit's member downloads its certificate
    first = Certificate.objects.order_by("number")[0]
    member = first.case.unit.members.get()
    unit = browsing.new_page()
    login(unit, base, member.username)
    unit.goto(f"{base}/certificates/mine/")
    assert unit.locator("#my-certificates li").count() == 1
    _both(unit, screenshot, "certificates-04-mine")
    assert_accessible(unit)
    with unit.expect_download() as info:
        unit.click("#my-certificates a.btn-primary")
    pdf = tmp_path / "cert.pdf"
    info.value.save_as(str(pdf))
    [url] = _qr(pdf.read_bytes())
    assert url == f"{base}/verify/{first.full_number}/"

    # ---- anyone opens the verification page from the QR code
    reader = browsing.new_page()
    reader.goto(url)
    assert reader.locator("#verdict[data-valid='1']").count() == 1
    text = reader.inner_text("#cert-text")
    shown = [line for line in text.split("\n") if line.strip()]
    assert shown == [line for line in first.text.splitlines() if line.strip()]
    _both(reader, screenshot, "certificates-05-verify")
    assert_accessible(reader)
    reader.goto(f"{base}/verify/{third.full_number}/")
    assert reader.locator("#verdict[data-valid='0']").count() == 1
    assert reader.inner_text("#revoke-reason") == "单位名称有误，更正后重新颁发"
    _both(reader, screenshot, "certificates-06-revoked")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
