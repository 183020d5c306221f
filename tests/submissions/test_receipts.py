"""Receipts (回执): written at every submission, frozen, downloadable as a PDF whose QR code
leads to a public verification page with the same text; and the SHA-256 of every stored file."""

import hashlib
import io

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from submissions import receipts, services
from submissions.models import Attachment, Case, Photo, Receipt

from .. import access
from ..factories import JudgeFactory, jpeg_upload, unit_user
from .casekit import attachment_add, case_with_photos, pdf_bytes


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored(field) -> bytes:
    with field.storage.open(field.name, "rb") as fh:
        return fh.read()


@pytest.fixture
def submitted(call, unit_a, user_a):
    """Unit A's case with two photos and an attachment, submitted once."""
    case = case_with_photos(
        call=call, unit=unit_a, created_by=user_a, photos=2, title="口袋公园建设"
    )
    attachment_add(case, user=user_a, name="方案.pdf")
    services.case_submit(case=case, actor=user_a)
    return Case.objects.get(pk=case.pk)


def _pdf_pages(data: bytes) -> tuple[str, list]:
    """The text of a PDF and the barcodes read from its first page."""
    pdf = pypdfium2.PdfDocument(data)
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    image = pdf[0].render(scale=3).to_pil()
    return text, zxingcpp.read_barcodes(image)


# ---------------------------------------------------------------- fingerprints


def test_a_staged_photo_has_the_sha256_of_its_stored_file(call, user_a):
    photo = services.photo_stage(upload=jpeg_upload("门口.jpg"), actor=user_a, call=call)

    photo.refresh_from_db()
    assert photo.sha256 == _sha(_stored(photo.image))
    assert len(photo.sha256) == 64


def test_a_processed_photo_keeps_the_sha256_of_its_stored_original(call, user_a):
    # a PNG is re-encoded when stored; the processing task ran on commit (eager tasks)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(buffer, "PNG")
    upload = SimpleUploadedFile("图.png", buffer.getvalue(), content_type="image/png")
    photo = services.photo_stage(upload=upload, actor=user_a, call=call)
    services.photo_process(photo=photo, actor=None)

    photo = Photo.objects.get(pk=photo.pk)
    assert photo.processing == Photo.Processing.DONE
    assert photo.sha256 == _sha(_stored(photo.image))


def test_a_staged_attachment_has_the_sha256_of_its_stored_file(user_a):
    data = pdf_bytes()
    att = services.attachment_stage(
        upload=SimpleUploadedFile("方案.pdf", data, content_type="application/pdf"), actor=user_a
    )

    att.refresh_from_db()
    assert att.sha256 == _sha(data)
    assert att.sha256 == _sha(_stored(att.file))


def test_files_stored_before_fingerprints_get_theirs_at_the_next_submission(submitted):
    # casekit writes rows without a fingerprint, as the rows stored before this feature
    for photo in Photo.objects.filter(case=submitted):
        assert photo.sha256 == _sha(_stored(photo.image))
    att = Attachment.objects.get(case=submitted)
    assert att.sha256 == _sha(_stored(att.file))


# ---------------------------------------------------------------- the receipt row


def test_submitting_writes_a_receipt_with_what_was_submitted(submitted, unit_a):
    [receipt] = Receipt.objects.filter(case=submitted)

    photos = list(Photo.objects.filter(case=submitted).order_by("position"))
    att = Attachment.objects.get(case=submitted)
    assert receipt.version == 1
    assert receipt.number == f"{submitted.code}-1"
    assert receipt.case_code == submitted.code
    assert receipt.title == "口袋公园建设"
    assert receipt.unit_name == "甲街道"
    assert receipt.call_title == submitted.call.title
    assert receipt.submitted_at == submitted.submitted_at
    assert receipt.files == [
        {"kind": "photo", "name": "photo.jpg", "size": photos[0].size, "sha256": photos[0].sha256},
        {"kind": "photo", "name": "photo.jpg", "size": photos[1].size, "sha256": photos[1].sha256},
        {"kind": "attachment", "name": "方案.pdf", "size": att.size, "sha256": att.sha256},
    ]


def test_the_token_is_long_random_and_not_the_case_id(submitted):
    receipt = Receipt.objects.get(case=submitted)

    assert len(receipt.token) == 32
    assert str(submitted.pk) != receipt.token
    assert receipts.verify_url(receipt) == (
        settings.PORTAL_BASE_URL + f"/verify/receipt/{receipt.token}/"
    )


def test_a_receipt_is_frozen_when_the_case_is_returned_edited_and_resubmitted(
    submitted, organizer, user_a
):
    first = Receipt.objects.get(case=submitted)
    frozen = (first.title, first.files, first.submitted_at, first.number)

    services.cases_screen(cases=[submitted], actor=organizer, action="return", reason="请补充。")
    case = Case.objects.get(pk=submitted.pk)
    case.title = "口袋公园建设（修订）"
    case.save()
    Photo.objects.filter(case=case).order_by("position").first().delete()
    services.case_submit(case=case, actor=user_a)

    first.refresh_from_db()
    assert (first.title, first.files, first.submitted_at, first.number) == frozen
    second = Receipt.objects.get(case=submitted, version=2)
    assert second.number == f"{submitted.code}-2"
    assert second.title == "口袋公园建设（修订）"
    assert [f["kind"] for f in second.files] == ["photo", "attachment"]
    assert second.token != first.token


# ---------------------------------------------------------------- the PDF and the page


def test_the_pdf_holds_the_text_and_a_qr_code_of_the_verification_page(client, submitted, user_a):
    receipt = Receipt.objects.get(case=submitted)
    client.force_login(user_a)

    response = client.get(reverse("submissions:receipt_pdf", args=[submitted.pk, 1]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{receipt.number}.pdf"'
    )
    text, codes = _pdf_pages(response.content)
    assert [c.text for c in codes] == [receipts.verify_url(receipt)]
    assert receipt.case_code in text
    assert "口袋公园建设" in text
    assert "甲街道" in text
    for f in receipt.files:
        assert f["sha256"] in text.replace("\r", "").replace("\n", "")


def test_the_verification_page_shows_the_same_text_to_anyone(client, submitted):
    receipt = Receipt.objects.get(case=submitted)

    response = client.get(reverse("receipts:verify", args=[receipt.token]))

    assert response.status_code == 200
    page = response.content.decode()
    assert receipt.number in page
    assert receipt.case_code in page
    assert "口袋公园建设" in page
    assert "甲街道" in page
    assert [f["sha256"] in page for f in receipt.files] == [True, True, True]


def test_the_verification_page_answers_the_token_only(client, submitted):
    for token in (str(submitted.pk), submitted.code, f"{submitted.code}-1", "x" * 32, "a" * 65):
        assert client.get(reverse("receipts:verify", args=[token])).status_code == 404


@pytest.fixture
def people(submitted, unit_a, user_a, user_b, organizer):
    return {
        "owner": user_a,
        "member": unit_user(unit_a, username="alice-colleague"),
        "outsider": user_b,
        "judge": JudgeFactory(user__username="j1", name="专家").user,
        "anonymous": None,
        "organizer": organizer,
    }


@pytest.mark.parametrize(
    ("role", "pdf", "page"),
    [
        ("owner", 200, 200),
        ("member", 200, 200),
        ("outsider", 404, 200),
        ("judge", 404, 200),
        ("anonymous", access.LOGIN, 200),
        ("organizer", 200, 200),
    ],
)
def test_who_gets_the_pdf_and_the_page(client, submitted, people, role, pdf, page):
    receipt = Receipt.objects.get(case=submitted)
    user = people[role]

    access.expect(client, user, reverse("submissions:receipt_pdf", args=[submitted.pk, 1]), pdf)
    access.expect(client, user, reverse("receipts:verify", args=[receipt.token]), page)
    # a version never submitted has no receipt
    missing = 404 if pdf == 200 else pdf
    access.expect(client, user, reverse("submissions:receipt_pdf", args=[submitted.pk, 2]), missing)


def test_the_case_page_offers_the_latest_receipt_and_lists_the_earlier_ones(
    client, submitted, organizer, user_a
):
    services.cases_screen(cases=[submitted], actor=organizer, action="return", reason="请补充。")
    services.case_submit(case=Case.objects.get(pk=submitted.pk), actor=user_a)
    client.force_login(user_a)

    page = client.get(reverse("submissions:case_detail", args=[submitted.pk])).content.decode()

    latest = reverse("submissions:receipt_pdf", args=[submitted.pk, 2])
    earlier = reverse("submissions:receipt_pdf", args=[submitted.pk, 1])
    assert f'href="{latest}" id="receipt-latest"' in page
    assert f'<a href="{earlier}">{submitted.code}-1</a>' in page


def test_a_draft_has_no_receipt_panel(client, call, unit_a, user_a):
    case = case_with_photos(call=call, unit=unit_a, created_by=user_a)
    client.force_login(user_a)

    page = client.get(reverse("submissions:case_detail", args=[case.pk])).content.decode()

    assert 'id="case-receipts"' not in page
    assert Receipt.objects.count() == 0


def test_photo_uploads_stay_strict_after_a_receipt_was_rendered(submitted, call, user_a):
    # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; core.pdf turns it off
    receipts.receipt_pdf(Receipt.objects.get(case=submitted))

    photo = services.photo_stage(upload=jpeg_upload("之后.jpg"), actor=user_a, call=call)

    assert photo.sha256 == _sha(_stored(photo.image))
