"""What a certificate says and how it looks: the merge fields filled in, the PDF drawn.

The PDF is an HTML template (templates/certificates/pdf/certificate.html) laid out by
WeasyPrint (core/pdf.py), chosen over ReportLab because:

- the organizer's design (title, text with merge fields, issuer line, seal, background) maps
  onto an HTML/CSS template with no drawing code: a seal is an <img> placed over the issuer
  line, a background a full-page image;
- paged media gives the two page shapes with one rule, `@page { size: A4 landscape }` or
  `A4 portrait`;
- Chinese text is laid out by pango with the Noto CJK fonts installed on the machine: lines
  break between any two Chinese characters and never before a closing punctuation mark,
  with no hand-made line breaking;
- the portal already renders its receipts with it: one PDF library, one local-only fetcher
  (nothing is loaded from the network).
"""

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import Storage
from django.urls import reverse

from core.files import data_uri
from core.pdf import render_pdf
from core.qr import qr_data_uri

from .models import AWARD_NAMES, BRACED, MERGE_FIELDS, CertificateDesign


def unknown_fields(text: str) -> list[str]:
    """The braced names of `text` that are not merge fields, in order, each once."""
    seen: list[str] = []
    for name in BRACED.findall(text):
        if name not in MERGE_FIELDS and name not in seen:
            seen.append(name)
    return seen


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def merge(text: str, values: dict[str, str]) -> str:
    """`text` with each {field} replaced by its value (the fields were checked on saving)."""
    return BRACED.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def verify_url(full_number: str) -> str:
    """The absolute address of the public verification page: what the QR code holds."""
    path = reverse("certificates:verify", kwargs={"number": full_number})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@dataclass(frozen=True)
class Facts:
    """What a certificate is about, before the design is applied."""

    unit: str
    case: str
    level: str
    category: str
    call: str

    @property
    def award(self) -> str:
        return AWARD_NAMES.get(self.level, self.level)


def certificate_text(design: CertificateDesign, facts: Facts, *, full_number: str) -> str:
    return merge(
        design.body,
        {
            "unit": facts.unit,
            "case": facts.case,
            "award": facts.award,
            "category": facts.category,
            "call": facts.call,
            "date": chinese_date(design.issued_on),
            "number": full_number,
        },
    )


@functools.lru_cache(maxsize=2)
def _stored_image_uri(storage: Storage, name: str) -> str:
    """The stored image `name` as a data: URI. Cached (a seal and a background): a design's
    images get new names when replaced (never overwritten), and a job draws every certificate
    of a call with one design, so a bucket is asked once per image, not once per certificate."""
    with storage.open(name, "rb") as fh:
        data = fh.read()
    return data_uri(data, "image/png" if name.lower().endswith(".png") else "image/jpeg")


def _image_uri(field) -> str:
    """A seal or background as a data: URI, read through its storage (a local folder or a
    bucket: nothing assumes a path on this machine); empty when the design has none."""
    return _stored_image_uri(field.storage, field.name) if field else ""


def certificate_pdf(
    design: CertificateDesign, *, title: str, text: str, issuer: str, issued_on, full_number: str
) -> bytes:
    """The PDF of one certificate (also the preview's, with sample values)."""
    return render_pdf(
        "certificates/pdf/certificate.html",
        {
            "landscape": design.orientation == CertificateDesign.Orientation.LANDSCAPE,
            "title": title,
            "paragraphs": [p.strip() for p in text.splitlines() if p.strip()],
            "issuer": issuer,
            "date": chinese_date(issued_on),
            "number": full_number,
            "qr": qr_data_uri(verify_url(full_number), scale=8),
            "seal": _image_uri(design.seal),
            "background": _image_uri(design.background),
        },
    )
