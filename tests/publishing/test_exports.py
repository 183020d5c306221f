"""Exports for the print desk: txt in exactly the layout of docs/publication-layout.md, and docx,
html export and the public page with the same paragraphs in the same order."""

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from publishing import exports, services

from .kit import design_example

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = (FIXTURES / "installment_3.txt").read_text(encoding="utf-8")
EXPECTED_PARAGRAPHS = [line for line in EXPECTED.splitlines() if line.strip()]
LAYOUT_DOC = Path(__file__).resolve().parents[2] / "docs" / "publication-layout.md"


class LineParser(HTMLParser):
    """The text of every element marked `data-line`, in document order."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.images: list[str] = []
        self._buf: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
            return
        if self._buf is not None:
            self._depth += 1
        elif "data-line" in attrs:
            self._buf, self._depth = [], 1

    def handle_endtag(self, tag):
        if self._buf is None or tag == "img":
            return
        self._depth -= 1
        if self._depth == 0:
            self.lines.append(re.sub(r"[ \t\r\n]+", " ", "".join(self._buf)).strip())
            self._buf = None

    def handle_data(self, data):
        if self._buf is not None:
            self._buf.append(data)


def html_lines(html: str) -> LineParser:
    parser = LineParser()
    parser.feed(html)
    return parser


@pytest.fixture
def installment(db, editor):
    return design_example(editor)


def test_txt_export_equals_the_expected_file_line_by_line(installment):
    text = exports.export_installment(installment=installment, fmt="txt").data.decode("utf-8")
    assert text.splitlines() == EXPECTED.splitlines()
    assert text == EXPECTED


def test_layout_document_shows_the_expected_file_as_its_example():
    """docs/publication-layout.md describes the layout with this very installment."""
    doc = LAYOUT_DOC.read_text(encoding="utf-8")
    example = re.search(r"^```text\n(.*?)^```$", doc, re.MULTILINE | re.DOTALL)
    assert example is not None, "docs/publication-layout.md has no ```text block"
    assert example.group(1) == EXPECTED


def test_export_command_writes_txt_in_the_design_layout(installment, tmp_path):
    out = tmp_path / "print.txt"
    call_command("export_installment", "xunli", "3", "--format", "txt", "-o", str(out))
    assert out.read_text(encoding="utf-8").splitlines() == EXPECTED.splitlines()


def test_export_command_writes_txt_to_stdout_without_output_file(installment):
    buf = io.StringIO()
    call_command("export_installment", "xunli", "3", stdout=buf)
    assert buf.getvalue() == EXPECTED


def test_docx_export_holds_the_same_paragraphs_in_the_same_order(installment, tmp_path):
    out = tmp_path / "print.docx"
    call_command("export_installment", "xunli", "3", "--format", "docx", "-o", str(out))
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs if p.text.strip()] == EXPECTED_PARAGRAPHS
    assert len(doc.inline_shapes) == 3
    assert doc.core_properties.title == "某区文明城市创建优秀案例巡礼(三)"


def test_docx_puts_each_photo_right_above_its_caption(installment):
    doc = Document(io.BytesIO(exports.export_installment(installment=installment, fmt="docx").data))
    paragraphs = doc.paragraphs
    captions = [i for i, p in enumerate(paragraphs) if p.text.startswith("■")]
    assert len(captions) == 3
    for i in captions:
        assert paragraphs[i - 1].text == ""
        assert paragraphs[i - 1]._p.xpath(".//pic:pic")


def test_docx_pages_are_a4_with_the_official_document_margins(installment):
    """The print desk lays out on A4 (210 × 297 mm), not python-docx's US Letter, with the
    GB/T 9704 margins: top 37, bottom 35, left 28, right 26 mm."""
    doc = Document(io.BytesIO(exports.export_installment(installment=installment, fmt="docx").data))
    mm = [
        (
            round(s.page_width.mm),
            round(s.page_height.mm),
            round(s.top_margin.mm),
            round(s.bottom_margin.mm),
            round(s.left_margin.mm),
            round(s.right_margin.mm),
        )
        for s in doc.sections
    ]
    assert mm == [(210, 297, 37, 35, 28, 26)]


def test_html_export_is_self_contained_with_the_same_paragraphs(installment, tmp_path):
    out = tmp_path / "post.html"
    call_command("export_installment", "xunli", "3", "--format", "html", "-o", str(out))
    html = out.read_text(encoding="utf-8")
    parsed = html_lines(html)
    assert parsed.lines == EXPECTED_PARAGRAPHS
    assert len(parsed.images) == 3
    assert all(src.startswith("data:image/jpeg;base64,") for src in parsed.images)
    assert "<link" not in html and "<script" not in html and "http" not in html


def test_public_page_holds_the_same_paragraphs_as_the_txt(installment, client, editor):
    services.installment_publish(installment=installment, actor=editor)
    response = client.get("/series/xunli/3/")
    assert response.status_code == 200
    parsed = html_lines(response.content.decode())
    assert parsed.lines == EXPECTED_PARAGRAPHS
    assert len([src for src in parsed.images if "/series/xunli/3/photos/" in src]) == 3


def test_published_export_is_the_frozen_version_not_the_later_draft(installment, editor):
    services.installment_publish(installment=installment, actor=editor)
    services.installment_update(
        installment=installment,
        headline="改过的标题",
        editors_note="",
        byline="",
        publish_at=None,
        actor=editor,
    )
    published = exports.export_installment(installment=installment, fmt="txt", published=True)
    draft = exports.export_installment(installment=installment, fmt="txt")
    assert published.data.decode() == EXPECTED
    assert "改过的标题" in draft.data.decode()
    assert published.filename == "xunli-03.txt"


def test_editor_page_exports_each_format(installment, client, editor):
    client.force_login(editor)
    base = reverse("publishing:installment_export", args=["xunli", 3, "txt"])
    response = client.get(base)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="xunli-03.txt"'
    assert response.content.decode("utf-8") == EXPECTED
    docx = client.get(reverse("publishing:installment_export", args=["xunli", 3, "docx"]))
    doc = Document(io.BytesIO(docx.content))
    assert [p.text for p in doc.paragraphs if p.text.strip()] == EXPECTED_PARAGRAPHS
    html = client.get(reverse("publishing:installment_export", args=["xunli", 3, "html"]))
    assert html_lines(html.content.decode()).lines == EXPECTED_PARAGRAPHS


def test_editor_export_of_unknown_format_or_unpublished_version_is_404(installment, client, editor):
    client.force_login(editor)
    assert (
        client.get(reverse("publishing:installment_export", args=["xunli", 3, "pdf"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("publishing:installment_export", args=["xunli", 3, "txt"]) + "?source=published"
        ).status_code
        == 404
    )


def test_export_command_errors_are_clear(installment):
    with pytest.raises(CommandError, match="No installment 9"):
        call_command("export_installment", "xunli", "9")
    with pytest.raises(CommandError, match="needs -o"):
        call_command("export_installment", "xunli", "3", "--format", "docx")
    with pytest.raises(CommandError, match="version does not exist"):
        call_command("export_installment", "xunli", "3", "--published")
