"""Receipts (回执) of submissions and the fingerprints (SHA-256) of stored files.

`receipt_write` is called by `services.case_submit` for every submission and resubmission: it
freezes the case code, title, unit, category, the time and the list of photos and attachments
(kind, name, size, SHA-256) in a `Receipt` row. The PDF (`receipt_pdf`) is made on request from
that row alone, with a QR code of the public verification page (`verify_url`), which shows the
same text; so a receipt printed years ago still matches its page, whatever the case became.
"""

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from core.pdf import render_pdf
from core.qr import qr_data_uri

from .models import Attachment, Case, Photo, Receipt

PHOTO, ATTACHMENT = "photo", "attachment"


def stream_sha256(upload: File) -> str:
    """The SHA-256 (hex) of an uploaded or stored file, read in chunks from its start."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def stored_sha256(field: FieldFile) -> str:
    """The SHA-256 (hex) of the file a FileField points to, as stored."""
    with field.storage.open(field.name or "", "rb") as fh:
        return stream_sha256(File(fh))


def _fingerprint(obj: Photo | Attachment, field: FieldFile) -> str:
    """The row's SHA-256, computed from the stored file (and kept) when the row was stored
    before fingerprints were kept."""
    if not obj.sha256:
        obj.sha256 = stored_sha256(field)
        type(obj).objects.filter(pk=obj.pk).update(sha256=obj.sha256)
    return obj.sha256


def receipt_files(case: Case) -> list[dict[str, Any]]:
    """The photos (in their order) and then the attachments of `case`, as a receipt lists
    them."""
    files: list[dict[str, Any]] = []
    for p in Photo.objects.filter(case=case).order_by("position", "id"):
        files.append(
            {
                "kind": PHOTO,
                "name": p.original_name or f"{p.uid.hex}{p.extension}",
                "size": p.size,
                "sha256": _fingerprint(p, p.image),
            }
        )
    for a in Attachment.objects.filter(case=case).order_by("id"):
        files.append(
            {
                "kind": ATTACHMENT,
                "name": a.original_name,
                "size": a.size,
                "sha256": _fingerprint(a, a.file),
            }
        )
    return files


def receipt_number(case: Case, version: int) -> str:
    """回执号: the case code and the submission's number, e.g. "3-0007-2"."""
    return f"{Case.code_for(case.call_id, case.number)}-{version}"


def receipt_write(*, case: Case, version: int, submitted_at: datetime) -> Receipt:
    """The receipt of the `version`-th submission of `case` (a step of `case_submit`, inside
    its transaction; `case.unit` and `case.call` loaded)."""
    return Receipt.objects.create(
        case=case,
        version=version,
        number=receipt_number(case, version),
        submitted_at=submitted_at,
        call_title=case.call.title,
        case_code=Case.code_for(case.call_id, case.number),
        unit_name=case.unit.name,
        title=case.title,
        category=case.category.name if case.category_id and case.category else "",
        files=receipt_files(case),
    )


def verify_url(receipt: Receipt) -> str:
    """The absolute address of the receipt's public verification page (in its QR code)."""
    return settings.PORTAL_BASE_URL + reverse("receipts:verify", kwargs={"token": receipt.token})


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as an A4 PDF, with the QR code of its verification page."""
    url = verify_url(receipt)
    return render_pdf(
        "pdf/receipt.html",
        {
            "receipt": receipt,
            "verify_url": url,
            "qr": qr_data_uri(url),
            "portal_name": settings.PORTAL_NAME,
        },
    )


def receipt_filename(receipt: Receipt) -> str:
    return f"receipt-{receipt.number}.pdf"
