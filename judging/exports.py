"""Excel files of a round's results: the 评分汇总表 and each judge's score sheet.

Used by the results pages (downloads, the printable sheet) and by `manage.py export_results`,
so a file always holds the numbers the page shows: both read the stored `Result` rows and the
submitted reviews. Column headers are the fixed Chinese names of the paper forms; a judge's
score sheet uses the columns `import_scores` reads (评审专家, 案例编号, 案例标题, one column per
criterion, 评语), so a sheet filled in at an offline meeting can be imported as it is.

Workbooks are written by `core.spreadsheet` (streamed, so a round of 10,000 cases exports in
seconds and little memory), which stores what users typed as text, never as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from core.spreadsheet import XlsxBook, styled
from core.text import sheet_title
from submissions import casefields
from submissions.models import Case

from . import selectors
from .models import (
    Assignment,
    Award,
    Criterion,
    Judge,
    Result,
    ResultSignature,
    Round,
    Score,
)

COL_NO = "序号"
COL_RANK = "排名"
COL_CODE = "案例编号"
COL_TITLE = "案例标题"
COL_UNIT = "选送单位"
COL_JUDGE = "评审专家"
COL_TOTAL = "合计"
COL_COMMENT = "评语"
COL_STATUS = "状态"
COL_N = "评审人数"
COL_JUDGE_TOTALS = "各评审专家总分"
COL_MEAN = "平均分"
COL_TRIMMED = "去掉最高最低分平均分"
COL_MEDIAN = "中位数"
COL_ZSCORE = "标准分(Z)"
COL_RANK_MEAN = "平均分排名"
COL_RANK_TRIMMED = "去极值平均分排名"
COL_RANK_ZSCORE = "标准分排名"
COL_CHANGES = "排名随方法变化"
COL_NEAR = "分数线处并列"
COL_TOP_P = "入选前%d名概率"
COL_AWARD = "奖项"
COL_CATEGORY = "组别"

SUMMARY_SHEET = "评分汇总表"
DETAIL_SHEET = "评分明细"
NOTES_SHEET = "说明"
SIGNATURE = "评审专家签名：________________        日期：______年____月____日"
SIGNATURES_SHEET = "签字确认"
ROLE_TEXT: dict[str, str] = {"judge": "评审专家", "leader": "评审组长", "supervisor": "监督人"}
STATE_TEXT: dict[str, str] = {
    "signed": "已签字",
    "refused": "拒绝签字（有不同意见）",
    "deemed": "逾期未签，视为同意",
}

LEVEL_TEXT: dict[str, str] = {Award.Level.TOP: "十佳案例", Award.Level.EXCELLENT: "优秀案例"}
RULE_TEXT: dict[str, str] = {
    Round.Rule.MEAN: "平均分",
    Round.Rule.TRIMMED: "去掉一个最高分和一个最低分后的平均分",
    Round.Rule.ZSCORE: "按评审专家标准化后的标准分(Z)",
}
STATUS_TEXT: dict[str, str] = {
    Assignment.Status.PENDING: "未开始",
    Assignment.Status.DRAFT: "草稿",
    Assignment.Status.SUBMITTED: "已提交",
}
#: Above this many judges the summary leaves out the judge × case matrix (the detail sheet and
#: the per-judge sheets still hold every score).
MATRIX_MAX_JUDGES = 30

FMT_MEAN = "0.00"
FMT_Z = "0.000"
FMT_PERCENT = "0%"


def _unique_names(judges: list[Judge]) -> dict[int, str]:
    """Column headers for judges: the name, with （2） etc. when two judges share a name."""
    seen: dict[str, int] = {}
    names = {}
    for judge in judges:
        n = seen[judge.name] = seen.get(judge.name, 0) + 1
        names[judge.pk] = judge.name if n == 1 else f"{judge.name}（{n}）"
    return names


def award_text(award: Award | None) -> str:
    if award is None:
        return ""
    return LEVEL_TEXT.get(award.level, award.level) + ("（调整）" if award.adjusted else "")


def _award(result: Result) -> Award | None:
    try:
        return result.case.award
    except Award.DoesNotExist:
        return None


# --------------------------------------------------------------------------- 评分汇总表


def summary_headers(*, round: Round, judge_columns: list[str]) -> list[str]:
    return [
        COL_RANK,
        *([COL_CATEGORY] if round.by_category else []),  # the rank is within the category
        COL_CODE,
        COL_TITLE,
        COL_UNIT,
        COL_N,
        *judge_columns,
        COL_MEAN,
        COL_TRIMMED,
        COL_MEDIAN,
        COL_ZSCORE,
        COL_RANK_MEAN,
        COL_RANK_TRIMMED,
        COL_RANK_ZSCORE,
        COL_CHANGES,
        COL_NEAR,
        COL_TOP_P % round.call.award_top_n,
        COL_AWARD,
    ]


def summary_workbook(*, round: Round, at: datetime | None = None) -> bytes:
    """The 评分汇总表 of a round: a summary sheet (one row per case: each judge's total, every
    method's aggregate and rank, the flags, the award), a detail sheet (one row per review with
    every criterion score and the comment), a sheet explaining the methods and the signatures
    (签字确认).

    `at`: the file as of that moment, byte for byte the same each time (the signed sheet whose
    SHA-256 is kept when the results lock: judging/services/signing.py); by default, of now."""
    call = round.call
    criteria = list(Criterion.objects.filter(round=round).order_by("position", "pk"))
    judges = list(selectors.round_judges(round=round))
    names = _unique_names(judges)
    matrix_judges = judges if len(judges) <= MATRIX_MAX_JUDGES else []
    totals: dict[tuple[int, int], Decimal] = {
        (j, c): t
        for j, c, t in Assignment.objects.filter(round=round, status=Assignment.Status.SUBMITTED)
        .values_list("judge_id", "case_id", "total")
        .iterator(chunk_size=5000)
        if t is not None  # a submitted review always has its total
    }
    compact: dict[int, str] = {}  # a big panel: "name total；…" in one column instead
    if not matrix_judges:
        order = {j.pk: i for i, j in enumerate(judges)}
        per_case: dict[int, list[tuple[int, Decimal]]] = {}
        for (judge_id, case_id), total in totals.items():
            per_case.setdefault(case_id, []).append((judge_id, total))
        compact = {
            case_id: "；".join(
                f"{names[j]} {t.normalize():f}"
                for j, t in sorted(pairs, key=lambda p: order.get(p[0], 0))
            )
            for case_id, pairs in per_case.items()
        }
    results = list(selectors.results_list(round=round))

    wb = XlsxBook()
    judge_columns = [names[j.pk] for j in matrix_judges] or [COL_JUDGE_TOTALS]
    headers = summary_headers(round=round, judge_columns=judge_columns)
    # The organizer's file: every field of the call, after the core columns.
    answers = casefields.SheetAnswers(
        casefields.call_fields(call), [r.case_id for r in results], reserved=headers
    )
    headers += answers.headers
    ws = wb.sheet(
        SUMMARY_SHEET,
        widths=[6, *([12] if round.by_category else []), 11, 34, 18, 8]
        + ([10] * len(matrix_judges) or [60])
        + [9, 12, 8, 9, 8, 10, 8, 8, 8, 10, 12]
        + [16] * len(answers.headers),
        freeze="E4" if round.by_category else "D4",
    )
    ws.append([styled(f"{call.title} · {round.name} · 评分汇总表", bold=True)])
    computed = (
        timezone.localtime(round.results_computed_at).strftime("%Y-%m-%d %H:%M")
        if round.results_computed_at
        else "未计算"
    )
    ws.append(
        [
            f"计分规则：{RULE_TEXT[round.rule]}；结果计算时间：{computed}；"
            f"导出时间：{timezone.localtime(at).strftime('%Y-%m-%d %H:%M')}"
        ],
    )
    ws.append([styled(h, bold=True, wrap=True) for h in headers])
    for r in results:
        case = r.case
        award = _award(r)
        judge_cells: list[Decimal | str | None] = [
            totals.get((j.pk, case.pk)) for j in matrix_judges
        ] or [compact.get(case.pk, "")]
        ws.append(
            [
                r.rank,
                *([r.category.name if r.category else "—"] if round.by_category else []),
                case.code,
                case.title,
                case.unit.name,
                r.n_judges,
                *judge_cells,
                styled(r.mean, fmt=FMT_MEAN),
                styled(r.trimmed_mean, fmt=FMT_MEAN),
                styled(r.median, fmt=FMT_MEAN),
                styled(r.zscore, fmt=FMT_Z),
                r.rank_mean,
                r.rank_trimmed,
                r.rank_zscore,
                "是" if r.rank_changes else "",
                "是" if r.near_cut else "",
                styled(r.top_probability, fmt=FMT_PERCENT),
                award_text(award),
                *answers.row(case),
            ],
        )

    _detail_sheet(wb, round=round, criteria=criteria, judge_names=names, results=results)
    _notes_sheet(wb, round=round, n_judges=len(judges), matrix=bool(matrix_judges))
    _signatures_sheet(wb, round=round)
    return wb.to_bytes(fixed_time=at)


def signature_lines(*, round: Round) -> list[list[str]]:
    """The signatures of a round as printed: role, name, state, time, dissent (leader and
    supervisor first, then the judges by name)."""
    order: dict[str, int] = {"leader": 0, "supervisor": 1}
    signatures = sorted(
        ResultSignature.objects.filter(round=round),
        key=lambda s: (order.get(s.role, 2), s.name, s.pk),
    )
    return [
        [
            ROLE_TEXT[s.role],
            s.name,
            STATE_TEXT[s.state],
            timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M"),
            s.dissent,
        ]
        for s in signatures
    ]


def _signatures_sheet(wb: XlsxBook, *, round: Round) -> None:
    ws = wb.sheet(SIGNATURES_SHEET, widths=[12, 16, 14, 18, 60])
    ws.append([styled(f"{round.call.title} · {round.name} · {SIGNATURES_SHEET}", bold=True)])
    ws.append([styled(h, bold=True) for h in ("身份", "姓名", "签字状态", "时间", "不同意见")])
    lines = signature_lines(round=round)
    for line in lines:
        ws.append([*line[:4], styled(line[4], wrap=True)])
    if not lines:
        ws.append(["尚无签字"])


def _detail_sheet(wb: XlsxBook, *, round, criteria, judge_names, results) -> None:
    headers = [
        COL_CODE,
        COL_TITLE,
        COL_JUDGE,
        *criterion_columns(criteria),
        COL_TOTAL,
        COL_COMMENT,
        COL_STATUS,
    ]
    columns = criterion_columns(criteria)
    ws = wb.sheet(DETAIL_SHEET, widths=[11, 34, 12] + [10] * len(columns) + [8, 50, 8], freeze="D2")
    ws.append([styled(h, bold=True, wrap=True) for h in headers])
    points: dict[int, dict[int, Decimal]] = {}
    for assignment_id, criterion_id, value in (
        Score.objects.filter(assignment__round=round)
        .values_list("assignment_id", "criterion_id", "points")
        .iterator(chunk_size=20000)
    ):
        points.setdefault(assignment_id, {})[criterion_id] = value
    position = {r.case_id: i for i, r in enumerate(results)}
    cases = {r.case_id: r.case for r in results}
    rows = list(
        Assignment.objects.filter(round=round)
        .values_list("pk", "case_id", "judge_id", "total", "comment", "status")
        .iterator(chunk_size=20000)
    )
    missing = {c for _pk, c, *_rest in rows if c not in cases}
    if missing:  # cases without a result yet (nobody submitted): listed after the ranked ones
        cases.update(Case.objects.in_bulk(missing))
    rows.sort(
        key=lambda row: (
            position.get(row[1], len(position)),
            cases[row[1]].number,
            judge_names.get(row[2], ""),
        )
    )
    for pk, case_id, judge_id, total, comment, status in rows:
        case = cases[case_id]
        given = points.get(pk, {})
        ws.append(
            [
                case.code,
                case.title,
                judge_names.get(judge_id, ""),
                *[_by_name(criteria, given).get(name) for name in columns],
                total,
                comment,
                STATUS_TEXT.get(status, status),
            ],
        )


def _notes_sheet(wb: XlsxBook, *, round, n_judges: int, matrix: bool) -> None:
    call = round.call
    ws = wb.sheet(NOTES_SHEET, widths=[110])
    lines = [
        f"{call.title} · {round.name}",
        f"计分规则：{RULE_TEXT[round.rule]}。评审人数不少于{max(3, round.trim_min_judges)}人时"
        "去掉一个最高分和一个最低分，否则取平均分。",
        "平均分：各评审专家总分的算术平均；中位数：各总分居中的值；"
        "标准分(Z)：每位专家的总分按其本人所评全部案例的平均分和标准差标准化后取平均。",
        "并列处理顺序：1. 按本轮计分规则得分高者在前；2. 第一项评分标准平均分高者在前；"
        "3. 评审人数多者在前；4. 仍并列的案例名次相同（并列）；被奖项分数线分开的并列由组织方"
        "记录决定（理由或评审组表决结果），决定列于本页之后。",
        f"奖项：前{call.award_top_n}名为十佳案例，其后{call.award_excellent_m}名为优秀案例；"
        "组织方调整奖项须记录理由，奖项一栏注明“调整”。",
        "“排名随方法变化”：三种方法的排名不一致；“分数线处并列”：并列的案例被奖项分数线分开。",
        f"入选前{call.award_top_n}名概率：对评审专家有放回重抽样，案例进入前"
        f"{call.award_top_n}名的比例。",
    ]
    if round.by_category:
        lines.append(
            "本轮分组别评审：各组别内单独排名（“排名”为组内名次），十佳、优秀名额按各组别"
            "设定的名额，未设定的组别使用征集活动的名额；评分标准为共用标准加本组别标准。"
        )
    if not matrix:
        lines.append(
            f"本轮共{n_judges}位评审专家，汇总表在“{COL_JUDGE_TOTALS}”一栏列出每位专家的"
            "总分，各项评分详见“评分明细”表。"
        )
    from .services.ties import round_decision_lines

    lines += round_decision_lines(round=round)
    for line in lines:
        ws.append([styled(line, wrap=True)])


# --------------------------------------------------------------------------- per-judge sheets


@dataclass
class SheetRow:
    number: int
    code: str
    title: str
    unit: str
    points: list[Decimal | None]
    total: Decimal | None
    comment: str
    status: str
    answers: list = field(default_factory=list)


@dataclass
class JudgeSheet:
    round: Round
    judge: Judge
    criteria: list[Criterion]
    rows: list[SheetRow] = field(default_factory=list)
    #: The headers of the call's fields a judge sees (casefields.for_judges), after `headers`
    #: in the .xlsx (import_scores ignores them).
    field_headers: list[str] = field(default_factory=list)

    #: The judge's signature on the portal, if any (ResultSignature).
    signature: ResultSignature | None = None

    @property
    def signature_text(self) -> str:
        """The signature line: blank for a pen, or the state, name and time signed online."""
        s = self.signature
        if s is None:
            return SIGNATURE
        at = timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M")
        text = f"评审专家签字确认：{s.name}，{STATE_TEXT[s.state]}，{at}"
        return f"{text}；不同意见：{s.dissent}" if s.dissent else text

    @property
    def show_unit(self) -> bool:
        """A blind round's sheet, which the judge signs, does not name the units."""
        return not self.round.blind

    @property
    def headers(self) -> list[str]:
        return [
            COL_NO,
            COL_CODE,
            COL_TITLE,
            *([COL_UNIT] if self.show_unit else []),
            COL_JUDGE,
            *criterion_columns(self.criteria),
            COL_TOTAL,
            COL_COMMENT,
        ]

    @property
    def maxima(self) -> str:
        return "、".join(
            f"{c.name}{c.max_points.normalize():f}分"
            + (f"（{c.category.name}）" if c.category is not None else "")
            for c in self.criteria
        )


def criterion_columns(criteria: list[Criterion]) -> list[str]:
    """One column per criterion name: in a round that judges categories separately two
    categories may each have a criterion of the same name, and a case fills the one of its
    category (import_scores reads them so)."""
    return list(dict.fromkeys(c.name for c in criteria))


def _by_name(criteria: list[Criterion], given: dict[int, Decimal]) -> dict[str, Decimal]:
    """A review's points by criterion name (a case has at most one criterion of a name)."""
    return {c.name: given[c.pk] for c in criteria if c.pk in given}


def judge_sheet(*, round: Round, judge: Judge) -> JudgeSheet:
    """A judge's score sheet: every case assigned in the round, scored or still blank."""
    criteria = list(
        Criterion.objects.filter(round=round).select_related("category").order_by("position", "pk")
    )
    columns = criterion_columns(criteria)
    assignments = list(
        Assignment.objects.filter(round=round, judge=judge)
        .select_related("case__unit")
        .prefetch_related("scores")
        .order_by("case__number", "pk")
    )
    sheet = JudgeSheet(round=round, judge=judge, criteria=criteria)
    sheet.signature = ResultSignature.objects.filter(
        round=round, judge=judge, role=ResultSignature.Role.JUDGE
    ).first()
    answers = casefields.SheetAnswers(
        casefields.for_judges(casefields.call_fields(round.call), blind=round.blind),
        [a.case_id for a in assignments],
        reserved=sheet.headers,
    )
    sheet.field_headers = answers.headers
    for i, a in enumerate(assignments, start=1):
        given = {s.criterion_id: s.points for s in a.scores.all()}
        sheet.rows.append(
            SheetRow(
                number=i,
                code=a.case.code,
                title=selectors.case_title_for_round(a.case, blind=round.blind),
                unit=a.case.unit.name,
                points=[_by_name(criteria, given).get(name) for name in columns],
                total=a.total,
                comment=a.comment,
                status=a.status,
                answers=answers.row(a.case),
            )
        )
    return sheet


def judge_sheet_workbook(sheet: JudgeSheet) -> bytes:
    rnd, call = sheet.round, sheet.round.call
    wb = XlsxBook()
    ws = wb.sheet(
        sheet_title(f"{sheet.judge.name}评分表", fallback="评分表"),
        widths=[6, 11, 34]
        + ([18] if sheet.show_unit else [])
        + [12]
        + [10] * len(criterion_columns(sheet.criteria))
        + [8, 50]
        + [16] * len(sheet.field_headers),
    )
    ws.append([styled(call.title, bold=True)])
    ws.append([styled(f"{rnd.name}评分表 · {COL_JUDGE}：{sheet.judge.name}", bold=True)])
    ws.append([f"满分：{sheet.maxima}"])
    ws.append([styled(h, bold=True, wrap=True) for h in [*sheet.headers, *sheet.field_headers]])
    for row in sheet.rows:
        ws.append(
            [
                row.number,
                row.code,
                row.title,
                *([row.unit] if sheet.show_unit else []),
                sheet.judge.name,
                *[p for p in row.points],
                row.total,
                row.comment,
                *row.answers,
            ],
        )
    ws.append([])
    # In the 序号 column, which import_scores ignores, so a signed sheet can be imported.
    ws.append([sheet.signature_text])
    return wb.to_bytes()


def summary_filename(round: Round) -> str:
    return f"评分汇总表-{round.call.slug}-{round.number}.xlsx"


def judge_sheet_filename(sheet: JudgeSheet) -> str:
    return f"评分表-{sheet.round.call.slug}-{sheet.round.number}-{sheet.judge.name}.xlsx"
