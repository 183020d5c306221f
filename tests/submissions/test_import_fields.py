"""The call's own fields in the case import: columns by label (Chinese or English), the rules
of casefields.py for every cell, required fields, FILE fields from the ZIP, categories, the
captions' separators (defect 12), and `import_cases --create-call` with the archive's data."""

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from submissions import importing
from submissions.forms import CallForm
from submissions.models import Attachment, Call, CallField, Case, Photo

from ..factories import CallFieldFactory, CategoryFactory, jpeg_bytes
from .casekit import pdf_bytes

pytestmark = pytest.mark.django_db
Kind = CallField.Kind
CORE = importing.REQUIRED_COLUMNS


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def core(title="“口袋公园”点亮老城区", unit="甲街道"):
    return [unit, title, "张某某", "13812345678", "摘要。", "正文。"]


def write_xlsx(path: Path, header, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run_import(path: Path, call: Call, **kwargs):
    return importing.cases_import(path=path, call=call, actor=None, **kwargs)


@pytest.fixture
def fields(call):
    return {
        "people": CallFieldFactory(
            call=call,
            kind=Kind.INTEGER,
            label="受益人数",
            label_en="Beneficiaries",
            min_value=Decimal("0"),
            max_value=Decimal("100000"),
            required=True,
        ),
        "area": CallFieldFactory(
            call=call, kind=Kind.CHOICE, label="所属领域", choices=["教育", "环境"]
        ),
        "tags": CallFieldFactory(
            call=call, kind=Kind.MULTI_CHOICE, label="参与方", choices=["社区", "学校", "企业"]
        ),
        "start": CallFieldFactory(call=call, kind=Kind.DATE, label="开始日期"),
    }


def test_field_columns_are_stored_in_extra(tmp_path, call, fields):
    path = write_xlsx(
        tmp_path / "cases.xlsx",
        [*CORE, "受益人数", "所属领域", "参与方", "开始日期"],
        [[*core(), 1200, "环境", "学校\n社区", "2026-03-01"]],
    )

    report = run_import(path, call)

    case = Case.objects.get(pk=report.case_ids[0])
    assert case.extra == {
        fields["people"].key: 1200,
        fields["area"].key: "环境",
        fields["tags"].key: ["社区", "学校"],
        fields["start"].key: "2026-03-01",
    }


def test_english_labels_are_read_too(tmp_path, call, fields):
    path = write_xlsx(tmp_path / "cases.xlsx", [*CORE, "Beneficiaries"], [[*core(), "35"]])

    report = run_import(path, call)

    assert Case.objects.get(pk=report.case_ids[0]).extra == {fields["people"].key: 35}


def test_every_bad_cell_is_listed_and_nothing_is_created(tmp_path, call, fields):
    path = write_xlsx(
        tmp_path / "cases.xlsx",
        [*CORE, "受益人数", "所属领域", "参与方", "开始日期"],
        [
            [*core("一"), "很多", "文化", "学校", "明天"],
            [*core("二"), 200000, "教育", "工厂", "2026-02-30"],
            [*core("三"), "", "教育", "", ""],
        ],
    )

    with pytest.raises(ValidationError) as exc:
        run_import(path, call)

    assert exc.value.messages == [
        "Row 2, column “受益人数”: “很多” is not a number.",
        "Row 2, column “所属领域”: “文化” is not one of the choices: 教育、环境.",
        "Row 2, column “开始日期”: “明天” is not a date; write it as 2026-03-01.",
        "Row 3, column “受益人数”: 200000 is above the maximum of 100000.",
        "Row 3, column “参与方”: “工厂” is not one of the choices: 社区、学校、企业.",
        "Row 3, column “开始日期”: “2026-02-30” is not a date; write it as 2026-03-01.",
        "Row 4, column “受益人数”: “Beneficiaries” is required.",
    ]
    assert Case.objects.count() == 0


def test_a_field_only_for_other_categories_must_stay_empty(tmp_path, call):
    rural = CategoryFactory(call=call, name="乡村")
    CategoryFactory(call=call, name="城市")
    field = CallFieldFactory(call=call, label="村名", required=True)
    field.categories.set([rural])
    path = write_xlsx(
        tmp_path / "cases.xlsx",
        [*CORE, "组别", "村名"],
        [[*core("一"), "城市", "某村"], [*core("二"), "乡村", ""], [*core("三"), "海岛", ""]],
    )

    with pytest.raises(ValidationError) as exc:
        run_import(path, call)

    assert exc.value.messages == [
        "Row 2, column “村名”: This field does not ask cases of this category; leave it empty.",
        "Row 3, column “村名”: “村名” is required.",
        "Row 4, column “组别”: “海岛” is not one of the call's categories: 乡村、城市.",
    ]


def test_a_category_column_sets_the_case_category(tmp_path, call):
    rural = CategoryFactory(call=call, name="乡村")
    path = write_xlsx(tmp_path / "cases.xlsx", [*CORE, "组别"], [[*core(), "乡村"]])

    report = run_import(path, call)

    assert Case.objects.get(pk=report.case_ids[0]).category == rural


def zip_with(tmp_path: Path, header, rows, files: dict[str, bytes]) -> Path:
    table = write_xlsx(tmp_path / "cases.xlsx", header, rows)
    archive = tmp_path / "cases.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(table, "cases.xlsx")
        for name, data in files.items():
            zf.writestr(name, data)
    return archive


def test_file_field_takes_the_files_named_in_the_zip(tmp_path, call):
    field = CallFieldFactory(call=call, kind=Kind.FILE, label="申报书", max_value=Decimal("2"))
    archive = zip_with(
        tmp_path,
        [*CORE, "申报书"],
        [[*core(), "附件/申报书.pdf\n附件/补充.pdf"]],
        {"附件/申报书.pdf": pdf_bytes(), "附件/补充.pdf": pdf_bytes()},
    )

    report = importing.cases_import_file(path=archive, call=call, actor=None)

    case = Case.objects.get(pk=report.case_ids[0])
    assert sorted((a.original_name, a.field_id) for a in Attachment.objects.filter(case=case)) == [
        ("申报书.pdf", field.pk),
        ("补充.pdf", field.pk),
    ]


def test_file_field_problems_name_the_row_and_column(tmp_path, call):
    CallFieldFactory(call=call, kind=Kind.FILE, label="申报书", max_value=Decimal("1"))
    archive = zip_with(
        tmp_path,
        [*CORE, "申报书"],
        [[*core("一"), "附件/没有.pdf"], [*core("二"), "附件/a.pdf\n附件/b.pdf"]],
        {"附件/a.pdf": pdf_bytes(), "附件/b.pdf": b"not a pdf"},
    )

    with pytest.raises(ValidationError) as exc:
        importing.cases_import_file(path=archive, call=call, actor=None)

    assert exc.value.messages == [
        "Row 2, column “申报书”: The file “附件/没有.pdf” was not found next to the table.",
        "Row 3, column “申报书”: “b.pdf” is not a PDF or Word file.",
    ]
    assert (Case.objects.count(), Attachment.objects.count()) == (0, 0)


def test_file_field_from_a_table_alone_is_refused(tmp_path, call):
    CallFieldFactory(call=call, kind=Kind.FILE, label="申报书")
    path = write_xlsx(tmp_path / "cases.xlsx", [*CORE, "申报书"], [[*core(), "a.pdf"]])

    with pytest.raises(ValidationError) as exc:
        run_import(path, call, photos_allowed=False)

    assert exc.value.messages == [
        "Row 2, column “申报书”: Files can only be imported from a ZIP file holding the table "
        "and the files. Upload such a ZIP, or leave this column empty."
    ]


# ---------------------------------------------------------------- captions (defect 12)


def photo_zip(tmp_path: Path, photos: str, captions: str, n: int) -> Path:
    files = {f"图片/{i}.jpg": jpeg_bytes(size=(320 + i, 240)) for i in range(1, n + 1)}
    return zip_with(tmp_path, [*importing.COLUMNS], [[*core(), photos, captions]], files)


def captions_of(report) -> list[str]:
    case = Case.objects.get(pk=report.case_ids[0])
    return list(
        Photo.objects.filter(case=case).order_by("position").values_list("caption", flat=True)
    )


def test_a_caption_may_hold_a_chinese_semicolon(tmp_path, call):
    archive = photo_zip(tmp_path, "图片/1.jpg", "志愿者清扫街巷；居民共同参与", 1)

    report = importing.cases_import_file(path=archive, call=call, actor=None)

    assert captions_of(report) == ["志愿者清扫街巷；居民共同参与"]


def test_captions_one_per_line_keep_their_semicolons(tmp_path, call):
    archive = photo_zip(tmp_path, "图片/1.jpg\n图片/2.jpg", "清扫街巷；共同参与\n第二张；特写", 2)

    report = importing.cases_import_file(path=archive, call=call, actor=None)

    assert captions_of(report) == ["清扫街巷；共同参与", "第二张；特写"]


def test_old_semicolon_separator_when_it_gives_one_caption_per_photo(tmp_path, call):
    archive = photo_zip(tmp_path, "图片/1.jpg；图片/2.jpg", "第一张；第二张", 2)

    report = importing.cases_import_file(path=archive, call=call, actor=None)

    assert captions_of(report) == ["第一张", "第二张"]


# ---------------------------------------------------------------- --create-call


def test_create_call_takes_the_archive_dates_host_and_award_numbers(tmp_path):
    path = write_xlsx(tmp_path / "2019.xlsx", list(importing.COLUMNS), [[*core(), "", ""]])

    call_command(
        "import_cases",
        str(path),
        "--call",
        "civic-2019",
        "--create-call",
        "2019年度优秀案例征集",
        "--opens",
        "2019-03-01",
        "--closes",
        "2019-06-30 17:00",
        "--host-line",
        "某区委宣传部 某区文明办",
        "--top-n",
        "8",
        "--excellent-m",
        "15",
        stdout=io.StringIO(),
    )

    call = Call.objects.get(slug="civic-2019")
    assert (
        call.opens_at.isoformat(),
        call.closes_at.isoformat(),
        call.host_line,
        call.award_top_n,
        call.award_excellent_m,
        call.status,
    ) == (
        "2019-02-28T16:00:00+00:00",
        "2019-06-30T09:00:00+00:00",
        "某区委宣传部 某区文明办",
        8,
        15,
        Call.Status.CLOSED,
    )
    form = CallForm(data=_form_data(call), instance=call)
    assert form.is_valid(), form.errors


def _form_data(call: Call) -> dict:
    """What the call's edit page sends back unchanged (dates as its widgets render them)."""
    form = CallForm(instance=call)
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, datetime):
            value = bound.field.widget.format_value(value)
        data[bound.name] = "" if value is None else value
    return data


def test_create_call_defaults_pass_the_call_form(tmp_path):
    path = write_xlsx(tmp_path / "2019.xlsx", list(importing.COLUMNS), [[*core(), "", ""]])

    call_command(
        "import_cases",
        str(path),
        "--call",
        "civic-2018",
        "--create-call",
        "2018",
        stdout=io.StringIO(),
    )

    call = Call.objects.get(slug="civic-2018")
    assert (call.closes_at - call.opens_at).days >= 1
    form = CallForm(data=_form_data(call), instance=call)
    assert form.is_valid(), form.errors


def test_create_call_refuses_a_close_before_the_opening(tmp_path):
    path = write_xlsx(tmp_path / "2019.xlsx", list(importing.COLUMNS), [[*core(), "", ""]])

    with pytest.raises(CommandError, match="closes"):
        call_command(
            "import_cases",
            str(path),
            "--call",
            "civic-2017",
            "--create-call",
            "2017",
            "--opens",
            "2017-06-01",
            "--closes",
            "2017-05-01",
            stdout=io.StringIO(),
        )
    assert not Call.objects.filter(slug="civic-2017").exists()
