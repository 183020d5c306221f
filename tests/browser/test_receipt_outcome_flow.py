"""A unit's receipt (回执) and outcome through a real browser, in Chinese: the unit submits its
case, downloads the receipt, whose QR code decodes to the verification page, which shows the
same case code, title and SHA-256 values; once the notice is published, the unit's case list
shows the award.

Selectors use ids and data- attributes (translations may not be compiled yet).
"""

import hashlib
import re

import pypdfium2
import pytest
import zxingcpp

from judging.models import Award
from submissions import lifecycle
from submissions.models import Attachment, Call, Case, Photo, Receipt

from ..factories import AwardFactory, NoticeFactory
from ..submissions.casekit import attachment_add, case_with_photos
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser


def _stored_sha(field) -> str:
    with field.storage.open(field.name, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _narrow(page, screenshot, name: str) -> None:
    """A screenshot at a phone's width, then back to the desktop's."""
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"{name}-1280")


def test_unit_submits_downloads_its_receipt_verifies_it_and_later_sees_its_award(
    browsing, screenshot, screenshot_dir, live_server, settings, call, user_a, organizer
):
    base = live_server.url
    settings.PORTAL_BASE_URL = base  # the QR code leads to this server
    case = case_with_photos(
        call=call,
        unit=user_a.memberships.get().unit,
        created_by=user_a,
        photos=2,
        title="“口袋公园”点亮老城区",
    )
    attachment_add(case, user=user_a, name="建设方案.pdf")

    # ---- the unit opens its draft and submits it
    unit = browsing.new_page()
    login(unit, base, user_a.username)
    unit.goto(f"{base}{case.get_absolute_url()}")
    assert unit.locator("#case-receipts").count() == 0
    with unit.expect_navigation():
        unit.click(f"form[action='/collect/cases/{case.pk}/submit/'] button[type=submit]")
    assert unit.locator('[data-status="submitted"]').count() == 1
    receipt = Receipt.objects.get(case=case)
    assert unit.locator("#case-receipts").inner_text().count(receipt.number) == 1
    _narrow(unit, screenshot, "receipt-01-case-submitted")
    assert_accessible(unit)

    # ---- downloads the receipt
    with unit.expect_download() as info:
        unit.click("#receipt-latest")
    download = info.value
    assert download.suggested_filename == f"receipt-{receipt.number}.pdf"
    pdf = pypdfium2.PdfDocument(download.path())
    assert len(pdf) == 1
    pdf_text = pdf[0].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    image = pdf[0].render(scale=2).to_pil()
    image.save(screenshot_dir / "receipt-02-pdf.png")
    [code] = zxingcpp.read_barcodes(image)
    verify_url = f"{base}/verify/receipt/{receipt.token}/"
    assert code.text == verify_url
    assert case.code in pdf_text
    assert "“口袋公园”点亮老城区" in pdf_text
    pdf.close()

    # ---- anyone holding the receipt opens its QR code's address: the same text
    reader = browsing.new_page()
    reader.goto(code.text)
    assert reader.locator("[data-field=code]").inner_text() == case.code
    assert reader.locator("[data-field=title]").inner_text() == "“口袋公园”点亮老城区"
    assert reader.locator("[data-field=number]").inner_text() == receipt.number
    page_hashes = reader.locator(".receipt-hash code").all_inner_texts()
    stored = [_stored_sha(p.image) for p in Photo.objects.filter(case=case).order_by("position")]
    stored.append(_stored_sha(Attachment.objects.get(case=case).file))
    assert page_hashes == stored
    assert [h in pdf_text for h in page_hashes] == [True, True, True]
    assert reader.locator("form[action='/accounts/logout/']").count() == 0  # nobody logged in
    _narrow(reader, screenshot, "receipt-03-verify")
    assert_accessible(reader)

    # ---- later: accepted, awarded, and the notice is published; the unit sees its award
    Case.objects.filter(pk=case.pk).update(status=Case.Status.ACCEPTED)
    AwardFactory(call=call, case=case, level=Award.Level.TOP, rank=1)
    lifecycle.call_place_for_setup(call=call, status=Call.Status.NOTICE)
    NoticeFactory(call=call, publish_ranks=True)
    unit.goto(f"{base}/collect/cases/")
    row = unit.locator("table.table-cases tbody tr", has_text="“口袋公园”点亮老城区")
    assert row.locator("td.d-md-table-cell [data-outcome] .badge").first.inner_text() == "十佳案例"
    assert unit.locator("table.table-cases thead th.d-md-table-cell").count() == 1  # 结果
    _narrow(unit, screenshot, "receipt-04-my-cases-award")
    unit.set_viewport_size({"width": 390, "height": 844})  # on a phone: under the title
    assert row.locator("td.title-cell [data-outcome] .badge").first.is_visible()
    unit.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(unit)
    unit.click(f"a[href='{case.get_absolute_url()}']")
    unit.wait_for_url(re.compile(rf"/collect/cases/{case.pk}/$"))
    assert unit.locator("#case-outcome [data-award]").inner_text() == "十佳案例"
    assert unit.locator("#case-outcome [data-rank]").inner_text() == "1"
    _narrow(unit, screenshot, "receipt-05-case-award")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
