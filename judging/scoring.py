"""Aggregation, ranking and panel diagnostics for expert judging.

Pure standard-library module (no Django, no numpy).  Every function takes plain
Python data and returns plain Python data, so it can be used from views, Celery
tasks, management commands and tests alike.

Data model
----------
``scores`` is a mapping ``{(judge_id, case_id): total}`` where *total* is the
sum of that judge's criterion scores for that case.  Judge and case ids are any
hashable values.  Only pairs that were actually scored are present; a missing
pair means "not scored" (incomplete designs are normal).  Totals must be
finite real numbers.

Determinism
-----------
All sums go through :func:`math.fsum`, which returns the correctly rounded sum
of its inputs.  The result therefore does not depend on the order in which
scores were stored, and two cases with the same multiset of totals always get
bit-identical means (and hence tie exactly).  Output dictionaries follow the
order in which ids first appear in the input (ranks: rank order).

Aggregates per case
-------------------
* ``mean``: arithmetic mean of the case's totals.
* ``median``: middle value; the average of the two middle values for an even
  count.
* ``trimmed_mean``: drop exactly one highest and one lowest total (one copy
  each, even if the extreme value occurs several times) and average the rest,
  but only when at least ``min_judges`` (default 5) judges scored the case;
  otherwise the plain mean.
* ``zscore``: every judge's totals are standardised by that judge's own mean
  and *population* standard deviation (ddof=0) over the cases that judge
  scored.  A judge whose totals are all equal (including a judge with a single
  case) contributes z = 0 to each of their cases.  A case's z-score is the
  plain mean of its judges' z values.

Ranking order (:func:`rank`)
----------------------------
Standard competition ranking ("1224"):

1. Primary key: the value, best first (highest first when
   ``descending=True``, the default; lowest first when ``descending=False``).
2. Cases with exactly equal values are compared by their ``tiebreak`` tuple,
   always *larger tuple first* (tuples compare lexicographically, e.g.
   ``(first criterion score, number of judges)``), whatever ``descending`` is.
   A case missing from ``tiebreak`` uses ``()``, which loses to every
   non-empty tuple.
3. Cases whose value *and* tiebreak tuple are equal share the same rank; the
   next distinct case gets ``1 + number of cases ranked before it`` (so ranks
   1, 2, 2, 4).
4. Within a shared rank the output keeps input order (stable), which carries no
   meaning.

Kendall's W and incomplete designs
----------------------------------
:func:`kendalls_w` needs a complete block: every judge scored every case.  For
an incomplete design the caller must either restrict the data to a complete
sub-block (the judges who scored all of a chosen set of cases, e.g. one
assignment group) or report "not available" (``None``); W is not defined here
for incomplete data.

Tie semantics near cut lines
----------------------------
:func:`cut_line_flags` marks every case of a tie group that a cut line ("top
N") splits, so the organiser can see which selections depend on a tie.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

# Judge and case ids are whatever the caller uses (database keys in the portal); the results
# carry the same types back.
JudgeId = TypeVar("JudgeId", bound=Hashable)
CaseId = TypeVar("CaseId", bound=Hashable)
Scores = Mapping[tuple[JudgeId, CaseId], float]  # (judge, case) -> the judge's total
TieBreak = tuple[object, ...]  # compared element by element, higher first

__all__ = [
    "CaseResult",
    "Outlier",
    "Severity",
    "compute_results",
    "cut_line_flags",
    "judge_severity",
    "kendalls_w",
    "mean",
    "median",
    "outliers",
    "rank",
    "rank_stability",
    "trimmed_mean",
    "zscores",
]

_fsum = math.fsum


# ---------------------------------------------------------------------------
# Basic statistics
# ---------------------------------------------------------------------------


def _as_list(xs: Iterable[float]) -> list[float]:
    values = xs if isinstance(xs, list) else list(xs)
    if not values:
        raise ValueError("at least one value is required")
    return values


def mean(xs: Iterable[float]) -> float:
    """Arithmetic mean (correctly rounded sum / count). Raises ValueError if empty."""
    values = _as_list(xs)
    return _fsum(values) / len(values)


def median(xs: Iterable[float]) -> float:
    """Median; average of the two middle values for an even count. ValueError if empty."""
    values = sorted(_as_list(xs))
    n = len(values)
    mid = n // 2
    if n % 2:
        return float(values[mid])
    return (values[mid - 1] + values[mid]) / 2


def trimmed_mean(xs: Iterable[float], *, min_judges: int = 5) -> float:
    """Mean after dropping one highest and one lowest value.

    Trimming happens only when ``len(xs) >= min_judges``; otherwise this is the
    plain :func:`mean`.  Exactly one copy of the maximum and one copy of the
    minimum are dropped (ties at the extremes keep their other copies).
    ``min_judges`` must be at least 3 so that something is left after trimming.
    """
    if min_judges < 3:
        raise ValueError("min_judges must be at least 3")
    values = _as_list(xs)
    n = len(values)
    if n < min_judges:
        return _fsum(values) / n
    values = sorted(values)
    return _fsum(values[1:-1]) / (n - 2)


def _check_finite(scores: Scores[JudgeId, CaseId]) -> None:
    total = sum(scores.values())
    if not math.isfinite(total):
        for key, value in scores.items():
            if not math.isfinite(value):
                raise ValueError(f"score for {key!r} is not finite: {value!r}")


# ---------------------------------------------------------------------------
# Z-scores
# ---------------------------------------------------------------------------


def _group_by_judge(
    scores: Scores[JudgeId, CaseId],
) -> dict[JudgeId, tuple[list[CaseId], list[float]]]:
    by_judge: dict[JudgeId, tuple[list[CaseId], list[float]]] = {}
    for (judge, case), value in scores.items():
        entry = by_judge.get(judge)
        if entry is None:
            by_judge[judge] = ([case], [value])
        else:
            entry[0].append(case)
            entry[1].append(value)
    return by_judge


def _standardise(values: list[float]) -> list[float]:
    """Population z-scores of one judge's totals; all zero if the totals are constant."""
    if max(values) == min(values):
        return [0.0] * len(values)
    n = len(values)
    mu = _fsum(values) / n
    sd = math.sqrt(_fsum([(x - mu) * (x - mu) for x in values]) / n)
    return [(x - mu) / sd for x in values]


def _entry_z(scores: Scores[JudgeId, CaseId]) -> dict[JudgeId, tuple[list[CaseId], list[float]]]:
    """Per judge: (cases, z values) in the judge's own scoring order."""
    return {
        judge: (cases, _standardise(values))
        for judge, (cases, values) in _group_by_judge(scores).items()
    }


def zscores(scores: Scores[JudgeId, CaseId]) -> dict[CaseId, float]:
    """Per-judge normalised score of each case (see module docstring).

    Each judge's totals are turned into ``(x - judge_mean) / judge_pop_std``
    over the cases that judge scored (0 for every case of a judge whose totals
    are all equal); a case's value is the mean of its judges' z values.
    """
    _check_finite(scores)
    per_case: dict[CaseId, list[float]] = {case: [] for (_, case) in scores}
    for cases, zs in _entry_z(scores).values():
        for case, zval in zip(cases, zs, strict=True):
            per_case[case].append(zval)
    return {case: _fsum(zs) / len(zs) for case, zs in per_case.items()}


# ---------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------


def _rank_positions(
    values: list[float], tiebreak: list[TieBreak] | None, descending: bool
) -> tuple[list[int], list[int]]:
    """Competition ranks of ``values`` (index-aligned) and the index order by rank."""
    if any(map(math.isnan, values)):
        raise ValueError("rank values must not be NaN")
    n = len(values)
    ranks = [0] * n
    if tiebreak is None:
        order = sorted(range(n), key=values.__getitem__, reverse=descending)
        keys: Sequence[object] = values
    else:
        order = sorted(range(n), key=tiebreak.__getitem__, reverse=True)
        order.sort(key=values.__getitem__, reverse=descending)
        keys = list(zip(values, tiebreak, strict=True))
    current = 0
    previous: object = None
    for position, i in enumerate(order, start=1):
        key = keys[i]
        if position == 1 or key != previous:
            current = position
            previous = key
        ranks[i] = current
    return ranks, order


def _tiebreak_list(
    cases: list[CaseId], tiebreak: Mapping[CaseId, TieBreak] | None
) -> list[TieBreak] | None:
    if tiebreak is None:
        return None
    return [tuple(tiebreak.get(case, ())) for case in cases]


def rank(
    values: Mapping[CaseId, float],
    *,
    tiebreak: Mapping[CaseId, TieBreak] | None = None,
    descending: bool = True,
) -> dict[CaseId, int]:
    """Competition ranks ("1224"); see "Ranking order" in the module docstring.

    Returns ``{case_id: rank}`` ordered by rank.  NaN values are rejected.
    Tiebreak tuples must be mutually comparable.
    """
    cases = list(values)
    ranks, order = _rank_positions(
        list(values.values()), _tiebreak_list(cases, tiebreak), descending
    )
    return {cases[i]: ranks[i] for i in order}


def cut_line_flags(
    ranks: Mapping[CaseId, int],
    cut_lines: Iterable[int],
    *,
    values: Mapping[CaseId, float] | None = None,
) -> set[CaseId]:
    """Cases whose tie group is split by a cut line.

    A *tie group* is a set of at least two cases that are tied: by default the
    cases sharing a rank in ``ranks``; if ``values`` is given, the cases
    sharing a value (so that a tie that was only separated by the tiebreak,
    e.g. ranks 10 and 11 with equal value, is also caught).  A group occupies
    the positions ``lo .. hi`` where ``lo`` is its best rank and ``hi`` its
    last position (rank + number of cases sharing that rank - 1, maximised
    over the group).  A cut line ``c`` means "top c"; it *touches* the group
    when ``lo == c`` and *straddles* it when ``lo < c``; either way the group is
    flagged when ``lo <= c < hi``, i.e. some members sit at positions ``<= c``
    and some beyond it.  Example: two cases tied at rank 10 with cut 10 occupy
    positions 10 and 11 -> both flagged; two cases tied at rank 9 with cut 10
    are both inside -> not flagged.
    """
    cuts = sorted(set(cut_lines))
    if not cuts:
        return set()
    rank_size: dict[int, int] = {}
    for r in ranks.values():
        rank_size[r] = rank_size.get(r, 0) + 1
    groups: dict[object, list[CaseId]] = {}
    if values is None:
        for case, r in ranks.items():
            groups.setdefault(r, []).append(case)
    else:
        missing = [case for case in ranks if case not in values]
        if missing:
            raise ValueError(f"values missing for cases {missing[:5]!r}")
        for case in ranks:
            groups.setdefault(values[case], []).append(case)
    flagged: set[CaseId] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        lo = min(ranks[c] for c in members)
        hi = max(ranks[c] + rank_size[ranks[c]] - 1 for c in members)
        if any(lo <= c < hi for c in cuts):
            flagged.update(members)
    return flagged


# ---------------------------------------------------------------------------
# Kendall's W
# ---------------------------------------------------------------------------


def _average_ranks(row: Sequence[float]) -> tuple[list[float], int]:
    """Ascending average ranks (1-based) and the tie term sum(t**3 - t)."""
    order = sorted(range(len(row)), key=row.__getitem__)
    ranks = [0.0] * len(row)
    ties = 0
    i = 0
    n = len(order)
    while i < n:
        j = i
        value = row[order[i]]
        while j + 1 < n and row[order[j + 1]] == value:
            j += 1
        avg = (i + j) / 2 + 1
        for position in range(i, j + 1):
            ranks[order[position]] = avg
        t = j - i + 1
        ties += t * t * t - t
        i = j + 1
    return ranks, ties


def kendalls_w(matrix: Sequence[Sequence[float]]) -> float:
    """Kendall's coefficient of concordance W with tie correction.

    ``matrix`` has one row per judge (m rows) and one column per case (n
    columns), complete block.  Each row is converted to average ranks; with
    ``R_i`` the rank sum of case i and ``S = sum (R_i - m (n + 1) / 2) ** 2``::

        W = 12 S / (m**2 (n**3 - n) - m * sum_j T_j),  T_j = sum over tie groups (t**3 - t)

    Returns a value in [0, 1]; ``nan`` when every judge ties every case
    (denominator 0).  For incomplete designs see the module docstring.
    Raises ValueError for fewer than 1 judge, fewer than 2 cases, ragged rows
    or non-finite values.
    """
    rows = [list(row) for row in matrix]
    m = len(rows)
    if m < 1:
        raise ValueError("at least one judge is required")
    n = len(rows[0])
    if n < 2:
        raise ValueError("at least two cases are required")
    totals = [0.0] * n
    tie_sum = 0
    for row in rows:
        if len(row) != n:
            raise ValueError("all rows must have the same length (complete block)")
        if not all(math.isfinite(x) for x in row):
            raise ValueError("scores must be finite")
        ranks, ties = _average_ranks(row)
        tie_sum += ties
        for i, r in enumerate(ranks):
            totals[i] += r
    centre = m * (n + 1) / 2
    s = _fsum([(r - centre) * (r - centre) for r in totals])
    denominator = m * m * (n**3 - n) - m * tie_sum
    if denominator == 0:
        return math.nan
    return min(1.0, max(0.0, 12 * s / denominator))


# ---------------------------------------------------------------------------
# Panel diagnostics
# ---------------------------------------------------------------------------


class Outlier(NamedTuple, Generic[JudgeId, CaseId]):
    judge_id: JudgeId
    case_id: CaseId
    deviation: float  # signed, in panel standard deviations


class Severity(NamedTuple):
    mean: float  # mean of (judge total - case mean); > 0 lenient, < 0 severe
    std: float  # population std of those deviations
    n: int  # number of cases used (cases scored by at least two judges)


def _group_by_case(
    scores: Scores[JudgeId, CaseId],
) -> dict[CaseId, tuple[list[JudgeId], list[float]]]:
    by_case: dict[CaseId, tuple[list[JudgeId], list[float]]] = {}
    for (judge, case), value in scores.items():
        entry = by_case.get(case)
        if entry is None:
            by_case[case] = ([judge], [value])
        else:
            entry[0].append(judge)
            entry[1].append(value)
    return by_case


def outliers(
    scores: Scores[JudgeId, CaseId], *, z: float = 2.5, min_judges: int = 3
) -> list[Outlier[JudgeId, CaseId]]:
    """Flag judge totals far from the other judges of the same case.

    Definitions:

    * panel standard deviation ``sigma``: the pooled within-case standard
      deviation over all cases scored by at least two judges,
      ``sqrt(sum_cases sum_judges (x - case_mean)**2 / sum_cases (n_case - 1))``;
    * for a total ``x`` of judge j on a case scored by ``n >= min_judges``
      judges (default 3, so that there is a majority to compare with), the
      leave-one-out mean ``m_other = (case_sum - x) / (n - 1)`` and the
      deviation ``d = (x - m_other) / sigma``;
    * the total is flagged when ``abs(d) > z``.

    Returns ``Outlier(judge_id, case_id, deviation)`` tuples sorted by
    decreasing ``abs(deviation)`` (input order among equals).  Returns ``[]``
    when ``sigma`` is 0 (no disagreement anywhere) or undefined.
    """
    if min_judges < 2:
        raise ValueError("min_judges must be at least 2")
    _check_finite(scores)
    by_case = _group_by_case(scores)
    sum_sq: list[float] = []
    dof = 0
    stats: list[tuple[CaseId, list[JudgeId], list[float], float]] = []
    for case, (judges, values) in by_case.items():
        n = len(values)
        if n < 2:
            continue
        total = _fsum(values)
        mu = total / n
        sum_sq.append(_fsum([(x - mu) * (x - mu) for x in values]))
        dof += n - 1
        if n >= min_judges:
            stats.append((case, judges, values, total))
    if dof == 0:
        return []
    sigma = math.sqrt(_fsum(sum_sq) / dof)
    if sigma == 0:
        return []
    found: list[Outlier[JudgeId, CaseId]] = []
    for case, judges, values, total in stats:
        n1 = len(values) - 1
        for judge, x in zip(judges, values, strict=True):
            d = (x - (total - x) / n1) / sigma
            if abs(d) > z:
                found.append(Outlier(judge, case, d))
    found.sort(key=lambda o: -abs(o.deviation))
    return found


def judge_severity(scores: Scores[JudgeId, CaseId]) -> dict[JudgeId, Severity]:
    """Leniency/severity of each judge relative to the panel.

    For every case scored by at least two judges, each judge's deviation is
    ``x - case_mean`` (case mean over all its judges, the judge included).
    Returns ``Severity(mean, std, n)`` per judge: mean and population std of
    the judge's deviations and the number of cases used.  Positive mean =
    lenient, negative = severe.  A judge with no usable case gets
    ``Severity(0.0, 0.0, 0)``.
    """
    _check_finite(scores)
    deviations: dict[JudgeId, list[float]] = {judge: [] for (judge, _) in scores}
    for judges, values in _group_by_case(scores).values():
        n = len(values)
        if n < 2:
            continue
        mu = _fsum(values) / n
        for judge, x in zip(judges, values, strict=True):
            deviations[judge].append(x - mu)
    result: dict[JudgeId, Severity] = {}
    for judge, ds in deviations.items():
        n = len(ds)
        if n == 0:
            result[judge] = Severity(0.0, 0.0, 0)
            continue
        mu = _fsum(ds) / n
        sd = math.sqrt(_fsum([(d - mu) * (d - mu) for d in ds]) / n)
        result[judge] = Severity(mu, sd, n)
    return result


# ---------------------------------------------------------------------------
# Full result table
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseResult:
    n_judges: int
    mean: float
    trimmed_mean: float
    median: float
    zscore: float
    rank_mean: int
    rank_trimmed: int
    rank_zscore: int
    rank_changes: bool  # True when the three ranks are not all equal


def compute_results(
    scores: Scores[JudgeId, CaseId],
    *,
    min_judges: int = 5,
    tiebreak: Mapping[CaseId, TieBreak] | None = None,
) -> dict[CaseId, CaseResult]:
    """All aggregates and the three rankings for every scored case.

    Ranks are computed with :func:`rank` (highest value first, the same
    ``tiebreak`` for all three methods).  The result is ordered by
    ``rank_mean`` (then input order).
    """
    if min_judges < 3:
        raise ValueError("min_judges must be at least 3")
    _check_finite(scores)
    fsum = _fsum
    # Per-judge normalisation parameters; None for a judge with constant totals.
    # (mean, std) per judge; std = inf for a judge with constant totals, which
    # makes every z of that judge exactly 0.0.
    judge_values: defaultdict[JudgeId, list[float]] = defaultdict(list)
    for (judge, _), value in scores.items():
        judge_values[judge].append(value)
    params: dict[JudgeId, tuple[float, float]] = {}
    for judge, values in judge_values.items():
        if max(values) == min(values):
            params[judge] = (values[0], math.inf)
        else:
            n = len(values)
            mu = fsum(values) / n
            sd = math.sqrt(fsum([(x - mu) * (x - mu) for x in values]) / n)
            params[judge] = (mu, sd)
    case_values: defaultdict[CaseId, list[float]] = defaultdict(list)
    case_z: defaultdict[CaseId, list[float]] = defaultdict(list)
    for (judge, case), value in scores.items():
        mu, sd = params[judge]
        case_values[case].append(value)
        case_z[case].append((value - mu) / sd)

    cases = list(case_values)
    counts: list[int] = []
    means: list[float] = []
    trimmed: list[float] = []
    medians: list[float] = []
    zmeans: list[float] = []
    for values, zs in zip(case_values.values(), case_z.values(), strict=True):
        n = len(values)
        values.sort()
        total = fsum(values)
        mid = n // 2
        counts.append(n)
        means.append(total / n)
        trimmed.append(fsum(values[1:-1]) / (n - 2) if n >= min_judges else total / n)
        medians.append(float(values[mid]) if n % 2 else (values[mid - 1] + values[mid]) / 2)
        zmeans.append(fsum(zs) / n)
    tb = _tiebreak_list(cases, tiebreak)
    r_mean, order = _rank_positions(means, tb, True)
    r_trim, _ = _rank_positions(trimmed, tb, True)
    r_z, _ = _rank_positions(zmeans, tb, True)
    results: dict[CaseId, CaseResult] = {}
    for i in order:
        rm = r_mean[i]
        rt = r_trim[i]
        rz = r_z[i]
        results[cases[i]] = CaseResult(
            counts[i],
            means[i],
            trimmed[i],
            medians[i],
            zmeans[i],
            rm,
            rt,
            rz,
            not (rm == rt == rz),
        )
    return results


# ---------------------------------------------------------------------------
# Bootstrap rank stability
# ---------------------------------------------------------------------------

_METHODS = ("mean", "trimmed", "zscore")


def rank_stability(
    scores: Scores[JudgeId, CaseId],
    *,
    method: str = "mean",
    top: int = 10,
    samples: int = 1000,
    seed: int = 0,
    min_judges: int = 5,
) -> dict[CaseId, float]:
    """Bootstrap probability that each case ends up in the top ``top``.

    One bootstrap sample draws ``J`` judges with replacement from the ``J``
    judges present in ``scores`` (``random.Random(seed)``; judges in order of
    first appearance).  A judge drawn ``c`` times contributes each of their
    totals ``c`` times.  Each case's aggregate is recomputed from the drawn
    copies only:

    * ``"mean"``: mean of the drawn copies;
    * ``"trimmed"``: drop one highest and one lowest copy when at least
      ``min_judges`` copies were drawn, otherwise the mean;
    * ``"zscore"``: mean of the drawn copies' z values, where each judge's z
      values are those of the full data (a judge's normalisation depends only
      on that judge's own totals, which resampling does not change).

    A case none of whose judges was drawn gets no aggregate in that sample and
    counts as not in the top.  A case is "in the top" when its competition
    rank (highest first) is ``<= top``, i.e. its aggregate is at least the
    ``top``-th largest aggregate of that sample (ties at the boundary all
    count).  Returns ``{case_id: fraction of samples}`` for every case, in
    order of first appearance.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}")
    if top < 1:
        raise ValueError("top must be at least 1")
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if method == "trimmed" and min_judges < 3:
        raise ValueError("min_judges must be at least 3")
    _check_finite(scores)

    case_index: dict[CaseId, int] = {}
    for _, case in scores:
        if case not in case_index:
            case_index[case] = len(case_index)
    grouped = _entry_z(scores) if method == "zscore" else _group_by_judge(scores)
    judge_cases: list[list[int]] = []
    judge_values: list[list[float]] = []
    for judge_case_ids, values in grouped.values():
        judge_cases.append([case_index[c] for c in judge_case_ids])
        judge_values.append(list(values))
    n_cases = len(case_index)
    n_judges = len(judge_cases)

    # For "trimmed": each case's (judge index, value) pairs sorted by value so
    # that the smallest / largest drawn copy is found by a short scan.
    sorted_judges: list[list[int]] = []
    sorted_values: list[list[float]] = []
    if method == "trimmed":
        per_case: list[list[tuple[float, int]]] = [[] for _ in range(n_cases)]
        for j, (cases, values) in enumerate(zip(judge_cases, judge_values, strict=True)):
            for i, x in zip(cases, values, strict=True):
                per_case[i].append((x, j))
        for pairs in per_case:
            pairs.sort()
            sorted_values.append([x for x, _ in pairs])
            sorted_judges.append([j for _, j in pairs])

    rng = random.Random(seed)
    hits = [0] * n_cases
    judge_range = range(n_judges)
    neg_inf = -math.inf
    for _ in range(samples):
        mult = [0] * n_judges
        for j in rng.choices(judge_range, k=n_judges):
            mult[j] += 1
        sums = [0.0] * n_cases
        cnts = [0] * n_cases
        for j in judge_range:
            c = mult[j]
            if not c:
                continue
            if c == 1:
                for i, x in zip(judge_cases[j], judge_values[j], strict=True):
                    sums[i] += x
                    cnts[i] += 1
            else:
                for i, x in zip(judge_cases[j], judge_values[j], strict=True):
                    sums[i] += c * x
                    cnts[i] += c
        if method == "trimmed":
            for i in range(n_cases):
                k = cnts[i]
                if k >= min_judges:
                    js = sorted_judges[i]
                    vs = sorted_values[i]
                    lo = 0
                    while not mult[js[lo]]:
                        lo += 1
                    hi = len(js) - 1
                    while not mult[js[hi]]:
                        hi -= 1
                    sums[i] = (sums[i] - vs[lo] - vs[hi]) / (k - 2)
                elif k:
                    sums[i] /= k
                else:
                    sums[i] = neg_inf
        else:
            sums = [s / k if k else neg_inf for s, k in zip(sums, cnts, strict=True)]
        scored = [s for s in sums if s != neg_inf]
        if not scored:
            continue
        if len(scored) > top:
            threshold = heapq.nlargest(top, scored)[-1]
        else:
            threshold = min(scored)
        # threshold is finite, so cases without a score (-inf) never pass.
        for i, s in enumerate(sums):
            if s >= threshold:
                hits[i] += 1
    return {case: hits[i] / samples for case, i in case_index.items()}
