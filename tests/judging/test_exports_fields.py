"""The call's own fields in the judging exports: the 评分汇总表 (the organizer's) has every
field; a judge's score sheet only the fields judges see, without the masked ones in a blind
round; query counts do not grow with fields or cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from judging import exports
from judging.models import Round
from submissions.models import CallField

from ..factories import CallFieldFactory
from ..submissions.casekit import attachment_add
from .results_kit import random_rows, scored_round, sheet_table, workbook

pytestmark = pytest.mark.django_db
Kind = CallField.Kind


def add_fields(call):
    return {
        "people": CallFieldFactory(call=call, kind=Kind.INTEGER, label="受益人数"),
        "tags": CallFieldFactory(
            call=call, kind=Kind.MULTI_CHOICE, label="参与方", choices=["社区", "学校"]
        ),
        "contact": CallFieldFactory(call=call, label="街道书记", blind_mask=True),
        "internal": CallFieldFactory(call=call, label="内部备注", judges_see=False),
        "file": CallFieldFactory(call=call, kind=Kind.FILE, label="申报书"),
    }


def answer(case, fields):
    case.extra = {
        fields["people"].key: 1200,
        fields["tags"].key: ["社区", "学校"],
        fields["contact"].key: "王某某",
        fields["internal"].key: "备注",
    }
    case.save(update_fields=["extra"])
    attachment = attachment_add(case, name="申报书.pdf")
    attachment.field = fields["file"]
    attachment.save()


def test_summary_has_every_field_after_the_core_columns(call):
    fields = add_fields(call)
    rnd, _judges, cases = scored_round(call, random_rows(2, 2, seed=3), blind=False)
    answer(cases[0], fields)

    wb = workbook(exports.summary_workbook(round=rnd))

    ws = wb[exports.SUMMARY_SHEET]
    header = [c.value for c in ws[3]]
    assert header[-6:] == [
        exports.COL_AWARD,
        "受益人数",
        "参与方",
        "街道书记",
        "内部备注",
        "申报书",
    ]
    rows = {r[exports.COL_CODE]: r for r in sheet_table(ws, 3)}
    first = rows[cases[0].code]
    assert [first[h] for h in header[-5:]] == [1200, "社区\n学校", "王某某", "备注", "申报书.pdf"]
    assert rows[cases[1].code]["受益人数"] is None


@pytest.mark.parametrize("blind", [True, False])
def test_judge_sheet_has_only_what_judges_see(call, blind):
    fields = add_fields(call)
    rnd, judges, cases = scored_round(call, random_rows(1, 1), blind=blind)
    answer(cases[0], fields)

    sheet = exports.judge_sheet(round=rnd, judge=judges[0])
    ws = workbook(exports.judge_sheet_workbook(sheet)).worksheets[0]

    header = [c.value for c in ws[4]]
    expected = (
        ["受益人数", "参与方", "申报书"] if blind else ["受益人数", "参与方", "街道书记", "申报书"]
    )
    assert header[-len(expected) :] == expected
    assert header[: header.index(exports.COL_COMMENT) + 1] == sheet.headers
    row = sheet_table(ws, 4)[0]
    assert row["受益人数"] == 1200
    assert ("王某某" in [row.get(h) for h in header]) is not blind
    assert "内部备注" not in header


def _queries(fn, rnd) -> int:
    """Queries of `fn(round)`, for the round as a view loads it (nothing cached on it)."""
    fresh = Round.objects.get(pk=rnd.pk)
    with CaptureQueriesContext(connection) as ctx:
        fn(fresh)
    return len(ctx.captured_queries)


def summary(rnd) -> None:
    exports.summary_workbook(round=rnd)


def add_mixed_fields(call, start: int, n: int) -> None:
    for i in range(start, start + n):
        kind = [Kind.INTEGER, Kind.TEXT, Kind.FILE, Kind.MULTI_CHOICE][i % 4]
        CallFieldFactory(call=call, kind=kind, label=f"字段{i}", choices=["甲", "乙"])


def test_query_counts_do_not_grow_with_fields_or_cases(call):
    small, judges_s, _ = scored_round(call, random_rows(1, 2), blind=False)
    big, judges_b, _ = scored_round(call, random_rows(12, 2, seed=5), name="复评", blind=False)
    add_mixed_fields(call, 0, 4)
    four = _queries(summary, big)
    add_mixed_fields(call, 4, 16)

    counts = [_queries(summary, small), _queries(summary, big)]
    sheet_counts = [
        _queries(lambda r: exports.judge_sheet(round=r, judge=judges_s[0]), small),
        _queries(lambda r: exports.judge_sheet(round=r, judge=judges_b[0]), big),
    ]

    assert counts == [four, four]
    assert sheet_counts[0] == sheet_counts[1]
