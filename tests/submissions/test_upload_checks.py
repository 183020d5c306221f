"""Uploads are what their names say (issue 12, finding 9), through the real forms:

- a name with a second extension a browser opens as a page (photo.jpg.html) is refused;
- an attachment is opened with the library of its kind, and its extension must agree with it;
- an empty file is named in the message, on every upload field.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from submissions import services
from submissions.models import Attachment, Case, Photo

from ..factories import RoundFactory, jpeg_bytes, jpeg_upload
from ..imagegen import HTML, SECRETS
from .casekit import docx_bytes, pdf_bytes
from .test_import import case_row, upload_and_run, zip_upload
from .test_views import _as, _create_url, _photo_rows, _text

pytestmark = pytest.mark.django_db

RENAME = (
    "“{name}” is refused: its name contains “.{ext}”, which a browser opens as a web page or "
    "script. Rename the file and upload it again."
)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def post_case(client, call, *, photos=(), files=()):
    rows = [{"image": p, "caption": "■说明", "position": str(i + 1)} for i, p in enumerate(photos)]
    return client.post(
        _create_url(call),
        {**_text(), "save": "1", **_photo_rows(*rows), **({"files": list(files)} if files else {})},
    )


def attachment(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# ---------------------------------------------------------------- active second extensions


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        ("现场.jpg.html", "html"),
        ("现场.JPG.HTM", "htm"),
        ("现场.svg.jpg", "svg"),
        ("现场.xhtml.png", "xhtml"),
        ("现场.jpg.js", "js"),
        ("现场.Xml.jpg", "xml"),
    ],
)
def test_photo_named_with_an_active_extension_is_refused(client, call, user_a, name, ext):
    _as(client, user_a)
    polyglot = SimpleUploadedFile(name, jpeg_bytes() + HTML, content_type="image/jpeg")

    response = post_case(client, call, photos=[polyglot])

    assert response.status_code == 400
    assert response.context["upload_errors"] == ["Photo 1: " + RENAME.format(name=name, ext=ext)]
    assert (Photo.objects.count(), Case.objects.count()) == (0, 0)


def test_attachment_named_with_an_active_extension_is_refused(client, call, user_a):
    _as(client, user_a)

    response = post_case(client, call, files=[attachment("方案.html.pdf", pdf_bytes())])

    assert response.status_code == 400
    assert response.context["upload_errors"] == [RENAME.format(name="方案.html.pdf", ext="html")]
    assert Attachment.objects.count() == 0


def test_name_with_harmless_dots_is_accepted(client, call, user_a):
    _as(client, user_a)

    response = post_case(
        client,
        call,
        photos=[jpeg_upload("2026.05.现场.jpg")],
        files=[attachment("v1.2 方案.pdf", pdf_bytes())],
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert [p.original_name for p in case.photos.all()] == ["2026.05.现场.jpg"]
    assert [a.original_name for a in case.attachments.all()] == ["v1.2 方案.pdf"]


def test_polyglot_photo_is_stored_and_rendered_without_its_html(client, call, user_a):
    """A JPEG with a page appended keeps only the image: the original is cut at the end of the
    image and the web and thumbnail copies are re-encoded by Pillow."""
    _as(client, user_a)
    polyglot = SimpleUploadedFile("现场.jpg", jpeg_bytes() + HTML, content_type="image/jpeg")

    assert post_case(client, call, photos=[polyglot]).status_code == 302
    photo = services.photo_process(photo=Photo.objects.get(), actor=None)

    for field in (photo.image, photo.web, photo.thumb):
        with field.open("rb") as fh:
            stored = fh.read()
        assert [s for s in SECRETS if s in stored] == []


def test_imported_photo_named_with_an_active_extension_is_refused(
    client, call, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    upload = zip_upload(rows=[case_row(photos="图片/1.jpg.html")], photos=("图片/1.jpg.html",))

    job, data = upload_and_run(client, call, upload, django_capture_on_commit_callbacks)

    assert (data["status"], data["created_count"]) == ("failed", 0)
    assert data["errors"] == [
        "Row 2, column “图片”: " + RENAME.format(name="图片/1.jpg.html", ext="html")
    ]
    assert Photo.objects.count() == 0


# ---------------------------------------------------------------- attachments by real type


def test_pdf_named_jpg_is_refused(client, call, user_a):
    _as(client, user_a)

    response = post_case(client, call, files=[attachment("扫描件.jpg", pdf_bytes())])

    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        "“扫描件.jpg” holds a PDF file but its name does not end in .pdf. Rename it to end in "
        ".pdf and upload it again."
    ]
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("方案.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n", "PDF"),
        ("方案.pdf", b"%PDF-", "PDF"),
        ("方案.docx", zip_bytes({"word/document.xml": b"<w/>"}), "Word (.docx)"),
        ("方案.docx", zip_bytes({"word/document.xml": b"<w/>", "x.html": HTML}), "Word (.docx)"),
        ("方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word (.doc)"),
    ],
)
def test_attachment_that_does_not_open_is_refused(client, call, user_a, name, data, kind):
    _as(client, user_a)

    response = post_case(client, call, files=[attachment(name, data)])

    assert response.status_code == 400
    assert response.context["upload_errors"] == [
        f"“{name}” cannot be opened as a {kind} file: it is damaged, empty or protected by a "
        "password."
    ]
    assert Attachment.objects.count() == 0


def test_docx_named_pdf_is_refused(client, call, user_a):
    _as(client, user_a)

    response = post_case(client, call, files=[attachment("总结.pdf", docx_bytes())])

    assert response.context["upload_errors"] == [
        "“总结.pdf” holds a Word (.docx) file but its name does not end in .docx. Rename it to "
        "end in .docx and upload it again."
    ]


def test_real_pdf_and_docx_are_accepted(client, call, user_a):
    _as(client, user_a)

    response = post_case(
        client,
        call,
        files=[attachment("方案.PDF", pdf_bytes()), attachment("总结.docx", docx_bytes())],
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert sorted((a.original_name, a.extension) for a in case.attachments.all()) == [
        ("总结.docx", ".docx"),
        ("方案.PDF", ".pdf"),
    ]


# ---------------------------------------------------------------- empty files are named


def test_empty_attachment_is_named(client, call, user_a):
    _as(client, user_a)

    response = post_case(client, call, files=[attachment("空白.pdf", b"")])

    assert response.status_code == 400
    assert response.context["upload_errors"] == ["“空白.pdf” is empty (0 bytes)."]


def test_empty_photo_is_named(client, call, user_a):
    _as(client, user_a)
    empty = SimpleUploadedFile("空白.jpg", b"", content_type="image/jpeg")

    response = post_case(client, call, photos=[jpeg_upload("好.jpg"), empty])

    assert response.context["upload_errors"] == ["Photo 2: “空白.jpg” is empty (0 bytes)."]


@pytest.mark.parametrize("page", ["unit_import", "judge_import", "import_start", "results_import"])
def test_empty_table_is_named_on_every_import_page(org_client, call, page):
    urls = {
        "unit_import": reverse("submissions:unit_import"),
        "judge_import": reverse("judging:judge_import"),
        "import_start": reverse("submissions:import_start", args=[call.slug]),
        "results_import": reverse("judging:results_import", args=[RoundFactory().pk]),
    }

    response = org_client.post(urls[page], {"file": attachment("名单.xlsx", b"")})

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["“名单.xlsx” is empty (0 bytes)."]


@pytest.mark.parametrize("page", ["unit_import", "judge_import", "import_start", "results_import"])
def test_table_named_with_an_active_extension_is_refused_on_every_import_page(
    org_client, call, page
):
    urls = {
        "unit_import": reverse("submissions:unit_import"),
        "judge_import": reverse("judging:judge_import"),
        "import_start": reverse("submissions:import_start", args=[call.slug]),
        "results_import": reverse("judging:results_import", args=[RoundFactory().pk]),
    }

    response = org_client.post(urls[page], {"file": attachment("名单.html.csv", b"a,b\n1,2\n")})

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        RENAME.format(name="名单.html.csv", ext="html")
    ]
