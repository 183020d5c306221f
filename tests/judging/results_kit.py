"""Builders and readers shared by the results tests: scored rounds (through the services, as
judges and organizers do it) and the numbers a results page or a workbook shows."""

import io
import itertools
import json
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import openpyxl
from django.db import connection

from judging.models import Assignment, Round
from judging.services import rounds
from judging.services.reviews import review_save

from .setupkit import accepted_case, judge_profile, make_round, points_for

_serial = itertools.count(1)


NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def panel(n: int, **kwargs) -> list:
    """`n` judges of the pool named 专家A, 专家B … (unique user names across a test)."""
    judges = []
    for i in range(n):
        serial = next(_serial)
        judges.append(
            judge_profile(f"rj{serial}", name=f"专家{NAMES[i % 26]}{'' if i < 26 else i}", **kwargs)
        )
    return judges


def random_rows(n_cases: int, n_judges: int, *, seed: int = 0) -> list[list[tuple]]:
    """Scores (创新性 of 40, 实效性 of 60) for every judge of every case."""
    rnd = random.Random(seed)
    return [
        [(rnd.randint(10, 40), rnd.randint(20, 60)) for _ in range(n_judges)]
        for _ in range(n_cases)
    ]


def commit_hooks() -> None:
    """Run what the services left for "once the transaction commits" (queuing the results
    task, which runs eagerly in tests), as if each of their transactions had committed: a test
    runs inside one transaction that never does."""
    while connection.run_on_commit:
        pending = list(connection.run_on_commit)
        connection.run_on_commit[:] = []
        for entry in pending:  # (savepoint ids, callback, robust)
            entry[1]()


def scored_round(
    call,
    rows,
    *,
    judges=None,
    name="初评",
    close=True,
    titles=None,
    commit=True,
    actor=None,
    **fields,
):
    """A round with one case per row of `rows`; row[j] is judge j's (创新性, 实效性) or None
    (left unscored). Every judge is assigned every case; reviews are submitted through
    `review_save`; the round is closed unless `close` is False. With `commit` the services'
    transactions commit (`commit_hooks`): the results task computes the results, as a worker
    would; without, the results stay stale. `actor` (the organizer, or None) sets the round up and
    closes it."""
    n_judges = len(rows[0])
    judges = judges or panel(n_judges)
    cases = [
        accepted_case(call, title=(titles[i] if titles else f"案例{next(_serial):03d}"))
        for i in range(len(rows))
    ]
    rnd = make_round(call, judges=judges, cases=cases, name=name, actor=actor, **fields)
    by_pair = {(a.judge_id, a.case_id): a for a in Assignment.objects.filter(round=rnd)}
    for case, row in zip(cases, rows, strict=True):
        for judge, given in zip(judges, row, strict=True):
            if given is None:
                continue
            review_save(
                assignment=by_pair[(judge.pk, case.pk)],
                actor=judge.user,
                points=points_for(rnd, *given),
                submit=True,
            )
    if close:
        rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=actor)
    if commit:
        commit_hooks()
    rnd.refresh_from_db()
    return rnd, judges, cases


def shown(value, places: int) -> str:
    """A float as the page's `floatformat:places` shows it (half up on the decimal repr)."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


class _TableReader(HTMLParser):
    """Rows of a results table: {case code: {data-col: text}} and each row's judge totals."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self._row = None
        self._stack: list[str | None] = []
        self._flags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-case" in attrs:
            self._row = attrs["data-case"]
            self.rows[self._row] = {"flags": ""}
            self.order.append(self._row)
        if self._row is None:
            return
        if tag == "li" and "judges" in self._stack:
            row = self.rows[self._row]
            row["judges"] = row.get("judges", "") + " "
        if "data-flag" in attrs:
            self.rows[self._row]["flags"] += attrs["data-flag"] + " "
        if tag in ("td", "span", "a", "div", "li", "ul"):
            self._stack.append(attrs.get("data-col"))

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
            self._stack = []
        elif (
            self._row is not None and tag in ("td", "span", "a", "div", "li", "ul") and self._stack
        ):
            self._stack.pop()

    def handle_data(self, data):
        if self._row is None:
            return
        for col in reversed(self._stack):
            if col:
                row = self.rows[self._row]
                row[col] = (
                    (row.get(col, "") + data).strip()
                    if col != "judges"
                    else row.get(col, "") + data
                )
                break


def page_rows(html: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    reader = _TableReader()
    reader.feed(html)
    for row in reader.rows.values():
        if "judges" in row:
            row["judges"] = " ".join(row["judges"].split())
    return reader.rows, reader.order


def json_block(html: str, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no json_script block #{element_id}"
    return json.loads(match.group(1))


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content), data_only=True)


def sheet_table(ws, header_row: int) -> list[dict]:
    """The rows below `header_row` as dicts by header (stops at the first empty row)."""
    headers = [c.value for c in ws[header_row]]
    rows = []
    for values in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if not any(v is not None for v in values):
            break
        rows.append(dict(zip(headers, values, strict=False)))
    return rows


def decide_ties(call, actor, *, reason: str = "评审组表决：按案例编号先后") -> int:
    """Record a decision for every tie that an award line splits in the call's last round
    (the tied cases in the order of their codes, by a panel vote), as an organizer does before
    proposing the awards; returns the number of decisions."""
    from judging.models import TieDecision
    from judging.services import ties

    rnd = call.rounds.order_by("-number").first()
    found = ties.undecided_ties(round=rnd)
    numbers = {c.pk: c.number for c in call.cases.all()}
    for tie in found:
        ties.tie_decide(
            round=rnd,
            case_ids=tie.case_ids,
            order=sorted(tie.case_ids, key=numbers.__getitem__),
            method=TieDecision.Method.VOTE,
            vote_count="2:0",
            reason=reason,
            actor=actor,
        )
    return len(found)


def propose_awards(call, actor) -> int:
    """Decide the ties at the award lines (decide_ties), then propose the awards."""
    from judging.services import results

    decide_ties(call, actor)
    return results.awards_propose(call=call, actor=actor)
