"""Case import: tables, photos, all-or-nothing, the command, and the web upload with progress."""

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from core.tabular import read_table
from submissions import importing
from submissions.models import Call, Case, CaseEvent, ImportJob, Photo, Unit

from ..factories import CaseFactory, UnitFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

COLUMNS = importing.COLUMNS
PHONE_ERROR_START = "Row 3, column “联系电话”: “12345” is not a valid phone number."


@pytest.fixture(autouse=True)
def english():
    """Assertions quote the English source messages."""
    with translation.override("en"):
        yield


def case_row(
    title="“口袋公园”点亮老城区",
    *,
    unit="甲街道",
    contact="张某某",
    phone="13812345678",
    summary="老城区的口袋公园。",
    body="正文第一段。\n正文第二段。",
    photos="",
    captions="",
):
    return [unit, title, contact, phone, summary, body, photos, captions]


def write_csv(path: Path, rows, *, encoding="utf-8", header=COLUMNS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows, *, header=COLUMNS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_photos(folder: Path, *names: str) -> None:
    for i, name in enumerate(names):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jpeg_bytes(size=(320 + i, 240), color=(30 * i % 255, 80, 120)))


def media_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "import"
    path.mkdir()
    return path


# ---------------------------------------------------------------- the table reader


def test_read_table_gb18030_csv_keeps_sheet_row_numbers(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("单位名称,备注\n甲街道,第一\n\n乙街道 , 第二\n".encode("gb18030"))

    table = read_table(path, required=["单位名称"], optional=["用户名"])

    assert [(row.number, dict(row)) for row in table.rows] == [
        (2, {"单位名称": "甲街道", "用户名": "", "备注": "第一"}),
        (4, {"单位名称": "乙街道", "用户名": "", "备注": "第二"}),
    ]
    assert table.extra_columns == ["备注"]


def test_read_table_detects_xlsx_by_content_not_name(tmp_path):
    path = write_xlsx(
        tmp_path / "named-like.csv", [["甲街道", 13812345678]], header=["单位名称", "电话"]
    )

    table = read_table(path, required=["单位名称", "电话"])

    assert table.format == "xlsx"
    assert dict(table.rows[0]) == {"单位名称": "甲街道", "电话": "13812345678"}


def test_read_table_missing_header_names_the_columns(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["甲街道"]], header=["选送单位"])

    with pytest.raises(ValidationError) as exc:
        read_table(path, required=["选送单位", "案例标题", "联系电话"])

    assert exc.value.messages == [
        "“t.csv” lacks the required column(s): 案例标题、联系电话. The header row must name "
        "these columns: 选送单位、案例标题、联系电话 (found: 选送单位)."
    ]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_read_table_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    with pytest.raises(ValidationError) as exc:
        read_table(path, required=["选送单位"])

    assert exc.value.messages == ["“empty.csv” is empty."]


def test_read_table_binary_file_is_unreadable(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(jpeg_bytes())

    with pytest.raises(ValidationError) as exc:
        read_table(path, required=["选送单位"])

    assert exc.value.code == "unreadable"


# ---------------------------------------------------------------- the import service


def test_import_gb18030_csv_with_two_photos_per_row(folder, call, organizer):
    CaseFactory(call=call, number=7)
    write_photos(folder, "图片/1.jpg", "图片/2.jpg", "图片/3.jpg", "图片/4.jpg")
    path = write_csv(
        folder / "案例.csv",
        [
            case_row(
                "“口袋公园”点亮老城区",
                photos="图片/1.jpg；图片/2.jpg",
                captions="居民在新建成的口袋公园休憩。；孩子们在玩耍。",
            ),
            case_row(
                "一张清单管到底",
                unit="某区市场监管局",
                phone="0571-87654321",
                photos="图片/3.jpg;图片/4.jpg",
                captions="工作人员上门走访商户。",
            ),
        ],
        encoding="gb18030",
    )
    calls = []

    report = importing.cases_import(
        path=path,
        call=call,
        actor=organizer,
        progress=lambda done, total: calls.append((done, total)),
    )

    cases = list(Case.objects.filter(call=call, number__gt=7).order_by("number"))
    assert report.created_count == 2
    assert report.photo_count == 4
    assert sorted(report.units_created) == ["某区市场监管局", "甲街道"]
    assert [(c.number, c.title, c.unit.name, c.status, c.contact_phone) for c in cases] == [
        (8, "“口袋公园”点亮老城区", "甲街道", Case.Status.SUBMITTED, "13812345678"),
        (9, "一张清单管到底", "某区市场监管局", Case.Status.SUBMITTED, "0571-87654321"),
    ]
    assert cases[0].body == "正文第一段。\n正文第二段。"
    assert cases[0].created_by == organizer
    assert [(p.original_name, p.caption, p.position) for p in cases[0].photos.all()] == [
        ("图片/1.jpg", "居民在新建成的口袋公园休憩。", 0),
        ("图片/2.jpg", "孩子们在玩耍。", 1),
    ]
    assert [(p.caption, p.position) for p in cases[1].photos.all()] == [
        ("工作人员上门走访商户。", 0),
        ("", 1),
    ]
    events = CaseEvent.objects.filter(case__in=cases)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("", Case.Status.SUBMITTED, organizer)
    ] * 2
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_import_utf8_bom_csv(folder, call):
    write_photos(folder, "a.jpg")
    path = write_csv(
        folder / "cases.csv", [case_row(photos="a.jpg", captions="说明")], encoding="utf-8-sig"
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    report = importing.cases_import(path=path, call=call, actor=None)

    case = Case.objects.get(pk=report.case_ids[0])
    assert (case.title, case.unit.name, case.created_by) == ("“口袋公园”点亮老城区", "甲街道", None)
    assert [p.caption for p in case.photos.all()] == ["说明"]


def test_import_xlsx_reuses_existing_unit(folder, call, unit_a):
    write_photos(folder, "photos/1.jpg")
    path = write_xlsx(
        folder / "cases.xlsx",
        [
            ["甲街道", "垃圾分类新风尚", "李某", 13912345678, "摘要", "正文", "photos/1.jpg", None],
        ],
    )

    report = importing.cases_import(path=path, call=call, actor=None)

    case = Case.objects.get(pk=report.case_ids[0])
    assert (case.unit, case.contact_phone, case.number) == (unit_a, "13912345678", 1)
    assert report.units_created == []
    assert Unit.objects.count() == 1


def test_import_bad_phone_imports_nothing_and_names_row_and_column(folder, call, settings):
    write_photos(folder, "1.jpg")
    path = write_csv(
        folder / "cases.csv",
        [
            case_row("第一个", photos="1.jpg"),
            case_row("第二个", unit="新单位", phone="12345"),
            case_row("第三个"),
        ],
    )

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    assert len(exc.value.messages) == 1
    assert exc.value.messages[0].startswith(PHONE_ERROR_START)
    assert (Case.objects.count(), Unit.objects.count(), Photo.objects.count()) == (0, 0, 0)
    assert media_files(settings) == []


def test_import_lists_every_error_of_every_row(folder, call):
    call.body_max_chars = 20
    call.max_photos = 1
    call.save()
    write_photos(folder, "1.jpg", "2.jpg")
    path = write_csv(
        folder / "cases.csv",
        [
            case_row("", unit=""),
            case_row("长正文", body="一二三四五六七八九十" * 2 + "一"),
            case_row("照片太多", photos="1.jpg；2.jpg"),
            case_row("说明太多", photos="1.jpg", captions="一\n二"),
            case_row("长正文", photos="missing.jpg"),
        ],
    )

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    assert exc.value.messages == [
        "Row 2, column “选送单位”: The submitting unit is missing.",
        "Row 2, column “案例标题”: The title is missing.",
        "Row 3, column “正文”: The text has 21 characters; at most 20 are allowed.",
        "Row 4, column “图片”: At most 1 photos are allowed; this row has 2.",
        "Row 5, column “图片说明”: There are 2 captions but only 1 photos.",
        "Row 6, column “案例标题”: Row 3 already has a case with this title from this unit.",
        "Row 6, column “图片”: The file “missing.jpg” was not found next to the table.",
    ]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("photo", ["../x.jpg", "图片/../../x.jpg", "/etc/passwd", "C:\\x.jpg"])
def test_import_photo_path_escaping_the_folder_is_rejected(folder, call, photo):
    write_photos(folder.parent, "x.jpg")  # exists, but outside the import folder
    path = write_csv(folder / "cases.csv", [case_row(photos=photo)])

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    [message] = exc.value.messages
    assert message.startswith(f"Row 2, column “图片”: “{photo}” ")
    assert ("outside the import folder" in message) or ("absolute path" in message)
    assert Photo.objects.count() == 0


def test_import_symlink_leaving_the_folder_is_rejected(folder, call):
    write_photos(folder.parent, "x.jpg")
    (folder / "link.jpg").symlink_to(folder.parent / "x.jpg")
    path = write_csv(folder / "cases.csv", [case_row(photos="link.jpg")])

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    assert exc.value.messages == [
        "Row 2, column “图片”: “link.jpg” points outside the import folder."
    ]


def test_import_non_image_named_jpg_is_rejected_naming_row_and_column(folder, call, settings):
    write_photos(folder, "good.jpg")
    (folder / "fake.jpg").write_bytes(b"this is not a picture at all")
    path = write_csv(
        folder / "cases.csv",
        [
            case_row("好的", photos="good.jpg"),
            case_row("坏的", photos="good.jpg;fake.jpg"),
        ],
    )

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    [message] = exc.value.messages
    assert message.startswith("Row 3, column “图片”: ")
    assert "fake.jpg" in message
    assert (Case.objects.count(), Photo.objects.count()) == (0, 0)
    assert media_files(settings) == []


def test_import_photo_names_differing_in_case_are_found(folder, call):
    write_photos(folder, "IMG_01.JPG")
    path = write_csv(folder / "cases.csv", [case_row(photos="img_01.jpg")])

    report = importing.cases_import(path=path, call=call, actor=None)

    assert report.photo_count == 1


def test_import_missing_header_is_named(folder, call):
    header = [c for c in COLUMNS if c != importing.COL_PHONE]
    path = write_csv(
        folder / "cases.csv", [["甲街道", "标题", "张某某", "摘要", "正文", "", ""]], header=header
    )

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    [message] = exc.value.messages
    assert message.startswith("“cases.csv” lacks the required column(s): 联系电话.")


def test_import_same_case_twice_is_refused(folder, call):
    path = write_csv(folder / "cases.csv", [case_row()])
    importing.cases_import(path=path, call=call, actor=None)

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None)

    assert exc.value.messages == [
        "Row 2, column “案例标题”: This call already has a case with this title from this unit "
        "(number 1); it was not imported twice."
    ]
    assert Case.objects.count() == 1


def test_import_sheet_alone_refuses_photo_paths(folder, call):
    write_photos(folder, "1.jpg")
    path = write_csv(folder / "cases.csv", [case_row(photos="1.jpg")])

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None, photos_allowed=False)

    [message] = exc.value.messages
    assert message.startswith("Row 2, column “图片”: Photos can only be imported from a ZIP")


# ---------------------------------------------------------------- archives


class GbkZipInfo(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Chinese Windows writes it."""

    def _encodeFilenameFlags(self):  # noqa: N802 — zipfile's own (private) name
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_archive_extract_reads_gbk_names_and_skips_macos_files(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(GbkZipInfo("案例/案例表.csv"), "选送单位\n甲街道\n".encode("gb18030"))
        zf.writestr(GbkZipInfo("案例/图片/一.jpg"), jpeg_bytes())
        zf.writestr("__MACOSX/案例/._案例表.csv", b"junk")

    table = importing.archive_extract(archive, tmp_path / "out")

    assert table == tmp_path / "out" / "案例" / "案例表.csv"
    assert (tmp_path / "out" / "案例" / "图片" / "一.jpg").is_file()
    assert not (tmp_path / "out" / "__MACOSX").exists()


@pytest.mark.parametrize("name", ["../evil.csv", "/abs/evil.csv", "a/../../evil.csv"])
def test_archive_extract_refuses_unsafe_paths(tmp_path, name):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(name, "x")

    with pytest.raises(ValidationError) as exc:
        importing.archive_extract(archive, tmp_path / "out")

    assert exc.value.messages == [f"The ZIP file holds an unsafe path: “{name}”."]
    assert not (tmp_path / "evil.csv").exists()


def test_archive_extract_caps_the_unpacked_size(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10_000
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("cases.csv", b"0" * 50_000)

    with pytest.raises(ValidationError) as exc:
        importing.archive_extract(archive, tmp_path / "out")

    assert exc.value.code == "archive"
    assert "unpacks to more than" in exc.value.messages[0]


def test_archive_extract_needs_exactly_one_table(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.xlsx", "y")

    with pytest.raises(ValidationError) as exc:
        importing.archive_extract(archive, tmp_path / "out")

    assert exc.value.messages == [
        "The ZIP file must hold exactly one table (.xlsx or .csv) besides the photos; it holds 2."
    ]


# ---------------------------------------------------------------- the command


def test_command_create_call_archives_a_past_year(folder, organizer):
    write_photos(folder, "图片/1.jpg")
    path = write_csv(
        folder / "2022.csv", [case_row(photos="图片/1.jpg", captions="说明")], encoding="gb18030"
    )
    out = io.StringIO()

    call_command(
        "import_cases",
        str(path),
        "--call",
        "civic-2022",
        "--create-call",
        "2022年度文明城市创建优秀案例征集",
        "--as",
        "organizer",
        stdout=out,
    )

    call = Call.objects.get(slug="civic-2022")
    assert (call.title, call.status) == ("2022年度文明城市创建优秀案例征集", Call.Status.CLOSED)
    assert call.closes_at > call.opens_at
    case = call.cases.get()
    assert (case.title, case.created_by.username, case.photos.count()) == (
        "“口袋公园”点亮老城区",
        "organizer",
        1,
    )
    assert "Imported 1 case(s) with 1 photo(s)" in out.getvalue()


def test_command_imports_a_zip(tmp_path, call):
    archive = tmp_path / "cases.zip"
    table = io.StringIO()
    csv.writer(table).writerows([COLUMNS, case_row(photos="图片/1.jpg")])
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("cases.csv", table.getvalue().encode("utf-8"))
        zf.writestr("图片/1.jpg", jpeg_bytes())

    call_command("import_cases", str(archive), "--call", call.slug, stdout=io.StringIO())

    assert call.cases.get().photos.count() == 1


def test_command_missing_call_slug_is_an_error(folder):
    path = write_csv(folder / "cases.csv", [case_row()])

    with pytest.raises(CommandError, match="No call has the slug “no-such-call”"):
        call_command("import_cases", str(path), "--call", "no-such-call", stdout=io.StringIO())

    assert Case.objects.count() == 0


def test_command_lists_every_row_error_and_leaves_no_new_call(folder):
    path = write_csv(folder / "cases.csv", [case_row(phone="12345"), case_row("二", phone="1")])

    with pytest.raises(CommandError) as exc:
        call_command(
            "import_cases",
            str(path),
            "--call",
            "civic-2021",
            "--create-call",
            "2021",
            stdout=io.StringIO(),
        )

    lines = str(exc.value).splitlines()
    assert lines[0] == "Nothing was imported; 2 problem(s):"
    assert lines[1].startswith("Row 2, column “联系电话”: “12345” is not a valid phone number.")
    assert lines[2].startswith("Row 3, column “联系电话”: “1” is not a valid phone number.")
    assert not Call.objects.filter(slug="civic-2021").exists()


# ---------------------------------------------------------------- the web upload


def zip_upload(name="cases.zip", *, rows, photos=("图片/1.jpg", "图片/2.jpg")):
    table = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(COLUMNS)
    for row in rows:
        wb.active.append(row)
    wb.save(table)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("2026/案例.xlsx", table.getvalue())
        for photo in photos:
            zf.writestr(f"2026/{photo}", jpeg_bytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def upload_and_run(client, call, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:import_start", args=[call.slug]),
            {"file": upload},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:import_status", args=[job.pk])
    progress = client.get(
        reverse("submissions:import_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    return job, json.loads(progress.content)


def test_web_zip_upload_runs_the_job_and_reports_done(
    client, call, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    upload = zip_upload(
        rows=[
            case_row("一", photos="图片/1.jpg；图片/2.jpg", captions="甲；乙"),
            case_row("二", unit="乙街道"),
        ]
    )

    job, data = upload_and_run(client, call, upload, django_capture_on_commit_callbacks)

    assert data == {
        "status": "done",
        "status_display": "Finished",
        "processed": 4,
        "total": 4,
        "percent": 100,
        "errors": [],
        "created_count": 2,
        "finished": True,
        "message": "2 cases were imported.",
    }
    assert (job.original_name, job.created_by, job.finished_at is not None) == (
        "cases.zip",
        organizer,
        True,
    )
    case = Case.objects.get(title="一")
    assert [(p.caption, p.processing) for p in case.photos.all()] == [
        ("甲", Photo.Processing.DONE),
        ("乙", Photo.Processing.DONE),
    ]
    status_page = client.get(reverse("submissions:import_status", args=[job.pk]))
    assert status_page.status_code == 200
    assert (
        f'data-progress-url="{reverse("submissions:import_progress", args=[job.pk])}"'
        in status_page.content.decode()
    )


def test_web_failed_job_lists_the_errors(
    client, call, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    upload = zip_upload(rows=[case_row(photos="图片/1.jpg"), case_row("二", phone="12345")])

    job, data = upload_and_run(client, call, upload, django_capture_on_commit_callbacks)

    assert (data["status"], data["created_count"], data["finished"]) == ("failed", 0, True)
    assert len(data["errors"]) == 1
    assert data["errors"][0].startswith(PHONE_ERROR_START)
    assert (Case.objects.count(), Photo.objects.count()) == (0, 0)


def test_web_sheet_alone_must_not_name_photos(
    client, call, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, case_row(photos="1.jpg")])
    upload = SimpleUploadedFile("cases.csv", buffer.getvalue().encode("gb18030"))

    job, data = upload_and_run(client, call, upload, django_capture_on_commit_callbacks)

    assert data["status"] == "failed"
    assert data["errors"][0].startswith("Row 2, column “图片”: Photos can only be imported")


def test_web_sheet_alone_without_photos_imports(
    client, call, organizer, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, case_row()])
    upload = SimpleUploadedFile("cases.csv", buffer.getvalue().encode("utf-8-sig"))

    job, data = upload_and_run(client, call, upload, django_capture_on_commit_callbacks)

    assert (data["status"], data["created_count"]) == ("done", 1)


def test_web_start_page_and_template(client, call, organizer):
    client.force_login(organizer)

    page = client.get(reverse("submissions:import_start", args=[call.slug]))
    template = client.get(reverse("submissions:import_template", args=[call.slug]))

    assert page.status_code == 200
    assert reverse("submissions:import_template", args=[call.slug]) in page.content.decode()
    assert template.status_code == 200
    assert template["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in wb.worksheets[0][1]] == COLUMNS
    assert all(c.value is None for row in wb.worksheets[0].iter_rows(min_row=2) for c in row)


def test_web_old_xls_upload_is_refused_on_the_form(client, call, organizer):
    client.force_login(organizer)
    upload = SimpleUploadedFile("cases.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    response = client.post(
        reverse("submissions:import_start", args=[call.slug]),
        {"file": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "old Excel 97–2003 (.xls) file" in response.content.decode()
    assert ImportJob.objects.count() == 0


def url_cases(call, job):
    return [
        ("get", reverse("submissions:import_start", args=[call.slug])),
        ("post", reverse("submissions:import_start", args=[call.slug])),
        ("get", reverse("submissions:import_template", args=[call.slug])),
        ("get", reverse("submissions:import_status", args=[job.pk])),
        ("get", reverse("submissions:import_progress", args=[job.pk])),
    ]


@pytest.fixture
def job(call, organizer):
    return ImportJob.objects.create(
        call=call, file="imports/x.csv", original_name="x.csv", created_by=organizer
    )


def test_web_unit_user_gets_403_everywhere(client, call, job, user_a):
    client.force_login(user_a)

    codes = [getattr(client, method)(url).status_code for method, url in url_cases(call, job)]

    assert codes == [403] * 5
    assert ImportJob.objects.count() == 1


def test_web_anonymous_is_sent_to_login(client, call, job):
    login = reverse("accounts:login")

    responses = [getattr(client, method)(url) for method, url in url_cases(call, job)]

    assert [r.status_code for r in responses] == [302] * 5
    assert all(r["Location"].startswith(login + "?next=") for r in responses)


def test_web_unknown_call_or_job_is_404(client, organizer):
    client.force_login(organizer)

    codes = [
        client.get(reverse("submissions:import_start", args=["nope"])).status_code,
        client.get(reverse("submissions:import_progress", args=[999])).status_code,
    ]

    assert codes == [404, 404]


def test_import_unit_name_matches_existing_unit_ignoring_spaces(folder, call):
    UnitFactory(name="某区 市场监管局")
    path = write_csv(folder / "cases.csv", [case_row(unit="某区  市场监管局")])

    report = importing.cases_import(path=path, call=call, actor=None)

    assert report.units_created == []
    assert Unit.objects.count() == 1


def test_import_failing_while_storing_removes_photos_already_stored(folder, call, settings):
    write_photos(folder, "1.jpg", "2.jpg")
    path = write_csv(
        folder / "cases.csv", [case_row("一", photos="1.jpg"), case_row("二", photos="2.jpg")]
    )

    def progress(done, total):
        if done == total // 2:  # validation finished: the second photo vanishes before storing
            (folder / "2.jpg").unlink()

    with pytest.raises(ValidationError) as exc:
        importing.cases_import(path=path, call=call, actor=None, progress=progress)

    assert exc.value.messages == [
        "Row 3, column “图片”: The file “2.jpg” cannot be read: No such file or directory"
    ]
    assert (Case.objects.count(), Photo.objects.count(), Unit.objects.count()) == (0, 0, 0)
    assert media_files(settings) == []
