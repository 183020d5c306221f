"""Exports: the 评分汇总表 (.xlsx from the page and from `manage.py export_results`) holds the
numbers of the stored results and of the page; each judge's score sheet (.xlsx and printable
with a signature line) holds the judge's scores and can be imported back."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from judging import exports, importing
from judging.models import Assignment, Award, Result, Score, ScoreAudit
from judging.services import results as services

from .results_kit import (  # noqa: F401
    page_rows,
    random_rows,
    scored_round,
    sheet_table,
    shown,
    workbook,
)

pytestmark = pytest.mark.django_db

SUMMARY_HEADER_ROW = 3


@pytest.fixture
def awarded(org_client, call):
    """A closed round of 8 cases × 3 judges with results and proposed awards (2 + 3)."""
    call.award_top_n, call.award_excellent_m = 2, 3
    call.save()
    rnd, judges, cases = scored_round(call, random_rows(8, 3, seed=11))
    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))
    assert Award.objects.filter(call=call).count() == 5
    return rnd, judges, cases


def _summary(content: bytes) -> list[dict]:
    wb = workbook(content)
    assert wb.sheetnames == [
        exports.SUMMARY_SHEET,
        exports.DETAIL_SHEET,
        exports.NOTES_SHEET,
        exports.SIGNATURES_SHEET,
    ]
    return sheet_table(wb[exports.SUMMARY_SHEET], SUMMARY_HEADER_ROW)


def _expected_award(case) -> str:
    award = Award.objects.filter(case=case).first()
    return exports.award_text(award)


def test_summary_download_holds_the_stored_results_and_the_page_numbers(org_client, awarded):
    rnd, judges, cases = awarded
    page = org_client.get(reverse("judging:round_results", kwargs={"pk": rnd.pk}))
    shown_rows, shown_order = page_rows(page.content.decode())

    response = org_client.get(reverse("judging:results_export", kwargs={"pk": rnd.pk}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert (
        "filename*=UTF-8''%E8%AF%84%E5%88%86%E6%B1%87%E6%80%BB%E8%A1%A8"
        in response["Content-Disposition"]
    )
    rows = _summary(response.content)
    results = list(
        Result.objects.filter(round=rnd)
        .select_related("case__unit")
        .order_by("rank", "case__number")
    )
    assert [row[exports.COL_CODE] for row in rows] == [r.case.code for r in results] == shown_order
    totals = {(a.judge_id, a.case_id): float(a.total) for a in Assignment.objects.filter(round=rnd)}
    for row, r in zip(rows, results, strict=True):
        # the stored results (floats to Excel's precision: the last binary digit may differ)
        assert (
            row[exports.COL_RANK],
            row[exports.COL_TITLE],
            row[exports.COL_UNIT],
            row[exports.COL_N],
        ) == (r.rank, r.case.title, r.case.unit.name, 3)
        assert (
            row[exports.COL_MEAN],
            row[exports.COL_TRIMMED],
            row[exports.COL_MEDIAN],
            row[exports.COL_ZSCORE],
        ) == pytest.approx((r.mean, r.trimmed_mean, r.median, r.zscore), rel=1e-14, abs=1e-14)
        assert (
            row[exports.COL_RANK_MEAN],
            row[exports.COL_RANK_TRIMMED],
            row[exports.COL_RANK_ZSCORE],
        ) == (r.rank_mean, r.rank_trimmed, r.rank_zscore)
        assert row[exports.COL_CHANGES] == ("是" if r.rank_changes else None)
        assert row[exports.COL_NEAR] == ("是" if r.near_cut else None)
        assert row[exports.COL_TOP_P % 2] == r.top_probability
        assert (row[exports.COL_AWARD] or "") == _expected_award(r.case)
        for judge in judges:
            assert row[judge.name] == totals[(judge.pk, r.case_id)]
        # the page, as shown
        html = shown_rows[r.case.code]
        assert html["mean"] == shown(row[exports.COL_MEAN], 2)
        assert html["trimmed_mean"] == shown(row[exports.COL_TRIMMED], 2)
        assert html["median"] == shown(row[exports.COL_MEDIAN], 2)
        assert html["zscore"] == shown(row[exports.COL_ZSCORE], 3)
        assert html["rank"] == str(row[exports.COL_RANK])
        assert html["judges"] == " ".join(
            f"{j.name}: {row[j.name]:g}" for j in sorted(judges, key=lambda j: j.name)
        )
    assert [row[exports.COL_AWARD] for row in rows[:5]] == ["十佳案例"] * 2 + ["优秀案例"] * 3


def test_summary_detail_sheet_holds_every_criterion_score_and_comment(org_client, awarded):
    rnd, judges, cases = awarded
    a = Assignment.objects.filter(round=rnd).first()
    Assignment.objects.filter(pk=a.pk).update(comment="做法新颖，可推广。")

    content = org_client.get(reverse("judging:results_export", kwargs={"pk": rnd.pk})).content

    detail = sheet_table(workbook(content)[exports.DETAIL_SHEET], 1)
    assert len(detail) == 8 * 3
    criteria = list(rnd.criteria.order_by("position"))
    scores = {
        (s.assignment_id, s.criterion_id): float(s.points)
        for s in Score.objects.filter(assignment__round=rnd)
    }
    names = {j.pk: j.name for j in judges}
    by_key = {(row[exports.COL_CODE], row[exports.COL_JUDGE]): row for row in detail}
    for assignment in Assignment.objects.filter(round=rnd).select_related("case"):
        row = by_key[(assignment.case.code, names[assignment.judge_id])]
        assert [row[c.name] for c in criteria] == [scores[(assignment.pk, c.pk)] for c in criteria]
        assert row[exports.COL_TOTAL] == float(assignment.total)
        assert row[exports.COL_STATUS] == "已提交"
    assert by_key[(a.case.code, names[a.judge_id])][exports.COL_COMMENT] == "做法新颖，可推广。"


def test_summary_lists_a_big_panels_totals_in_one_column(org_client, call, monkeypatch):
    monkeypatch.setattr(exports, "MATRIX_MAX_JUDGES", 2)
    rows = [[(30, 50), (20, 40), (10, 25)], [(40, 60), (35, 55), (5, 5)]]
    rnd, judges, cases = scored_round(call, rows)
    services.results_compute(round=rnd, actor=None)

    wb = workbook(exports.summary_workbook(round=rnd))

    table = sheet_table(wb[exports.SUMMARY_SHEET], SUMMARY_HEADER_ROW)
    assert not {j.name for j in judges} & set(table[0])
    assert {r[exports.COL_CODE]: r[exports.COL_JUDGE_TOTALS] for r in table} == {
        cases[0].code: "专家A 80；专家B 60；专家C 35",
        cases[1].code: "专家A 100；专家B 90；专家C 10",
    }
    notes = [row[0] for row in wb[exports.NOTES_SHEET].iter_rows(values_only=True)]
    assert any("各项评分详见“评分明细”表" in (line or "") for line in notes)


def test_export_results_command_writes_the_summary(call, tmp_path):
    rnd, judges, cases = scored_round(call, random_rows(5, 3, seed=2), commit=False)  # stale
    target = tmp_path / "汇总.xlsx"
    out = io.StringIO()

    call_command("export_results", call=call.slug, round=rnd.number, output=str(target), stdout=out)

    rows = _summary(target.read_bytes())
    results = list(
        Result.objects.filter(round=rnd).select_related("case").order_by("rank", "case__number")
    )
    assert [(row[exports.COL_CODE], row[exports.COL_RANK]) for row in rows] == [
        (r.case.code, r.rank) for r in results
    ]
    assert [
        v
        for row in rows
        for v in (row[exports.COL_MEAN], row[exports.COL_TRIMMED], row[exports.COL_ZSCORE])
    ] == pytest.approx(
        [v for r in results for v in (r.mean, r.trimmed_mean, r.zscore)], rel=1e-14, abs=1e-14
    )
    assert all(row[exports.COL_TOP_P % 10] is not None for row in rows)
    assert "Recomputed the results of 5 case(s)." in out.getvalue()
    assert f"to {target}" in out.getvalue()


def test_export_results_command_errors(call, tmp_path):
    with pytest.raises(CommandError, match="No call has the slug “nope”."):
        call_command("export_results", call="nope", round=1, output=str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="has no round number 3"):
        call_command("export_results", call=call.slug, round=3, output=str(tmp_path / "x.xlsx"))


# ---------------------------------------------------------------------------- per judge


def test_judge_sheet_xlsx_holds_the_judges_scores_and_a_signature_line(org_client, awarded):
    rnd, judges, cases = awarded
    judge = judges[1]

    response = org_client.get(
        reverse("judging:judge_sheet_xlsx", kwargs={"pk": rnd.pk, "judge_pk": judge.pk})
    )

    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    assert ws["A2"].value == f"初评评分表 · 评审专家：{judge.name}"
    assert ws["A3"].value == "满分：创新性40分、实效性60分"
    rows = sheet_table(ws, 4)
    criteria = list(rnd.criteria.order_by("position"))
    assert list(rows[0]) == [
        "序号",
        "案例编号",
        "案例标题",
        "评审专家",
        "创新性",
        "实效性",
        "合计",
        "评语",
    ]  # a blind round: no unit
    assignments = list(
        Assignment.objects.filter(round=rnd, judge=judge)
        .select_related("case")
        .order_by("case__number")
    )
    assert [r["案例编号"] for r in rows] == [a.case.code for a in assignments]
    for row, a in zip(rows, assignments, strict=True):
        given = {s.criterion_id: float(s.points) for s in a.scores.all()}
        assert [row[c.name] for c in criteria] == [given[c.pk] for c in criteria]
        assert row["合计"] == float(a.total)
        assert row["评审专家"] == judge.name
    last = [c.value for c in list(ws.iter_rows())[-1]]
    assert "签名" in last[0]


def test_judge_sheet_names_units_only_in_an_open_round(org_client, call):
    rnd, judges, cases = scored_round(call, random_rows(2, 2), blind=False)

    content = org_client.get(
        reverse("judging:judge_sheet_xlsx", kwargs={"pk": rnd.pk, "judge_pk": judges[0].pk})
    ).content

    rows = sheet_table(workbook(content).worksheets[0], 4)
    assert [r["选送单位"] for r in rows] == [c.unit.name for c in cases]


def test_judge_sheet_printable_page_has_scores_and_signature(org_client, awarded):
    rnd, judges, cases = awarded
    judge = judges[0]

    response = org_client.get(
        reverse("judging:judge_sheet_print", kwargs={"pk": rnd.pk, "judge_pk": judge.pk})
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "评审专家签名：" in html and 'id="signature"' in html
    assert f'<strong id="sheet-judge">{judge.name}</strong>' in html
    rows, order = page_rows(html)
    assignments = list(
        Assignment.objects.filter(round=rnd, judge=judge)
        .select_related("case")
        .order_by("case__number")
    )
    assert order == [a.case.code for a in assignments]
    for a in assignments:
        assert rows[a.case.code]["total"] == f"{a.total.normalize():f}"


def test_judge_sheet_of_a_judge_outside_the_round_is_404(org_client, awarded):
    from .results_kit import panel

    rnd, _judges, _cases = awarded
    outsider = panel(1)[0]

    response = org_client.get(
        reverse("judging:judge_sheet_xlsx", kwargs={"pk": rnd.pk, "judge_pk": outsider.pk})
    )

    assert response.status_code == 404


def test_judge_sheets_page_lists_each_judge_with_both_formats(org_client, awarded):
    rnd, judges, _cases = awarded

    html = org_client.get(reverse("judging:judge_sheets", kwargs={"pk": rnd.pk})).content.decode()

    for judge in judges:
        assert (
            reverse("judging:judge_sheet_xlsx", kwargs={"pk": rnd.pk, "judge_pk": judge.pk}) in html
        )
        assert (
            reverse("judging:judge_sheet_print", kwargs={"pk": rnd.pk, "judge_pk": judge.pk})
            in html
        )


def test_a_filled_in_judge_sheet_imports_back(call, tmp_path):
    """The offline path: download a blank sheet, fill it in, import it."""
    rnd, judges, cases = scored_round(call, random_rows(3, 2), close=False, judges=None)
    judge = judges[0]
    Assignment.objects.filter(round=rnd, judge=judge).update(status="pending", total=None)
    Score.objects.filter(assignment__judge=judge).delete()
    blank = exports.judge_sheet_workbook(exports.judge_sheet(round=rnd, judge=judge))
    wb = workbook(blank)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=5):
        if row[1].value:  # a case row: fill in 创新性, 实效性 and the comment
            row[4].value, row[5].value, row[7].value = 33, 44.0, "线下评审"
    path = tmp_path / "filled.xlsx"
    wb.save(path)

    report = importing.scores_import(round=rnd, source=str(path), actor=None)

    assert report.rows == 3
    mine = Assignment.objects.filter(round=rnd, judge=judge)
    assert (
        sorted((a.status, float(a.total), a.comment) for a in mine)
        == [("submitted", 77.0, "线下评审")] * 3
    )
    assert ScoreAudit.objects.filter(assignment__in=mine, action="import").count() == 3


def test_export_results_command_recomputes_after_the_award_numbers_change(call, tmp_path):
    rnd, _judges, _cases = scored_round(call, random_rows(5, 3, seed=2))
    services.results_compute(round=rnd, actor=None)
    call.award_top_n = 3
    call.save()
    out = io.StringIO()

    call_command(
        "export_results",
        call=call.slug,
        round=rnd.number,
        output=str(tmp_path / "汇总.xlsx"),
        stdout=out,
    )

    assert "Recomputed the results of 5 case(s)." in out.getvalue()
    rnd.refresh_from_db()
    assert rnd.results_top_n == 3
    rows = _summary((tmp_path / "汇总.xlsx").read_bytes())
    assert exports.COL_TOP_P % 3 in rows[0]  # the top-N column follows the call


def test_summary_download_of_stale_results_asks_for_a_recomputation(org_client, call):
    rnd, _j, _c = scored_round(call, random_rows(3, 2, seed=1), commit=False)  # stale

    response = org_client.get(reverse("judging:results_export", kwargs={"pk": rnd.pk}), follow=True)

    results_url = reverse("judging:round_results", kwargs={"pk": rnd.pk})
    assert response.redirect_chain == [(results_url, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The results are out of date: recompute them, then download the table."
    ]
    assert rnd.results.count() == 0  # the download computed nothing
