"""Files for the print desk and new media, made from an installment's content dict:

- txt: exactly the layout of docs/publication-layout.md (`content.layout_text`);
- docx: the same paragraphs in the same order, with the photos above their captions;
- html: one self-contained page (styles inline, images embedded) with the same paragraphs;
- wechat.html: the same for the WeChat official-account editor (only inline style attributes,
  which survive pasting; images embedded as data: URIs).
"""

import io
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from core.files import data_uri

from . import content as content_mod
from .models import Installment, InstallmentVersion
from .photos import content_photo_data, photo_key
from .selectors import installment_with_draft

FORMATS = {
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    # For the WeChat official-account editor: inline styles only (see `to_wechat`).
    "wechat.html": "text/html; charset=utf-8",
}
EAST_ASIAN_FONTS = {"Normal": "宋体", "Title": "黑体", "Heading 1": "黑体", "Heading 2": "黑体"}


@dataclass
class ExportFile:
    data: bytes
    filename: str
    content_type: str


def export_content(
    *, installment: Installment, version: int | None = None, published: bool = False
) -> dict:
    """The content to export: a frozen version (by number, or the current one) or the draft."""
    if version is not None:
        return InstallmentVersion.objects.get(installment=installment, number=version).content
    if published:
        if installment.current_version_id is None:
            raise InstallmentVersion.DoesNotExist("the installment is not published")
        return InstallmentVersion.objects.get(pk=installment.current_version_id).content
    inst = installment_with_draft(
        installment_qs=Installment.objects.filter(pk=installment.pk)
    ).get()
    return content_mod.draft_content(inst)


def to_txt(content: dict) -> bytes:
    return content_mod.layout_text(content).encode("utf-8")


def _set_fonts(doc) -> None:
    for name, east_asian in EAST_ASIAN_FONTS.items():
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asian)
    doc.styles["Normal"].font.size = Pt(11)


# A4 with the margins of Chinese official documents (GB/T 9704: top 37 mm, bottom 35 mm, left
# 28 mm, right 26 mm), as print desks expect; python-docx's own template is US Letter.
PAGE_MM = {"page_width": 210, "page_height": 297}
MARGINS_MM = {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}


def _set_page(doc) -> None:
    for section in doc.sections:
        for name, mm in (PAGE_MM | MARGINS_MM).items():
            setattr(section, name, Mm(mm))


def to_docx(content: dict, photo_data: dict[str, bytes] | None = None) -> bytes:
    """A Word file whose text paragraphs are the layout's lines, blank lines left out."""
    photo_data = content_photo_data(content) if photo_data is None else photo_data
    content = content_mod.xml_safe(content)
    doc = Document()
    _set_page(doc)
    _set_fonts(doc)
    doc.core_properties.title = content["heading"]
    doc.add_heading(content["heading"], level=0)
    if content.get("host_line"):
        doc.add_paragraph(content_mod.HOST_LABEL + content["host_line"])
    if content.get("headline"):
        doc.add_heading(content["headline"], level=1)
    for i, para in enumerate(content.get("editors_note") or []):
        p = doc.add_paragraph()
        if i == 0:
            p.add_run(content_mod.NOTE_LABEL).bold = True
        p.add_run(para)
    for feature in content["features"]:
        doc.add_heading(f"{content_mod.CASE_LABEL} {feature['title']}", level=2)
        doc.add_paragraph(content_mod.UNIT_LABEL + feature["unit_line"])
        if feature.get("category"):
            doc.add_paragraph(content_mod.CATEGORY_LABEL + feature["category"])
        for para in feature["paragraphs"]:
            p = doc.add_paragraph(para)
            p.paragraph_format.first_line_indent = Pt(22)
        for photo in feature["photos"]:
            data = photo_data.get(photo_key(photo))
            if data:
                picture = doc.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                landscape = photo.get("width", 1) >= photo.get("height", 1)
                size = {"width": Cm(14)} if landscape else {"height": Cm(12)}
                picture.add_run().add_picture(io.BytesIO(data), **size)
            if photo["caption"]:
                doc.add_paragraph(content_mod.CAPTION_MARK + photo["caption"])
    if content.get("byline"):
        doc.add_paragraph(content["byline"])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _stylesheet() -> str:
    path = finders.find("css/publication.css")
    if not path:
        return ""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def to_html(content: dict, photo_data: dict[str, bytes] | None = None) -> bytes:
    """A self-contained page: nothing is loaded from anywhere when it is opened."""
    photo_data = content_photo_data(content) if photo_data is None else photo_data

    def photo_uri(item):
        return data_uri(photo_data.get(photo_key(item), b""), "image/jpeg")

    html = render_to_string(
        "publishing/export.html",
        {
            "c": content_mod.with_photo_urls(content, photo_uri),
            "stylesheet": _stylesheet(),
        },
    )
    return html.encode("utf-8")


def to_wechat(content: dict, photo_data: dict[str, bytes] | None = None) -> bytes:
    """A page to paste into the WeChat official-account editor: every style inline (the
    editor drops style elements and classes), no script, nothing fetched from anywhere, every
    photo a data: URI of its JPEG web copy, each case with its award tier."""
    photo_data = content_photo_data(content) if photo_data is None else photo_data

    def photo_uri(item):
        return data_uri(photo_data.get(photo_key(item), b""), "image/jpeg")

    html = render_to_string(
        "publishing/export_wechat.html", {"c": content_mod.with_photo_urls(content, photo_uri)}
    )
    return html.encode("utf-8")


def export_installment(
    *, installment: Installment, fmt: str, version: int | None = None, published: bool = False
) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    content = export_content(installment=installment, version=version, published=published)
    maker = {"txt": to_txt, "docx": to_docx, "html": to_html, "wechat.html": to_wechat}[fmt]
    suffix = f"-v{version}" if version else ""
    filename = f"{installment.series.slug}-{installment.number:02d}{suffix}.{fmt}"
    return ExportFile(data=maker(content), filename=filename, content_type=FORMATS[fmt])
