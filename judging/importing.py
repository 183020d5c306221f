"""Import of scores given at an offline review meeting (线下评审会): all or nothing.

The table (.xlsx or .csv, read by `core.tabular.read_table`) has one row per judge and
case with the columns

- 评审专家: the judge's name as in the expert pool (or the judge's user name);
- 案例编号 and/or 案例标题: the case's code (`Case.code`, e.g. 3-0007) or its exact title. When
  both are given they must name the same case; the 案例标题 column may also hold a code;
- one column per criterion of the round, named exactly as the criterion, each a score in
  0..maximum on the round's step — every criterion must be scored;
- 评语 (optional): the judge's comment.

Other columns (序号, 选送单位, 合计 …) are ignored, and so are rows whose known columns are all
empty (e.g. the signature line of a per-judge score sheet, which can be imported as it is).

Who may be imported (decided here, shown in the command's help): the judge must be on the
round's panel. A judge who was assigned the case gets the assignment's review replaced; a panel
judge who was not assigned the case gets a new assignment — at a meeting the whole panel often
scores together — unless he or she has a conflict of interest with the case (then the row is an
error, as is a judge who is not on the panel or a case that is not in the round). Imported
reviews are submitted at once (`review_save(..., submit=True, action=IMPORT)`, which also works
in a closed round) and audited; a review submitted earlier is replaced, its former scores kept
in the audit. Nothing is imported once the call's awards are final.

Every problem is reported with the row number the sheet shows and the column; when there is
any, nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core import cache as caches
from core.tabular import TableRow, read_table
from submissions import lifecycle
from submissions.models import Call, Case

from .exports import COL_CODE, COL_COMMENT, COL_JUDGE, COL_TITLE
from .models import Assignment, Criterion, Judge, Round, ScoreAudit
from .services.reviews import points_parse, review_save
from .services.rounds import conflict_pairs

CODE_RE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
MAX_ERRORS = 200  # problems reported at most (the first ones); nothing is imported anyway


@dataclass
class ScoreImportReport:
    rows: int
    created_assignments: int = 0
    replaced: int = 0  # reviews that had been submitted before
    judges: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return "".join(str(text).split())


def _score_problem(value: str, criterion: Criterion, step: Decimal) -> str:
    """Why a typed score was refused (the decision itself is `points_parse`'s)."""
    try:
        number = Decimal(value.replace("，", ".").replace(",", "."))
    except InvalidOperation:
        return _("“%(value)s” is not a number.") % {"value": value}
    if not number.is_finite() or number < 0 or number > criterion.max_points:
        return _("“%(value)s” is not between 0 and %(max)s.") % {
            "value": value,
            "max": f"{criterion.max_points.normalize():f}",
        }
    return _("“%(value)s” is not in steps of %(step)s.") % {
        "value": value,
        "step": f"{step.normalize():f}",
    }


#: (row number, judge, case, points by criterion id, comment) of one score to write.
_Planned = tuple[int, Judge, Case, dict[int, Decimal], str]


class _Lookup:
    """The round's panel and cases, loaded once, matched by name / code / title."""

    def __init__(self, round: Round):
        self.round = round
        panel = list(round.panel.select_related("user"))
        self.panel_ids = {j.pk for j in panel}
        self.by_name: dict[str, list[Judge]] = {}
        self.by_username: dict[str, Judge] = {}
        for judge in panel:
            self.by_name.setdefault(_key(judge.name), []).append(judge)
            self.by_username[judge.user.username.lower()] = judge
        self.pool_names = set(
            Judge.objects.exclude(pk__in=self.panel_ids).values_list("name", flat=True)
        )
        cases = list(Case.objects.filter(round_entries__round=round).select_related("unit"))
        self.case_ids = {c.pk for c in cases}
        self.by_number = {c.number: c for c in cases}
        self.by_title: dict[str, list[Case]] = {}
        for case in cases:
            self.by_title.setdefault(_key(case.title), []).append(case)
        self.assigned = {
            (j, c): pk
            for pk, j, c in Assignment.objects.filter(round=round).values_list(
                "pk", "judge_id", "case_id"
            )
        }
        self.submitted = set(
            Assignment.objects.filter(round=round, status=Assignment.Status.SUBMITTED).values_list(
                "judge_id", "case_id"
            )
        )
        self.conflicts = conflict_pairs(round=round)

    def judge(self, text: str) -> tuple[Judge | None, str]:
        matches = self.by_name.get(_key(text), [])
        if len(matches) == 1:
            return matches[0], ""
        if len(matches) > 1:
            return None, _(
                "%(count)d judges of the panel are called “%(name)s”: write the "
                "judge's user name instead."
            ) % {"count": len(matches), "name": text}
        judge = self.by_username.get(text.strip().lower())
        if judge is not None:
            return judge, ""
        if text.strip() in self.pool_names:
            return None, _("“%(name)s” is not on the panel of this round.") % {"name": text}
        return None, _("No judge of this round's panel is called “%(name)s”.") % {"name": text}

    def case_by_code(self, text: str) -> tuple[Case | None, str]:
        match = CODE_RE.match(text)
        if not match:
            return None, _("“%(code)s” is not a case code such as %(example)s.") % {
                "code": text,
                "example": f"{self.round.call_id}-0007",
            }
        call_id, number = int(match.group(1)), int(match.group(2))
        case = self.by_number.get(number) if call_id == self.round.call_id else None
        if case is None:
            return None, _("No case of this round has the code “%(code)s”.") % {"code": text}
        return case, ""

    def case_by_title(self, text: str) -> tuple[Case | None, str]:
        matches = self.by_title.get(_key(text), [])
        if len(matches) == 1:
            return matches[0], ""
        if len(matches) > 1:
            return None, _(
                "%(count)d cases of this round are titled “%(title)s”: give the "
                "case code in the column 案例编号."
            ) % {"count": len(matches), "title": text}
        if CODE_RE.match(text):
            return self.case_by_code(text)
        return None, _("No case of this round is titled “%(title)s”.") % {"title": text}


def _check_round(round: Round) -> None:
    if not Call.objects.only("status").get(pk=round.call_id).allows(lifecycle.CHANGE_RESULTS):
        raise ValidationError(_("The awards are final and locked."))
    if not round.criteria.exists():
        raise ValidationError(_("The round has no criteria yet."))


def _criteria_of(round: Round, criteria: list[Criterion], case: Case | None) -> list[Criterion]:
    """The criteria a row scores: all of them, or in a round that judges categories separately
    the shared ones and those of the case's category (only the shared ones while the case is
    unknown)."""
    if not round.by_category:
        return criteria
    category_id = case.category_id if case is not None else None
    return [c for c in criteria if c.category_id is None or c.category_id == category_id]


@acts
def scores_import(*, round: Round, source: object, actor: User | None) -> ScoreImportReport:
    """Check every row of the table `source` (a path or a binary file), then import them all
    in one transaction; raises ValidationError listing every problem (nothing written)."""
    _check_round(round)
    criteria = list(round.criteria.order_by("position", "pk"))
    # One column per name: in a round that judges categories separately, two categories may
    # have a criterion of the same name, and a row fills the criteria of its case's category.
    names = list(dict.fromkeys(c.name for c in criteria))
    table = read_table(
        source,
        required=[COL_JUDGE, *names],
        optional=[COL_CODE, COL_TITLE, COL_COMMENT],
        max_lengths={
            COL_JUDGE: 150,
            COL_CODE: 20,
            COL_TITLE: 1000,
            COL_COMMENT: 5000,
            **{name: 20 for name in names},
        },
    )
    present = {_key(h) for h in table.headers}
    has_code, has_title = _key(COL_CODE) in present, _key(COL_TITLE) in present
    if not (has_code or has_title):
        raise ValidationError(
            _("The table needs the column %(code)s or %(title)s to name each case.")
            % {"code": COL_CODE, "title": COL_TITLE}
        )
    lookup = _Lookup(round)
    known = [COL_JUDGE, COL_CODE, COL_TITLE, COL_COMMENT, *names]
    errors: list[str] = []
    planned: list[_Planned] = []
    seen: dict[tuple[int, int], int] = {}

    def problem(row: TableRow, column: str, message: str) -> None:
        errors.append(
            _("Row %(row)d, column “%(column)s”: %(message)s")
            % {"row": row.number, "column": column, "message": message}
        )

    for row in table:
        if not any(row.get(c, "") for c in known):
            continue  # only ignored columns filled in: a note or the signature line
        judge = case = None
        name = row[COL_JUDGE]
        if not name:
            problem(row, COL_JUDGE, _("the judge is missing."))
        else:
            judge, message = lookup.judge(name)
            if message:
                problem(row, COL_JUDGE, message)
        code, title = row.get(COL_CODE, ""), row.get(COL_TITLE, "")
        if code:
            case, message = lookup.case_by_code(code)
            if case is None:  # then the message says why
                problem(row, COL_CODE, message)
            elif title and _key(title) != _key(case.title) and _key(title) != _key(code):
                problem(
                    row,
                    COL_TITLE,
                    _("“%(title)s” is not the title of case %(code)s (“%(real)s”).")
                    % {"title": title, "code": code, "real": case.title},
                )
                case = None
        elif title:
            case, message = lookup.case_by_title(title)
            if message:
                problem(row, COL_TITLE, message)
        else:
            problem(row, COL_CODE if has_code else COL_TITLE, _("the case is missing."))
        points: dict[int, Decimal] = {}
        row_criteria = _criteria_of(round, criteria, case)
        for criterion in row_criteria:
            value = row[criterion.name]
            if not value:
                problem(row, criterion.name, _("the score is missing."))
                continue
            try:
                parsed = points_parse(value, criterion=criterion, step=round.score_step)
                assert parsed is not None  # the value is not empty
                points[criterion.pk] = parsed
            except ValidationError:
                problem(row, criterion.name, _score_problem(value, criterion, round.score_step))
        if judge is None or case is None:
            continue
        pair = (judge.pk, case.pk)
        column = COL_CODE if code else COL_TITLE
        if pair in seen:
            problem(
                row,
                column,
                _("%(judge)s already scored this case in row %(row)d.")
                % {"judge": judge.name, "row": seen[pair]},
            )
            continue
        seen[pair] = row.number
        if pair in lookup.conflicts:
            problem(
                row,
                COL_JUDGE,
                _("%(judge)s has a conflict of interest with “%(title)s” and cannot score it.")
                % {"judge": judge.name, "title": case.title},
            )
            continue
        if len(points) == len(row_criteria):
            planned.append((row.number, judge, case, points, row.get(COL_COMMENT, "")))
    if errors:
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS
            errors = errors[:MAX_ERRORS] + [_("… and %(n)d more problems.") % {"n": more}]
        raise ValidationError(errors)
    return _write(round=round, planned=planned, lookup=lookup, actor=actor, rows=len(planned))


@transaction.atomic
def _write(
    *, round: Round, planned: list[_Planned], lookup: _Lookup, actor: User | None, rows: int
) -> ScoreImportReport:
    # Under the round's lock (finalizing takes it too), the call's state read afresh: scores
    # are never written once the awards are final, even if finalized since the check above.
    Round.objects.select_for_update().filter(pk=round.pk).first()
    _check_round(round)
    report = ScoreImportReport(rows=rows)
    judges: dict[int, str] = {}
    new = [
        Assignment(round=round, judge=judge, case=case)
        for _n, judge, case, _p, _c in planned
        if (judge.pk, case.pk) not in lookup.assigned
    ]
    for assignment in Assignment.objects.bulk_create(new):
        lookup.assigned[(assignment.judge_id, assignment.case_id)] = assignment.pk
    if new:
        caches.judge_queue_changed(round.pk)
    report.created_assignments = len(new)
    for number, judge, case, points, comment in planned:
        pair = (judge.pk, case.pk)
        assignment = Assignment(pk=lookup.assigned[pair])
        try:
            review_save(
                assignment=assignment,
                actor=actor,
                points=points,
                comment=comment,
                submit=True,
                action=ScoreAudit.Action.IMPORT,
                reason=_("Imported from an offline review meeting."),
            )
        except ValidationError as exc:  # not expected after the checks: roll everything back
            raise ValidationError(
                [
                    _("Row %(row)d: %(message)s") % {"row": number, "message": m}
                    for m in exc.messages
                ]
            )
        report.replaced += pair in lookup.submitted
        judges[judge.pk] = judge.name
    report.judges = sorted(judges.values())
    return report


def case_by_code(*, call: Call, code: str) -> Case:
    """The case of `call` with this code (`Case.code`, e.g. 3-0007); ValidationError if none."""
    code = code.strip()
    match = CODE_RE.match(code)
    case = None
    if match and int(match.group(1)) == call.pk:
        case = Case.objects.filter(call=call, number=int(match.group(2))).first()
    if case is None:
        raise ValidationError(
            _("No case of this call has the code “%(code)s”."), params={"code": code}
        )
    return case


def round_by_number(*, slug: str, number: int) -> Round:
    rnd = Round.objects.select_related("call").filter(call__slug=slug, number=number).first()
    if rnd is None:
        if not Call.objects.filter(slug=slug).exists():
            raise ValidationError(_("No call has the slug “%(slug)s”.") % {"slug": slug})
        raise ValidationError(
            _("The call “%(slug)s” has no round number %(n)d.") % {"slug": slug, "n": number}
        )
    return rnd
