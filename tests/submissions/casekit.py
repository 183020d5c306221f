"""Small builders shared by the submissions tests: photos, attachments and complete cases.

Photos are written straight to storage (a tiny JPEG) so that building 100 of them is quick;
tests of the upload path itself go through `services.photo_stage` or the web form.
"""

import io

import docx
from django.core.files.base import ContentFile
from pypdf import PdfWriter

from submissions.models import Attachment, Case, Photo

from ..factories import CaseFactory, jpeg_bytes

TINY_JPEG = jpeg_bytes(size=(16, 12))
PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf_bytes() -> bytes:
    """A real one-page PDF, as attachments must be (submissions/attachments.py opens them)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A real Word document with one paragraph."""
    document = docx.Document()
    document.add_paragraph("口袋公园建设方案")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def photo_add(
    case: Case | None = None, *, user=None, caption: str = "", position: int = 0
) -> Photo:
    """A processed-looking JPEG photo on `case` (or staged, when `case` is None)."""
    photo = Photo(
        case=case,
        uploaded_by=user,
        extension=".jpg",
        original_name="photo.jpg",
        caption=caption,
        position=position,
        width=16,
        height=12,
        size=len(TINY_JPEG),
    )
    photo.image.save("x", ContentFile(TINY_JPEG), save=False)
    photo.save()
    return photo


def attachment_add(case: Case | None = None, *, user=None, name: str = "说明.pdf") -> Attachment:
    att = Attachment(
        case=case, uploaded_by=user, extension=".pdf", original_name=name, size=len(PDF_BYTES)
    )
    att.file.save("x", ContentFile(PDF_BYTES), save=False)
    att.save()
    return att


def case_with_photos(*, photos: int = 1, **kwargs) -> Case:
    """A complete draft (every field filled in) with `photos` captioned photos."""
    case = CaseFactory.create(**kwargs)
    for i in range(photos):
        photo_add(case, caption=f"■说明{i + 1}", position=i + 1)
    return case
