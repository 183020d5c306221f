"""Panel statistics of a round: database rows in, `judging.scoring` inputs and chart data out.

`round_statistics` gathers what the statistics page shows (and its charts draw):

- each judge's score distribution (five-number summary and mean of the judge's totals);
- each judge's severity and spread against the panel (`scoring.judge_severity`);
- Kendall's W (`scoring.kendalls_w`) on a complete sub-block: the judges and cases where every
  one of those judges scored every one of those cases (see `complete_block`), or why there is
  none;
- outlier scores (`scoring.outliers`);
- the rank-stability estimate stored on the results (`scoring.rank_stability`, computed by
  `services.results.results_compute`): the probability, resampling judges, that a case lands in
  the top N (十佳).

Everything returned is plain JSON-able data (the page passes it to `json_script`). Results are
cached per computation of the round's results (a new computation, or any changed review, makes
a new key), so reloading the page of a big round costs nothing.
"""

from __future__ import annotations

import math
import statistics as pystats
from collections import Counter
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from core import cache as caches
from submissions.models import Case

from . import scoring, selectors
from .models import Result, Round
from .services.results import RULE_METHOD, round_scores

OUTLIER_Z = 2.5
OUTLIERS_SHOWN = 100
STABILITY_MARGIN = 10  # cases shown below the top-N cut line in the stability chart
HISTOGRAM_MAX_BINS = 16
GREEDY_MAX_JUDGES = 100


@dataclass
class Block:
    judges: list
    cases: list


def _nice_width(span: float, max_bins: int) -> float:
    if span <= 0:
        return 1.0
    raw = span / max_bins
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            return step * power
    return 10 * power


def histogram(values: list[float], *, max_bins: int = HISTOGRAM_MAX_BINS) -> dict:
    """Counts of `values` in equal bins [lo, lo + w) … (the last bin includes its upper end)."""
    if not values:
        return {"edges": [], "counts": []}
    lo_v, hi_v = min(values), max(values)
    width = _nice_width(hi_v - lo_v, max_bins)
    lo = math.floor(lo_v / width) * width
    n_bins = max(1, math.ceil((hi_v - lo) / width + 1e-9))
    if lo + n_bins * width <= hi_v:
        n_bins += 1
    counts = [0] * n_bins
    for v in values:
        counts[min(n_bins - 1, int((v - lo) // width))] += 1
    edges = [round(lo + i * width, 6) for i in range(n_bins + 1)]
    return {"edges": edges, "counts": counts}


def five_numbers(values: list[float]) -> dict:
    """min, quartiles (inclusive method, as a spreadsheet's QUARTILE), median, max and mean."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _q2, q3 = pystats.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "n": len(ordered),
        "min": ordered[0],
        "q1": q1,
        "median": scoring.median(ordered),
        "q3": q3,
        "max": ordered[-1],
        "mean": scoring.mean(ordered),
    }


def complete_block(scores: scoring.Scores) -> Block | None:
    """The largest complete block found (judges × cases, every pair scored), by cells; None when
    no two judges scored the same two cases.

    Candidates: all judges; the judge sets that most cases share (a balanced assignment repeats
    them); and, for up to 100 judges, a greedy removal of the judge whose removal completes the
    most cases (a panel that scores everything, minus a few conflicts). For each judge set the
    cases scored by all of them form the block.
    """
    judges_of: dict = {}
    for judge, case in scores:
        judges_of.setdefault(case, set()).add(judge)
    all_judges = frozenset(j for j, _c in scores)
    candidates = {all_judges}
    signatures = Counter(frozenset(js) for js in judges_of.values())
    candidates.update(s for s, _n in signatures.most_common(20))
    if len(all_judges) <= GREEDY_MAX_JUDGES:
        candidates.add(_greedy_judges(all_judges, judges_of))
    best: Block | None = None
    best_key = (0, 0)
    order = {j: i for i, j in enumerate(dict.fromkeys(j for j, _c in scores))}
    for judge_set in candidates:
        if len(judge_set) < 2:
            continue
        cases = [c for c, js in judges_of.items() if judge_set <= js]
        if len(cases) < 2:
            continue
        key = (len(judge_set) * len(cases), len(judge_set))
        if key > best_key:
            best_key = key
            best = Block(judges=sorted(judge_set, key=order.__getitem__), cases=cases)
    return best


def _greedy_judges(all_judges: frozenset, judges_of: dict) -> frozenset:
    current = set(all_judges)
    lacking = {case: current - js for case, js in judges_of.items()}
    while len(current) > 2:
        complete = sum(1 for missing in lacking.values() if not missing)
        only = Counter(next(iter(m)) for m in lacking.values() if len(m) == 1)
        if not only:
            break
        judge, gain = max(only.items(), key=lambda item: item[1])
        if (len(current) - 1) * (complete + gain) <= len(current) * complete:
            break
        current.discard(judge)
        for missing in lacking.values():
            missing.discard(judge)
    return frozenset(current)


#: Below these a block says little: W of 3 judges × 2 cases is 1.000 or 0.111, by chance alone.
KENDALL_MIN_JUDGES, KENDALL_MIN_CASES = 3, 4


def kendall(scores: scoring.Scores, *, names: dict, codes: dict) -> dict:
    """Kendall's W on the complete sub-block, with what it was computed on, or the reason it
    is not available."""
    block = complete_block(scores)
    if block is None:
        return {
            "w": None,
            "judges": [],
            "cases": [],
            "judge_ids": [],
            "case_ids": [],
            "reason": _(
                "Not available: no two judges scored the same two cases, so no "
                "complete block of judges × cases exists."
            ),
        }
    matrix = [[scores[(j, c)] for c in block.cases] for j in block.judges]
    computed = scoring.kendalls_w(matrix)
    w: float | None = None if math.isnan(computed) else computed
    reason = ""
    if w is None:
        reason = _("Not available: every judge gave every case of the block the same score.")
    m, n = len(block.judges), len(block.cases)
    return {
        "w": w,
        "reason": reason,
        "m": m,
        "n": n,
        "too_small": m < KENDALL_MIN_JUDGES or n < KENDALL_MIN_CASES,
        "min_judges": KENDALL_MIN_JUDGES,
        "min_cases": KENDALL_MIN_CASES,
        "chi2": m * (n - 1) * w if w is not None else None,
        "df": n - 1,
        "complete": m == len({j for j, _c in scores}) and n == len({c for _j, c in scores}),
        "judges": [names.get(j, str(j)) for j in block.judges],
        "cases": [codes.get(c, str(c)) for c in block.cases],
        "judge_ids": list(block.judges),
        "case_ids": list(block.cases),
    }


def _stability(round: Round) -> dict:
    top = round.call.award_top_n
    rows = list(
        Result.objects.filter(round=round, rank__isnull=False)
        .order_by("rank", "case__number")
        .values_list("case_id", "case__number", "case__title", "rank", "top_probability")
    )
    computed = any(p is not None for *_rest, p in rows)
    # rank is never None here (rank__isnull=False), which the stubs cannot know
    shown = [
        r
        for r in rows
        if r[3] <= top + STABILITY_MARGIN or (r[4] or 0) > 0  # type: ignore[operator]
    ][: top + 3 * STABILITY_MARGIN]
    return {
        "computed": computed,
        "top": top,
        "cases": [
            {
                "case_id": c,
                "code": Case.code_for(round.call_id, number),
                "title": title,
                "rank": rank,
                "probability": p,
            }
            for c, number, title, rank, p in shown
        ],
    }


def round_statistics(*, round: Round) -> dict:
    """Everything the statistics page shows; cached per computation of the results."""
    key = None
    if round.results_computed_at is not None:
        key = caches.round_stats_key(
            round.pk, round.results_computed_at.timestamp(), translation.get_language()
        )
        cached = caches.round_stats_get(key)
        if cached is not None:
            return cached
    data = _compute(round)
    if key:
        caches.round_stats_put(key, data)
    return data


def _compute(round: Round) -> dict:
    scores = round_scores(round=round)
    judges = list(selectors.round_judges(round=round))
    names = {j.pk: j.name for j in judges}
    case_rows = list(
        Result.objects.filter(round=round).values_list("case_id", "case__number", "case__title")
    )
    codes = {c: Case.code_for(round.call_id, number) for c, number, _t in case_rows}
    titles = {c: t for c, _n, t in case_rows}

    by_judge: dict = {}
    for (judge_id, _case), value in scores.items():
        by_judge.setdefault(judge_id, []).append(value)
    severity = scoring.judge_severity(scores) if scores else {}
    judge_rows = []
    for judge in judges:
        values = by_judge.get(judge.pk)
        if not values:
            continue
        sev = severity[judge.pk]
        judge_rows.append(
            {
                "id": judge.pk,
                "name": judge.name,
                **five_numbers(values),
                "severity": sev.mean,
                "spread": sev.std,
                "severity_n": sev.n,
            }
        )

    case_means: dict = {}
    for (_judge, case), value in scores.items():
        case_means.setdefault(case, []).append(value)
    outliers = scoring.outliers(scores, z=OUTLIER_Z) if scores else []
    outlier_rows = [
        {
            "judge_id": o.judge_id,
            "judge": names.get(o.judge_id, ""),
            "case_id": o.case_id,
            "code": codes.get(o.case_id, ""),
            "title": titles.get(o.case_id, ""),
            "total": scores[(o.judge_id, o.case_id)],
            "case_mean": scoring.mean(case_means[o.case_id]),
            "deviation": o.deviation,
        }
        for o in outliers[:OUTLIERS_SHOWN]
    ]
    return {
        "round": {
            "id": round.pk,
            "name": round.name,
            "method": RULE_METHOD[round.rule],
            "reviews": len(scores),
            "cases": len(case_means),
            "judges": len(judge_rows),
        },
        "judges": judge_rows,
        "histogram": histogram(list(scores.values())),
        "kendall": kendall(scores, names=names, codes=codes)
        if scores
        else {
            "w": None,
            "judges": [],
            "cases": [],
            "judge_ids": [],
            "case_ids": [],
            "reason": _("Not available: no submitted scores yet."),
        },
        "outliers": outlier_rows,
        "outliers_total": len(outliers),
        "outlier_z": OUTLIER_Z,
        "stability": _stability(round),
    }
