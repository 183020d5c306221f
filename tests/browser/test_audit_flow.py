"""The audit trail through a real browser: a unit user edits a case in the browser and a judge
submits scores (through the service); the organizer opens the trail from the navigation menu,
finds both with who did it and the values before → after, narrows the list to one person and
downloads the .xlsx export, which holds the rows the page shows. A unit user has no link to the
trail and is refused at its address.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import re
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from audit.context import acting_as
from judging.models import Assignment
from judging.services import reviews
from submissions.models import Case

from ..factories import CaseFactory
from ..judging.setupkit import accepted_case, judge_profile, make_round, points_for
from .kit import login

pytestmark = pytest.mark.browser

LOG = "/audit/"
EXPORT = "/audit/export.xlsx"
#: Columns of the export (views.COLUMNS): When, Who, Action, What, Object, Field, Before, After,
#: Note, Address.
X_WHEN, X_WHO, X_ACTION, X_KIND, X_OBJECT, X_FIELD, X_BEFORE, X_AFTER, X_NOTE, X_ADDRESS = range(10)


def _log(page) -> list[dict]:
    """The entries of the trail as the browser shows them ("—" of an empty value read as "").

    An entry's changed fields are its row and the rows marked as its own (data-entry-of);
    `aligned` says whether every field's label, before and after start on the same line."""
    return page.eval_on_selector_all(
        "#audit-log tbody tr[data-entry]",
        """rows => rows.map(r => {
             const td = r.querySelectorAll(':scope > td');
             const lines = [r, ...r.parentNode.querySelectorAll(
               `tr[data-entry-of="${r.dataset.entry}"]`)];
             const cells = cls => lines.flatMap(l => Array.from(l.querySelectorAll('.' + cls)));
             const text = c => { const t = c.innerText.trim(); return t === '—' ? '' : t; };
             const own = cell => Array.from(cell.childNodes)
               .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim();
             const [fields, before, after] = ['audit-field', 'audit-before', 'audit-after']
               .map(cells);
             const top = c => Math.round(c.getBoundingClientRect().top);
             const address = td[1].querySelector('div');
             const note = td[3].querySelector('div.fst-italic');
             return {
               entry: Number(r.dataset.entry), when: td[0].innerText.trim(), who: own(td[1]),
               address: address ? address.innerText.trim() : '', action: td[2].innerText.trim(),
               kind: td[3].querySelector('div.text-muted').innerText.trim(), object: own(td[3]),
               note: note ? note.innerText.trim() : '', fields: fields.map(text),
               before: before.map(text), after: after.map(text),
               aligned: fields.length === before.length && fields.length === after.length
                 && fields.every((f, i) => top(f) === top(before[i]) && top(f) === top(after[i])),
             };
           })""",
    )


def _pairs(row) -> list[tuple[str, str]]:
    assert len(row["fields"]) == len(row["before"]) == len(row["after"])
    return list(zip(row["before"], row["after"], strict=True))


def test_organizer_reads_filters_and_exports_the_trail(
    browsing, screenshot, live_server, call, unit_a, user_a, organizer, tmp_path
):
    base = live_server.url
    case = CaseFactory(call=call, unit=unit_a, title="原标题", created_by=user_a)
    judge = judge_profile("j1", name="张教授")
    scored = accepted_case(call, title="斑马线前的礼让")
    rnd = make_round(call, judges=[judge], blind=True)
    assignment = Assignment.objects.get(round=rnd, judge=judge)
    with acting_as(judge.user):
        reviews.review_save(
            assignment=assignment,
            actor=judge.user,
            points=points_for(rnd, "35", "50"),
            comment="做法扎实",
            submit=True,
        )

    # ---- the unit user edits the case in the browser, has no link to the trail, is refused
    unit = browsing.new_page()
    login(unit, base, user_a.username)
    unit.goto(f"{base}/collect/cases/{case.pk}/edit/")
    unit.fill("#id_title", "改后的标题")
    with unit.expect_navigation():
        unit.click("#case-form button[name=save]")
    unit.wait_for_url(re.compile(rf"/collect/cases/{case.pk}/edit/$"))
    assert Case.objects.get(pk=case.pk).title == "改后的标题"
    assert unit.locator("#nav a[href='/collect/cases/']").count() == 1  # the unit's own menu
    assert unit.locator(f"a[href='{LOG}']").count() == 0
    for url in (LOG, EXPORT):
        response = unit.goto(f"{base}{url}")
        assert response.status == 403, url
        assert unit.locator("#audit-log").count() == 0

    # ---- the organizer opens the trail from the navigation menu
    org = browsing.new_page()
    login(org, base, organizer.username)
    with org.expect_navigation():
        org.click(f"#nav a[href='{LOG}']")
    assert org.url == f"{base}{LOG}"
    everything = _log(org)
    total = LogEntry.objects.count()
    assert total <= 50, "the setup must fit on one page"
    assert [r["entry"] for r in everything] == list(
        LogEntry.objects.order_by("-timestamp", "-id").values_list("pk", flat=True)
    )

    # the unit user's edit: who, the case, the title before → after, from the browser's address
    [edit] = [r for r in everything if r["who"].endswith(f"({user_a.username})")]
    assert edit["who"] == f"{user_a.full_name} ({user_a.username})"
    assert edit["object"] == "改后的标题"
    assert ("原标题", "改后的标题") in _pairs(edit)
    assert edit["address"] == "127.0.0.1"
    # the judge's submitted scores: each criterion from nothing to its points
    [review] = [r for r in everything if r["who"].endswith(f"({judge.user.username})")]
    assert review["who"] == f"{judge.user.full_name} ({judge.user.username})"
    assert review["object"] == f"张教授 · {scored.code} 斑马线前的礼让 · {rnd.name}"
    pairs = _pairs(review)
    assert ("", "35") in pairs and ("", "50") in pairs and ("", "85") in pairs  # and the total
    assert ("", "做法扎实") in pairs
    assert len(everything) > 2  # the setup's entries too (the call, the round …)
    # long values wrap (the round's and cases' creation): each field stays level with its values
    assert [r["entry"] for r in everything if not r["aligned"]] == []
    screenshot(org, "audit-01-trail")

    # ---- narrows the list to the unit user
    org.fill("#id_actor", user_a.username)
    with org.expect_navigation():
        org.click("form[role=search] button[type=submit]")
    assert f"actor={user_a.username}" in org.url
    mine = _log(org)
    assert [r["entry"] for r in mine] == [edit["entry"]]
    assert len(mine) < len(everything)
    assert re.search(r"\b1\b", org.locator("#audit-count").inner_text())

    # ... and, by kind, to the reviews
    org.fill("#id_actor", "")
    kind = ContentType.objects.get_for_model(Assignment).pk
    org.select_option("#id_kind", str(kind))
    with org.expect_navigation():
        org.click("form[role=search] button[type=submit]")
    by_kind = _log(org)
    assert [r["entry"] for r in by_kind] == list(
        LogEntry.objects.filter(content_type_id=kind)
        .order_by("-timestamp", "-id")
        .values_list("pk", flat=True)
    )
    assert review["entry"] in {r["entry"] for r in by_kind}
    assert len(by_kind) < len(everything)
    assert {r["kind"] for r in by_kind} == {review["kind"]}
    screenshot(org, "audit-02-filtered")

    # ---- downloads the export of what the page shows (the filter goes with it)
    href = urlsplit(org.get_attribute("#audit-export", "href"))
    assert href.path == EXPORT
    assert dict(parse_qsl(href.query)) == {"kind": str(kind)}  # blanks dropped
    with org.expect_download() as download_info:
        org.click("#audit-export")
    download = download_info.value
    assert re.fullmatch(r"audit-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = openpyxl.load_workbook(target, read_only=True).active
    header, *lines = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert len(header) == 10
    assert len(lines) == len(by_kind)
    for shown, line in zip(by_kind, lines, strict=True):
        assert line[X_WHEN] == shown["when"]
        assert line[X_WHO] == shown["who"]
        assert line[X_ACTION] == shown["action"]
        assert line[X_KIND] == shown["kind"]
        assert line[X_OBJECT] == shown["object"]
        assert line[X_FIELD].split("\n") == shown["fields"] or (
            line[X_FIELD] == "" and shown["fields"] == []
        )
        if shown["fields"]:
            assert line[X_BEFORE].split("\n") == shown["before"]
            assert line[X_AFTER].split("\n") == shown["after"]
        assert line[X_NOTE] == shown["note"]
        assert line[X_ADDRESS] == shown["address"]
    exported_review = lines[[r["entry"] for r in by_kind].index(review["entry"])]
    assert "35" in exported_review[X_AFTER].split("\n")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
