"""Every upload field with hostile names and contents: case photos and attachments, the unit,
judge, score and case imports (.xlsx, .csv, ZIP). Names with path traversal, 300 characters,
Chinese, NUL and control characters; contents that are not what the name says (HTML or SVG
named .jpg, a ZIP named .png, empty files); the Pillow corpus of broken images inside an import
ZIP. Never a server error; a refused file gets a message naming it."""

import itertools

from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from submissions.forms import AttachmentUploadForm, ImportUploadForm
from submissions.models import Attachment, Case, ImportJob, Photo

from .factories import jpeg_bytes
from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    MISNAMED,
    assert_form_error,
    fuzzes,
    get_ok,
    hostile,
    hostile_content,
    hostile_filename,
    post_ok,
    table_file,
    upload,
    zip_bytes,
)

_serial = itertools.count(1)
CASE_COLUMNS = [
    "选送单位",
    "案例标题",
    "联系人",
    "联系电话",
    "案例摘要",
    "案例正文",
    "图片文件",
    "图片说明",
]


def _case_post(call, *, photo=None, files=None, title="案例"):
    data = {
        "title": title,
        "save": "1",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-0-caption": "说明",
        "photos-0-position": "1",
    }
    if photo is not None:
        data["photos-0-image"] = photo
    if files is not None:
        data["files"] = files
    return reverse("submissions:case_create", args=[call.slug]), data


# ---- case photos and attachments --------------------------------------------------------------


@FUZZ
@given(name=hostile_filename, content=hostile_content)
def test_case_photo_hostile(client, call, user_a, name, content):
    client.force_login(user_a)
    url, data = _case_post(call, photo=upload(name, content, "image/jpeg"))
    post_ok(client, url, data)
    assert not Photo.objects.filter(case__isnull=True, size=0).exists()


@FUZZ
@given(name=hostile_filename)
def test_case_photo_hostile_name_valid_image(client, call, user_a, name):
    """A real JPEG under any name is stored under a server-made name and can be fetched."""
    client.force_login(user_a)
    before = set(Photo.objects.values_list("pk", flat=True))
    url, data = _case_post(call, photo=upload(name, jpeg_bytes(size=(40, 30)), "image/jpeg"))
    post_ok(client, url, data)
    for photo in Photo.objects.exclude(pk__in=before):
        assert ".." not in photo.image.name and "\x00" not in photo.image.name
        assert len(photo.original_name) <= 255
        get_ok(client, reverse("submissions:photo_file", args=[photo.uid, "original"]))


@fuzzes(AttachmentUploadForm)
@FUZZ
@given(
    name=hostile_filename,
    content=hostile_content
    | st.sampled_from(
        [b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", zip_bytes({"word/document.xml": b"<w/>"})]
    ),
)
def test_case_attachment_hostile(client, call, user_a, name, content):
    client.force_login(user_a)
    before = set(Attachment.objects.values_list("pk", flat=True))
    url, data = _case_post(call, files=[upload(name, content, "application/pdf")])
    post_ok(client, url, data)
    for att in Attachment.objects.exclude(pk__in=before):
        assert "\x00" not in att.original_name
        response = client.get(reverse("submissions:attachment_file", args=[att.uid]))
        assert response.status_code == 200
        assert "\n" not in response["Content-Disposition"]


def test_misnamed_files_are_refused_with_their_name(client, call, user_a):
    client.force_login(user_a)
    for name, content in MISNAMED:
        if not name.endswith((".jpg", ".png")):
            continue
        url, data = _case_post(call, photo=upload(name, content, "image/jpeg"))
        response = post_ok(client, url, data)
        assert response.status_code == 400, name
        assert name in response.content.decode() or "empty" in response.content.decode()


def test_empty_file_with_a_crafted_name_gets_a_message(org_client):
    """A file part whose name is ".." is dropped by the parser: the form says a file is
    needed instead of showing the empty form again; an empty file is named as empty."""
    for name in ("..", "/", "../../", "."):
        response = post_ok(
            org_client, reverse("submissions:unit_import"), {"file": upload(name, b"")}
        )
        assert response.status_code == 400
        assert "No file was received" in assert_form_error(response).content.decode()
    response = post_ok(
        org_client, reverse("submissions:unit_import"), {"file": upload("../../单位.csv", b"")}
    )
    assert response.status_code == 400
    assert "empty" in response.content.decode()


# ---- imports -------------------------------------------------------------------------------


@FUZZ
@given(
    unit=hostile,
    username=hostile,
    full_name=hostile,
    email=hostile,
    password=hostile,
    fmt=st.sampled_from(["csv", "xlsx"]),
    name=hostile_filename,
)
def test_unit_import_cells(org_client, unit, username, full_name, email, password, fmt, name):
    data = table_file(
        ["单位名称", "用户名", "姓名", "邮箱", "初始密码"],
        [[unit, username, full_name, email, password]],
        fmt,
    )
    post_ok(org_client, reverse("submissions:unit_import"), {"file": upload(name, data)})


@FUZZ_FEW
@given(name=hostile_filename, content=hostile_content)
def test_unit_import_garbage(org_client, name, content):
    response = post_ok(
        org_client, reverse("submissions:unit_import"), {"file": upload(name, content)}
    )
    assert response.status_code == 400
    assert_form_error(response)


def test_unit_import_over_long_and_nul_cells_get_row_and_column(org_client):
    data = table_file(
        ["单位名称", "用户名"],
        [["甲街道", "ok1"], ["乙" * 300, "ok2"], ["丙\x00街道", "ok3"]],
        "csv",
    )
    response = post_ok(
        org_client, reverse("submissions:unit_import"), {"file": upload("单位.csv", data)}
    )
    assert response.status_code == 400
    text = assert_form_error(response).content.decode()
    assert "3" in text and "单位名称" in text


def test_import_errors_name_the_file(org_client, call):
    for url in (reverse("submissions:unit_import"), reverse("judging:judge_import")):
        response = post_ok(
            org_client, url, {"file": upload("我的表格.xlsx", b"<html>not a table</html>")}
        )
        assert response.status_code == 400
        assert "我的表格.xlsx" in response.content.decode()


@fuzzes(ImportUploadForm)
@FUZZ
@given(
    unit=hostile,
    title=hostile,
    phone=hostile,
    body=hostile,
    photos=hostile,
    captions=hostile,
    fmt=st.sampled_from(["csv", "xlsx"]),
    name=hostile_filename,
)
def test_case_import_cells(
    org_client,
    call,
    django_capture_on_commit_callbacks,
    unit,
    title,
    phone,
    body,
    photos,
    captions,
    fmt,
    name,
):
    data = table_file(
        CASE_COLUMNS, [[unit, title, title, phone, body, body, photos, captions]], fmt
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ok(
            org_client,
            reverse("submissions:import_start", args=[call.slug]),
            {"file": upload(name, data)},
        )
    for job in ImportJob.objects.all():
        get_ok(org_client, reverse("submissions:import_status", args=[job.pk]))
        get_ok(org_client, reverse("submissions:import_progress", args=[job.pk]))
    assert response.status_code in (302, 400)


@FUZZ_FEW
@given(name=hostile_filename, content=hostile_content)
def test_case_import_garbage(org_client, call, name, content):
    response = post_ok(
        org_client,
        reverse("submissions:import_start", args=[call.slug]),
        {"file": upload(name, content)},
    )
    assert response.status_code in (302, 400)


@FUZZ_FEW
@given(member=hostile_filename, photo_cell=hostile)
def test_case_import_zip_with_hostile_member_names(
    org_client, call, django_capture_on_commit_callbacks, member, photo_cell
):
    # A ZIP member's name ends at its first NUL (zipfile cuts it there, as unzip tools do): an
    # empty name is no member at all, and zipfile refuses to write one.
    assume(member.split("\x00", 1)[0] not in ("", "/"))
    table = table_file(
        CASE_COLUMNS,
        [["甲街道", f"案例{next(_serial)}", "", "", "", "正文", photo_cell or member, ""]],
        "xlsx",
    )
    archive = zip_bytes({"cases.xlsx": table, member: jpeg_bytes(size=(40, 30))})
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(
            org_client,
            reverse("submissions:import_start", args=[call.slug]),
            {"file": upload("导入.zip", archive)},
        )
    for job in ImportJob.objects.all():
        assert job.status in (
            ImportJob.Status.DONE,
            ImportJob.Status.FAILED,
            ImportJob.Status.PENDING,
            ImportJob.Status.RUNNING,
        )


def test_case_import_zip_of_the_pillow_corpus(
    org_client, call, testdata, django_capture_on_commit_callbacks
):
    """Every broken image of the corpus inside an import ZIP: the import reports the bad files
    by name, never a server error, and stores no photo a thumbnail would choke on."""
    corpus = sorted(
        p
        for p in (testdata / "pillow-bad-images").iterdir()
        if p.name not in ("README.md", "MANIFEST.tsv")
    )
    rows, files = [], {}
    for i, path in enumerate(corpus):
        files[f"图片/{path.name}"] = path.read_bytes()
        rows.append(["甲街道", f"语料案例{i}", "", "", "", "正文", f"图片/{path.name}", ""])
    files["cases.xlsx"] = table_file(CASE_COLUMNS, rows, "xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ok(
            org_client,
            reverse("submissions:import_start", args=[call.slug]),
            {"file": upload("语料.zip", zip_bytes(files))},
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    progress = org_client.get(reverse("submissions:import_progress", args=[job.pk])).json()
    assert progress["errors"], progress
    assert Photo.objects.filter(processing=Photo.Processing.FAILED).count() == 0
    assert (
        not Case.objects.filter(title__startswith="语料案例")
        .exclude(title__in=[])
        .filter(photos__isnull=False, photos__width=0)
        .exists()
    )
