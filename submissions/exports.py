"""The organizer's case list of a call as .xlsx (the list's download): the cases the page
lists, with the filters and the sort asked, each with its core columns and one column per
field of the call (`casefields.SheetAnswers`), in a query count that does not grow with the
cases or the fields. Written by `core.spreadsheet` (typed text stays text)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from core.spreadsheet import XlsxBook, styled

from . import casefields
from .models import Call, CallField, Case

COL_CODE = "案例编号"
COL_NUMBER = "序号"
COL_TITLE = "案例标题"
COL_UNIT = "选送单位"
COL_CATEGORY = "组别"
COL_CONTACT = "联系人"
COL_PHONE = "联系电话"
COL_SUMMARY = "摘要"
COL_STATUS = "状态"
COL_REASON = "组织方意见"
COL_PHOTOS = "图片数"
COL_SUBMITTED = "提交时间"
COL_UPDATED = "更新时间"
CORE_COLUMNS = [
    COL_CODE,
    COL_TITLE,
    COL_UNIT,
    COL_CATEGORY,
    COL_CONTACT,
    COL_PHONE,
    COL_SUMMARY,
    COL_STATUS,
    COL_REASON,
    COL_PHOTOS,
    COL_SUBMITTED,
    COL_UPDATED,
]
WIDTHS = [11, 34, 20, 10, 10, 14, 40, 10, 24, 8, 16, 16]
SHEET = "案例列表"
FMT_TIME = "yyyy-mm-dd hh:mm"


def case_list_workbook(*, call: Call, cases: QuerySet[Case], fields: Iterable[CallField]) -> bytes:
    """`cases` (from `selectors.case_list`, with `photo_count`) as .xlsx."""
    rows = list(cases)
    answers = casefields.SheetAnswers(fields, [c.pk for c in rows], reserved=CORE_COLUMNS)
    wb = XlsxBook()
    ws = wb.sheet(SHEET, widths=WIDTHS + [16] * len(answers.headers), freeze="C3")
    ws.append(
        [
            styled(
                f"{call.title} · 案例列表（{len(rows)}件） · "
                f"导出时间：{timezone.localtime().strftime('%Y-%m-%d %H:%M')}",
                bold=True,
            )
        ]
    )
    ws.append([styled(h, bold=True, wrap=True) for h in [*CORE_COLUMNS, *answers.headers]])
    status = dict(Case.Status.choices)
    for case in rows:
        ws.append(
            [
                case.code,
                case.title,
                case.unit.name,
                case.category.name if case.category else "",
                case.contact_name,
                case.contact_phone,
                case.summary,
                str(status.get(case.status, case.status)),
                case.status_reason,
                getattr(case, "photo_count", None),
                styled(case.submitted_at, fmt=FMT_TIME),
                styled(case.updated_at, fmt=FMT_TIME),
                *answers.row(case),
            ]
        )
    return wb.to_bytes()


def case_list_filename(call: Call) -> str:
    return f"案例列表-{call.slug}-{timezone.localtime().strftime('%Y%m%d')}.xlsx"
