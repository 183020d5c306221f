"""The import template of a call: its columns (core, 组别, one per field, photos), the 说明
sheet, data validation, the frozen header; the download and `manage.py import_template`; and a
template filled in like Excel would be imports cleanly."""

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from submissions import importing, importsheet
from submissions.models import CallField, Case

from ..factories import CallFieldFactory, CategoryFactory

pytestmark = pytest.mark.django_db
Kind = CallField.Kind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def fields(call):
    CategoryFactory(call=call, name="城市", position=1)
    CategoryFactory(call=call, name="乡村", position=2)
    return [
        CallFieldFactory(
            call=call,
            kind=Kind.INTEGER,
            label="受益人数",
            required=True,
            min_value=Decimal("0"),
            max_value=Decimal("100000"),
        ),
        CallFieldFactory(call=call, kind=Kind.DECIMAL, label="投入资金（万元）"),
        CallFieldFactory(call=call, kind=Kind.CHOICE, label="所属领域", choices=["教育", "环境"]),
        CallFieldFactory(
            call=call, kind=Kind.MULTI_CHOICE, label="参与方", choices=["社区", "学校", "企业"]
        ),
        CallFieldFactory(call=call, kind=Kind.DATE, label="开始日期"),
        CallFieldFactory(call=call, kind=Kind.DATE_RANGE, label="实施期间"),
        CallFieldFactory(call=call, kind=Kind.URL, label="报道链接"),
        CallFieldFactory(call=call, kind=Kind.LONG_TEXT, label="主要做法"),
    ]


HEADER = [
    "选送单位", "组别", "案例标题", "联系人", "联系电话", "摘要", "正文",
    "受益人数", "投入资金（万元）", "所属领域", "参与方", "开始日期", "实施期间", "报道链接",
    "主要做法", "图片", "图片说明",
]  # fmt: skip


def workbook(call) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(importsheet.template_workbook(call)))


def test_template_has_every_column_with_a_frozen_header(call, fields):
    wb = workbook(call)
    ws = wb.worksheets[0]

    assert [c.value for c in ws[1]] == HEADER
    assert ws.freeze_panes == "A2"
    assert [s.title for s in wb.worksheets if s.sheet_state == "visible"] == ["案例", "说明"]


def test_template_validates_choices_dates_and_numbers(call, fields):
    wb = workbook(call)
    ws = wb.worksheets[0]

    rules = {
        (dv.type, dv.operator, dv.formula1, dv.formula2, str(dv.sqref))
        for dv in ws.data_validations.dataValidation
    }

    assert rules == {
        ("list", None, "'选项'!$A$1:$B$1", None, "B2:B501"),
        ("whole", "between", "0", "100000", "H2:H501"),
        ("decimal", "between", "-9999999999", "9999999999", "I2:I501"),
        ("list", None, "'选项'!$A$2:$B$2", None, "J2:J501"),
        ("date", "between", "1", "2958465", "L2:L501"),
    }
    choices = wb["选项"]
    assert choices.sheet_state == "hidden"
    assert [[c.value for c in row] for row in choices.iter_rows()] == [
        ["城市", "乡村"],
        ["教育", "环境"],
    ]
    assert ws["L2"].number_format == "yyyy-mm-dd"
    assert ws["E2"].number_format == "@"


def test_notes_sheet_explains_each_column(call, fields):
    notes = {
        row[0]: row[1:] for row in workbook(call)["说明"].iter_rows(values_only=True) if row[0]
    }

    assert notes["受益人数"] == ("yes", "A whole number. From 0 to 100000.")
    assert notes["所属领域"] == ("no", "One of the choices. Choices: 教育、环境.")
    assert notes["参与方"] == (
        "no",
        "Choices, one per line (Alt+Enter) or separated by “；”. Choices: 社区、学校、企业.",
    )
    assert notes["实施期间"] == (
        "no",
        "Two dates joined by “~”, e.g. 2026-03-01~2026-06-30.",
    )
    assert notes["组别"][0] == "no"
    assert "城市、乡村" in notes["组别"][1]
    assert [h for h in HEADER if h not in notes] == []


def test_a_filled_in_template_imports_cleanly(tmp_path, call, fields):
    wb = workbook(call)
    ws = wb.worksheets[0]
    values = {
        "选送单位": "甲街道",
        "组别": "乡村",
        "案例标题": "“口袋公园”点亮老城区",
        "联系人": "张某某",
        "联系电话": "010-12345678",
        "摘要": "摘要。",
        "正文": "正文。",
        "受益人数": 1200,
        "投入资金（万元）": 35.5,
        "所属领域": "环境",
        "参与方": "社区\n企业",
        "开始日期": datetime(2026, 3, 1),
        "实施期间": "2026-03-01~2026-06-30",
        "报道链接": "https://example.org/news/1",
        "主要做法": "第一，……\n第二，……",
    }
    for column, value in values.items():
        ws.cell(row=2, column=HEADER.index(column) + 1, value=value)
    path = tmp_path / "filled.xlsx"
    wb.save(path)

    report = importing.cases_import(path=path, call=call, actor=None)

    case = Case.objects.get(pk=report.case_ids[0])
    by_label = {f.label: case.extra.get(f.key) for f in fields}
    assert (case.contact_phone, case.category.name) == ("010-12345678", "乡村")
    assert by_label == {
        "受益人数": 1200,
        "投入资金（万元）": 35.5,
        "所属领域": "环境",
        "参与方": ["社区", "企业"],
        "开始日期": "2026-03-01",
        "实施期间": ["2026-03-01", "2026-06-30"],
        "报道链接": "https://example.org/news/1",
        "主要做法": "第一，……\n第二，……",
    }


def test_a_field_named_like_a_core_column_gets_its_own_header(call):
    field = CallFieldFactory(call=call, label="摘要")

    ws = workbook(call).worksheets[0]

    assert [c.value for c in ws[1]][6:8] == ["摘要（表单）", "图片"]
    assert importing.ImportColumns.of(call).headers == {field.pk: "摘要（表单）"}


def test_download_is_the_same_template(client, call, organizer, fields):
    client.force_login(organizer)

    response = client.get(reverse("submissions:import_template", args=[call.slug]))

    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER


def test_import_page_lists_the_field_columns(client, call, organizer, fields):
    client.force_login(organizer)

    page = client.get(reverse("submissions:import_start", args=[call.slug])).content.decode()

    assert "<code>受益人数</code>" in page
    assert "From 0 to 100000." in page


def test_command_writes_the_template(tmp_path, call, fields):
    target: Path = tmp_path / "模板.xlsx"
    out = io.StringIO()

    call_command("import_template", "--call", call.slug, "-o", str(target), stdout=out)

    ws = openpyxl.load_workbook(target).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert "(8 form field(s))" in out.getvalue()


def test_command_names_an_unknown_call(tmp_path):
    with pytest.raises(CommandError, match="No call has the slug “nope”"):
        call_command("import_template", "--call", "nope", "-o", str(tmp_path / "x.xlsx"))
