"""Import of scores from an offline review meeting (`manage.py import_scores` and the upload
page): .xlsx and GB18030 .csv, all or nothing, errors naming row and column, who may be
imported, the audit, and the lock after finalization."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from judging import importing
from judging.models import Assignment, Round, Score, ScoreAudit
from judging.services import rounds
from submissions.models import Call

from ..factories import ConflictFactory
from .results_kit import panel, scored_round  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = ["序号", "评审专家", "案例标题", "创新性", "实效性", "评语"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def meeting(call):
    """A closed round: 3 cases, a panel of 3 judges who have not scored anything yet."""
    rnd, judges, cases = scored_round(call, [[None] * 3] * 3)
    assert rnd.status == Round.Status.CLOSED
    return rnd, judges, cases


def write_xlsx(path, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年度线下评审会评分表"])  # a title row above the header, as people do
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_csv(path, rows, header=HEADER, encoding="gb18030"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def full_rows(judges, cases, *, by="title"):
    rows = []
    for i, case in enumerate(cases):
        for j, judge in enumerate(judges):
            ref = case.title if by == "title" else case.code
            rows.append(
                [len(rows) + 1, judge.name, ref, 20 + i + j, 30 + 2 * i, f"{judge.name}评语"]
            )
    return rows


def _state(rnd):
    return sorted(
        Assignment.objects.filter(round=rnd).values_list("judge_id", "case_id", "status", "total")
    )


def test_good_xlsx_imports_every_row_as_submitted_reviews(meeting, tmp_path, organizer):
    rnd, judges, cases = meeting
    path = write_xlsx(tmp_path / "meeting.xlsx", full_rows(judges, cases))

    report = importing.scores_import(round=rnd, source=str(path), actor=organizer)

    assert (report.rows, report.created_assignments, report.replaced) == (9, 0, 0)
    assert report.judges == sorted(j.name for j in judges)
    for i, case in enumerate(cases):
        for j, judge in enumerate(judges):
            a = Assignment.objects.get(round=rnd, judge=judge, case=case)
            assert (a.status, a.total, a.comment) == (
                "submitted",
                50 + 3 * i + j,
                f"{judge.name}评语",
            )
            assert sorted(
                Score.objects.filter(assignment=a).values_list("points", flat=True)
            ) == sorted([20 + i + j, 30 + 2 * i])
    audits = ScoreAudit.objects.filter(assignment__round=rnd)
    assert set(audits.values_list("action", flat=True)) == {"import"}
    assert set(audits.values_list("actor", flat=True)) == {organizer.pk}
    assert Round.objects.get(pk=rnd.pk).results_computed_at is None  # results to recompute


def test_good_gb18030_csv_with_case_codes_imports(meeting, tmp_path):
    rnd, judges, cases = meeting
    header = ["评审专家", "案例编号", "创新性", "实效性", "评语"]
    rows = [[r[1], r[2], r[3], r[4], r[5]] for r in full_rows(judges, cases, by="code")]
    path = write_csv(tmp_path / "meeting.csv", rows, header=header)
    assert path.read_bytes().decode("gb18030").startswith("评审专家")

    report = importing.scores_import(round=rnd, source=str(path), actor=None)

    assert report.rows == 9
    assert Assignment.objects.filter(round=rnd, status="submitted").count() == 9


def test_judge_by_user_name_and_half_points(call, tmp_path):
    rnd, judges, cases = scored_round(call, [[None, None]], step="0.5")
    path = write_xlsx(
        tmp_path / "x.xlsx",
        [
            [1, judges[0].user.username, cases[0].title, "35.5", 50, ""],
            [2, judges[1].name, cases[0].code, 20, "40.5", ""],
        ],
    )

    importing.scores_import(round=rnd, source=str(path), actor=None)

    assert sorted(Assignment.objects.filter(round=rnd).values_list("total", flat=True)) == [
        Decimal("60.5"),
        Decimal("85.5"),
    ]


@pytest.mark.parametrize(
    "bad, column, problem",
    [
        ({"实效性": 61}, "实效性", "“61” is not between 0 and 60."),
        ({"创新性": -1}, "创新性", "“-1” is not between 0 and 40."),
        ({"创新性": "好"}, "创新性", "“好” is not a number."),
        ({"创新性": 20.5}, "创新性", "“20.5” is not in steps of 1."),
        ({"实效性": None}, "实效性", "the score is missing."),
        ({"评审专家": "李四"}, "评审专家", "No judge of this round's panel is called “李四”."),
        (
            {"案例标题": "不存在的案例"},
            "案例标题",
            "No case of this round is titled “不存在的案例”.",
        ),
        ({"案例标题": "1-9999"}, "案例标题", "No case of this round has the code “1-9999”."),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_and_column(
    meeting, tmp_path, bad, column, problem
):
    rnd, judges, cases = meeting
    rows = full_rows(judges, cases)
    row = dict(zip(HEADER, rows[4], strict=True))
    row.update(bad)
    rows[4] = [row[h] for h in HEADER]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = _state(rnd)

    with pytest.raises(ValidationError) as exc:
        importing.scores_import(round=rnd, source=str(path), actor=None)

    # The header is on sheet row 2 (a title row above it): data row 5 is sheet row 7.
    assert exc.value.messages == [f"Row 7, column “{column}”: {problem}"]
    assert _state(rnd) == before
    assert not ScoreAudit.objects.filter(assignment__round=rnd).exists()


def test_every_problem_is_listed(meeting, tmp_path):
    rnd, judges, cases = meeting
    rows = full_rows(judges, cases)
    rows[0][3] = 99
    rows[2][1] = "无名氏"
    rows.append(list(rows[1]))  # the same judge and case twice
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    with pytest.raises(ValidationError) as exc:
        importing.scores_import(round=rnd, source=str(path), actor=None)

    assert exc.value.messages == [
        "Row 3, column “创新性”: “99” is not between 0 and 40.",
        "Row 5, column “评审专家”: No judge of this round's panel is called “无名氏”.",
        f"Row 12, column “案例标题”: {judges[1].name} already scored this case in row 4.",
    ]


def test_judge_outside_the_panel_is_refused(meeting, tmp_path):
    rnd, judges, cases = meeting
    stranger = panel(1)[0]
    stranger.name = "外聘专家"
    stranger.save()
    path = write_xlsx(tmp_path / "x.xlsx", [[1, "外聘专家", cases[0].title, 20, 30, ""]])

    with pytest.raises(ValidationError) as exc:
        importing.scores_import(round=rnd, source=str(path), actor=None)

    assert exc.value.messages == [
        "Row 3, column “评审专家”: “外聘专家” is not on the panel of this round."
    ]


def test_unassigned_panel_judge_gets_an_assignment(call, tmp_path):
    """Documented decision: a panel judge may score a case he or she was not assigned."""
    from .setupkit import accepted_case, make_round

    judges = panel(3)
    cases = [accepted_case(call) for _ in range(2)]
    rnd = make_round(call, judges=judges, cases=cases, mode=Round.Mode.BALANCED, k=2)
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    assigned = set(Assignment.objects.filter(round=rnd).values_list("judge_id", "case_id"))
    missing = [(j, c) for j in judges for c in cases if (j.pk, c.pk) not in assigned]
    assert len(missing) == 2
    judge, case = missing[0]
    path = write_xlsx(tmp_path / "x.xlsx", [[1, judge.name, case.title, 30, 40, "会上补评"]])

    report = importing.scores_import(round=rnd, source=str(path), actor=None)

    assert report.created_assignments == 1
    a = Assignment.objects.get(round=rnd, judge=judge, case=case)
    assert (a.status, a.total, a.comment) == ("submitted", 70, "会上补评")


def test_conflicted_judge_is_refused(meeting, tmp_path):
    rnd, judges, cases = meeting
    ConflictFactory(judge=judges[0], case=cases[1], reason="曾参与该项目")
    path = write_xlsx(tmp_path / "x.xlsx", [[1, judges[0].name, cases[1].title, 30, 40, ""]])

    with pytest.raises(ValidationError) as exc:
        importing.scores_import(round=rnd, source=str(path), actor=None)

    assert exc.value.messages == [
        f"Row 3, column “评审专家”: {judges[0].name} has a conflict of interest with "
        f"“{cases[1].title}” and cannot score it."
    ]


def test_reimport_replaces_submitted_reviews_and_keeps_the_former_in_the_audit(meeting, tmp_path):
    rnd, judges, cases = meeting
    first = write_xlsx(tmp_path / "1.xlsx", [[1, judges[0].name, cases[0].title, 10, 10, ""]])
    importing.scores_import(round=rnd, source=str(first), actor=None)
    second = write_xlsx(tmp_path / "2.xlsx", [[1, judges[0].name, cases[0].title, 30, 50, ""]])

    report = importing.scores_import(round=rnd, source=str(second), actor=None)

    assert report.replaced == 1
    a = Assignment.objects.get(round=rnd, judge=judges[0], case=cases[0])
    assert a.total == 80
    last = ScoreAudit.objects.filter(assignment=a).order_by("-id").first()
    assert (Decimal(last.before["total"]), Decimal(last.after["total"])) == (20, 80)


def test_missing_case_columns_and_criteria(meeting, tmp_path):
    rnd, judges, cases = meeting
    no_case = write_xlsx(
        tmp_path / "a.xlsx", [[judges[0].name, 1, 2]], header=["评审专家", "创新性", "实效性"]
    )
    no_criterion = write_xlsx(
        tmp_path / "b.xlsx",
        [[judges[0].name, cases[0].title, 1]],
        header=["评审专家", "案例标题", "创新性"],
    )

    with pytest.raises(ValidationError, match="needs the column 案例编号 or 案例标题"):
        importing.scores_import(round=rnd, source=str(no_case), actor=None)
    with pytest.raises(ValidationError, match="实效性"):
        importing.scores_import(round=rnd, source=str(no_criterion), actor=None)


def test_final_call_refuses_imports(meeting, tmp_path):
    rnd, judges, cases = meeting
    Call.objects.filter(pk=rnd.call_id).update(status=Call.Status.FINAL)
    path = write_xlsx(tmp_path / "x.xlsx", full_rows(judges, cases))

    with pytest.raises(ValidationError, match="The awards are final and locked."):
        importing.scores_import(round=rnd, source=str(path), actor=None)
    assert not Assignment.objects.filter(round=rnd, status="submitted").exists()


# ---------------------------------------------------------------------------- the command


def test_import_scores_command(meeting, tmp_path, organizer):
    rnd, judges, cases = meeting
    path = write_xlsx(tmp_path / "meeting.xlsx", full_rows(judges, cases))
    out = io.StringIO()

    call_command(
        "import_scores",
        str(path),
        call=rnd.call.slug,
        round=rnd.number,
        username=organizer.username,
        stdout=out,
    )

    assert "Imported 9 row(s) as submitted reviews" in out.getvalue()
    assert Assignment.objects.filter(round=rnd, status="submitted").count() == 9
    assert set(
        ScoreAudit.objects.filter(assignment__round=rnd).values_list("actor", flat=True)
    ) == {organizer.pk}


def test_import_scores_command_bad_row_is_a_command_error(meeting, tmp_path):
    rnd, judges, cases = meeting
    rows = full_rows(judges, cases)
    rows[8][4] = 70
    path = write_csv(tmp_path / "meeting.csv", rows)

    with pytest.raises(CommandError) as exc:
        call_command("import_scores", str(path), call=rnd.call.slug, round=rnd.number)

    assert str(exc.value) == (
        "Nothing was imported; 1 problem(s):\n"
        "Row 10, column “实效性”: “70” is not between 0 and 60."
    )
    assert not Assignment.objects.filter(round=rnd, status="submitted").exists()


def test_import_scores_command_unknown_round(call, tmp_path):
    with pytest.raises(CommandError, match="has no round number 4"):
        call_command("import_scores", str(tmp_path / "x.csv"), call=call.slug, round=4)


# ---------------------------------------------------------------------------- the page


def test_upload_page_imports_and_lists_problems(client, organizer, meeting, tmp_path):
    rnd, judges, cases = meeting
    client.force_login(organizer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("judging:results_import", kwargs={"pk": rnd.pk})
    rows = full_rows(judges, cases)
    good = write_xlsx(tmp_path / "good.xlsx", rows).read_bytes()
    rows[0][2] = "不存在的案例"
    bad = write_xlsx(tmp_path / "bad.xlsx", rows).read_bytes()

    refused = client.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)})
    assert refused.status_code == 400
    assert (
        "Row 3, column “案例标题”: No case of this round is titled “不存在的案例”."
        in refused.content.decode()
    )
    assert not Assignment.objects.filter(round=rnd, status="submitted").exists()

    done = client.post(url, {"file": SimpleUploadedFile("good.xlsx", good)})

    assert done.status_code == 302
    assert done["Location"] == reverse("judging:round_results", kwargs={"pk": rnd.pk})
    assert Assignment.objects.filter(round=rnd, status="submitted").count() == 9
