"""Tests for judging.scoring: hand-computed examples and comparisons with scipy."""

import math
import random

import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.scoring import (
    CaseResult,
    Outlier,
    Severity,
    compute_results,
    cut_line_flags,
    judge_severity,
    kendalls_w,
    mean,
    median,
    outliers,
    rank,
    rank_stability,
    trimmed_mean,
    zscores,
)

SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------
# mean / median / trimmed mean
# ---------------------------------------------------------------------------


def test_mean_and_median_by_hand():
    assert mean([1, 2, 3, 4]) == 2.5
    assert mean([7]) == 7.0
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5]) == 5.0


def test_mean_is_order_independent():
    values = [0.1] * 10 + [1e16, -1e16]
    assert mean(values) == mean(list(reversed(values))) == mean(sorted(values))
    assert mean(values) == pytest.approx(1.0 / 12)


def test_empty_input_is_rejected():
    with pytest.raises(ValueError):
        mean([])
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        trimmed_mean([])


def test_trimmed_mean_with_enough_judges_drops_one_max_and_one_min():
    # 5 judges >= default min_judges 5: drop 1 and 10 -> mean(2, 3, 4) = 3
    assert trimmed_mean([10, 1, 3, 2, 4]) == 3.0
    # ties at the extremes: only one copy of each extreme is dropped
    # [1, 1, 5, 9, 9] -> [1, 5, 9] -> 5
    assert trimmed_mean([9, 1, 5, 1, 9]) == 5.0
    # 6 judges: drop 0 and 100 -> (50 + 60 + 70 + 80) / 4 = 65
    assert trimmed_mean([100, 50, 60, 70, 80, 0]) == 65.0


def test_trimmed_mean_with_fewer_judges_is_plain_mean():
    assert trimmed_mean([1, 2, 10]) == 13 / 3
    assert trimmed_mean([1, 2, 3, 100]) == 26.5
    # custom threshold
    assert trimmed_mean([1, 2, 3, 100], min_judges=4) == 2.5
    assert trimmed_mean([1, 2, 100], min_judges=3) == 2.0
    with pytest.raises(ValueError):
        trimmed_mean([1, 2], min_judges=2)


@SETTINGS
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=12), st.integers(3, 7))
def test_trimmed_mean_matches_sorted_slicing_and_scipy(xs, min_judges):
    n = len(xs)
    got = trimmed_mean(xs, min_judges=min_judges)
    if n >= min_judges:
        reference = sum(sorted(xs)[1:-1]) / (n - 2)
        # scipy trims int(proportion * n) from each end: 1.5 / n -> exactly one
        assert scipy.stats.trim_mean(xs, 1.5 / n) == pytest.approx(got)
    else:
        reference = sum(xs) / n
    assert got == pytest.approx(reference)


# ---------------------------------------------------------------------------
# z-scores
# ---------------------------------------------------------------------------


def test_zscores_3x3_worked_example():
    # Judges A, B, C; cases x, y, z.
    #
    #   A: x=70 y=80 z=90   mean 80, pop. std sqrt((100 + 0 + 100) / 3) = sqrt(200/3)
    #      z = -10/sqrt(200/3) = -sqrt(1.5),  0,  +sqrt(1.5)
    #   B: x=60 y=60 z=90   mean 70, deviations -10 -10 +20,
    #      pop. std sqrt((100 + 100 + 400) / 3) = sqrt(200) = 10 sqrt(2)
    #      z = -1/sqrt(2), -1/sqrt(2), +sqrt(2)
    #   C: x=85 y=85 z=85   constant totals -> z = 0, 0, 0
    #
    #   case x: (-sqrt(1.5) - 1/sqrt(2) + 0) / 3 = -0.6439505508593788
    #   case y: (0 - 1/sqrt(2) + 0) / 3          = -0.2357022603955158
    #   case z: (sqrt(1.5) + sqrt(2) + 0) / 3     =  0.8796528112548948
    scores = {
        ("A", "x"): 70, ("A", "y"): 80, ("A", "z"): 90,
        ("B", "x"): 60, ("B", "y"): 60, ("B", "z"): 90,
        ("C", "x"): 85, ("C", "y"): 85, ("C", "z"): 85,
    }  # fmt: skip
    z = zscores(scores)
    assert list(z) == ["x", "y", "z"]
    assert z["x"] == pytest.approx(-(math.sqrt(1.5) + 1 / math.sqrt(2)) / 3, abs=1e-12)
    assert z["y"] == pytest.approx(-1 / (3 * math.sqrt(2)), abs=1e-12)
    assert z["z"] == pytest.approx((math.sqrt(1.5) + math.sqrt(2)) / 3, abs=1e-12)
    assert z["x"] == pytest.approx(-0.6439505508593788)


def test_zscores_single_case_judge_contributes_zero():
    scores = {("A", "x"): 10, ("A", "y"): 20, ("B", "x"): 99}
    z = zscores(scores)
    assert z == {"x": pytest.approx(-0.5), "y": pytest.approx(1.0)}


def test_zscores_constant_fractional_totals_are_exactly_zero():
    # 0.1 * 3 / 3 != 0.1 in floats; a constant judge must still give exactly 0
    scores = {("A", c): 0.1 for c in "xyz"}
    assert zscores(scores) == {"x": 0.0, "y": 0.0, "z": 0.0}


score_matrices = st.integers(2, 6).flatmap(
    lambda m: st.integers(3, 8).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(0, 30), min_size=n, max_size=n), min_size=m, max_size=m
        )
    )
)


def _sparse(matrix, keep):
    """(judge, case) -> score for the cells where keep is True."""
    return {
        (f"j{j}", f"c{c}"): float(value)
        for j, row in enumerate(matrix)
        for c, value in enumerate(row)
        if keep[j][c]
    }


@SETTINGS
@given(score_matrices, st.integers(0, 2**32))
def test_zscores_match_scipy_per_judge(matrix, seed):
    rnd = random.Random(seed)
    keep = [[rnd.random() < 0.75 for _ in row] for row in matrix]
    scores = _sparse(matrix, keep)
    if not scores:
        return
    per_case: dict[str, list[float]] = {}
    for j, row in enumerate(matrix):
        cols = [c for c in range(len(row)) if keep[j][c]]
        if not cols:
            continue
        values = [float(row[c]) for c in cols]
        if len(set(values)) == 1:
            zs = [0.0] * len(values)  # scipy gives nan for a constant judge
        else:
            zs = list(scipy.stats.zscore(values, ddof=0))
        for c, zval in zip(cols, zs, strict=True):
            per_case.setdefault(f"c{c}", []).append(zval)
    expected = {case: sum(zs) / len(zs) for case, zs in per_case.items()}
    got = zscores(scores)
    assert set(got) == set(expected)
    for case, value in expected.items():
        assert got[case] == pytest.approx(value, abs=1e-9)


# ---------------------------------------------------------------------------
# ranks
# ---------------------------------------------------------------------------


def test_rank_competition_with_ties():
    values = {"a": 90, "b": 85, "c": 85, "d": 70, "e": 85}
    assert rank(values) == {"a": 1, "b": 2, "c": 2, "e": 2, "d": 5}
    assert list(rank(values)) == ["a", "b", "c", "e", "d"]
    assert rank(values, descending=False) == {"d": 1, "b": 2, "c": 2, "e": 2, "a": 5}


def test_rank_tiebreak_separates_ties_larger_tuple_first():
    values = {"a": 90, "b": 85, "c": 85, "d": 85, "e": 70}
    # (first criterion score, number of judges), compared descending
    tiebreak = {"b": (8, 5), "c": (9, 5), "d": (8, 5)}
    assert rank(values, tiebreak=tiebreak) == {"a": 1, "c": 2, "b": 3, "d": 3, "e": 5}
    # second element decides when the first is equal
    tiebreak = {"b": (8, 4), "c": (9, 5), "d": (8, 5)}
    assert rank(values, tiebreak=tiebreak) == {"a": 1, "c": 2, "d": 3, "b": 4, "e": 5}
    # missing entry = () which loses to any tuple; equal value still primary
    assert rank({"x": 1, "y": 1, "z": 2}, tiebreak={"x": (0,)}) == {"z": 1, "x": 2, "y": 3}
    # tiebreak stays "larger first" when values are ranked ascending
    assert rank({"x": 1, "y": 1}, tiebreak={"x": (1,), "y": (2,)}, descending=False) == {
        "y": 1,
        "x": 2,
    }


def test_rank_rejects_nan_and_handles_empty():
    with pytest.raises(ValueError):
        rank({"a": float("nan")})
    assert rank({}) == {}


@SETTINGS
@given(st.lists(st.integers(0, 10), min_size=1, max_size=30), st.booleans())
def test_rank_matches_scipy_rankdata_min(xs, descending):
    values = {f"c{i}": float(x) for i, x in enumerate(xs)}
    keyed = [-x for x in xs] if descending else xs
    expected = scipy.stats.rankdata(keyed, method="min")
    got = rank(values, descending=descending)
    assert [got[f"c{i}"] for i in range(len(xs))] == [int(r) for r in expected]


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=25))
def test_rank_with_tiebreak_matches_rankdata_on_combined_key(pairs):
    values = {i: float(v) for i, (v, _) in enumerate(pairs)}
    tiebreak = {i: (t,) for i, (_, t) in enumerate(pairs)}
    combined = [-(v * 10 + t) for v, t in pairs]
    expected = scipy.stats.rankdata(combined, method="min")
    got = rank(values, tiebreak=tiebreak)
    assert [got[i] for i in range(len(pairs))] == [int(r) for r in expected]


# ---------------------------------------------------------------------------
# cut lines
# ---------------------------------------------------------------------------


def test_cut_line_flags_ties_at_the_cut():
    ranks = {f"c{i}": i for i in range(1, 10)}  # ranks 1..9 distinct
    ranks.update({"t1": 10, "t2": 10})  # tie at 10 -> positions 10, 11
    ranks["after"] = 12
    assert cut_line_flags(ranks, [10]) == {"t1", "t2"}
    assert cut_line_flags(ranks, [11]) == set()  # both inside the top 11
    assert cut_line_flags(ranks, [9]) == set()
    assert cut_line_flags(ranks, []) == set()


def test_cut_line_flags_tie_group_straddling():
    # ranks 1, 2, 2, 2, 5: group at rank 2 occupies positions 2..4
    ranks = {"a": 1, "b": 2, "c": 2, "d": 2, "e": 5}
    assert cut_line_flags(ranks, [1]) == set()
    assert cut_line_flags(ranks, [2]) == {"b", "c", "d"}  # touches (lo == cut)
    assert cut_line_flags(ranks, [3]) == {"b", "c", "d"}  # straddles
    assert cut_line_flags(ranks, [4]) == set()  # group ends at the cut
    assert cut_line_flags(ranks, [4, 3]) == {"b", "c", "d"}


def test_cut_line_flags_tie_separated_only_by_tiebreak():
    values = {"a": 9.0, "b": 8.0, "c": 8.0, "d": 7.0}
    ranks = rank(values, tiebreak={"b": (2,), "c": (1,)})
    assert ranks == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert cut_line_flags(ranks, [2]) == set()
    assert cut_line_flags(ranks, [2], values=values) == {"b", "c"}
    assert cut_line_flags(ranks, [3], values=values) == set()


# ---------------------------------------------------------------------------
# Kendall's W
# ---------------------------------------------------------------------------


def test_kendalls_w_worked_example_3_judges_6_items():
    # ranks (already 1..6, no ties):
    #   J1: 1 2 3 4 5 6
    #   J2: 2 1 3 4 6 5
    #   J3: 1 3 2 5 4 6
    # R = 4 6 8 13 15 17, mean m(n+1)/2 = 10.5
    # S = 6.5^2 + 4.5^2 + 2.5^2 + 2.5^2 + 4.5^2 + 6.5^2 = 137.5
    # W = 12 S / (m^2 (n^3 - n)) = 1650 / (9 * 210) = 55/63 = 0.873015873...
    matrix = [[1, 2, 3, 4, 5, 6], [2, 1, 3, 4, 6, 5], [1, 3, 2, 5, 4, 6]]
    assert kendalls_w(matrix) == pytest.approx(55 / 63, abs=1e-15)
    # W only depends on the order within each row, not on the scale
    scaled = [[10 * x + 3 for x in row] for row in matrix]
    assert kendalls_w(scaled) == pytest.approx(55 / 63, abs=1e-15)


def test_kendalls_w_with_ties_by_hand():
    # J1: 10 20 20 30 -> ranks 1 2.5 2.5 4, T = 2^3 - 2 = 6
    # J2:  1  2  3  4 -> ranks 1 2 3 4,       T = 0
    # J3:  5  5  5  9 -> ranks 2 2 2 4,       T = 3^3 - 3 = 24
    # R = 4, 6.5, 7.5, 12; centre 3 * 5 / 2 = 7.5; S = 12.25 + 1 + 0 + 20.25 = 33.5
    # W = 12 * 33.5 / (9 * 60 - 3 * 30) = 402 / 450 = 67/75
    matrix = [[10, 20, 20, 30], [1, 2, 3, 4], [5, 5, 5, 9]]
    assert kendalls_w(matrix) == pytest.approx(67 / 75, abs=1e-15)


def test_kendalls_w_extremes_and_errors():
    assert kendalls_w([[1, 2, 3], [4, 5, 6], [0, 1, 2]]) == 1.0
    assert kendalls_w([[1, 2], [2, 1]]) == 0.0
    assert math.isnan(kendalls_w([[5, 5, 5], [1, 1, 1]]))
    with pytest.raises(ValueError):
        kendalls_w([])
    with pytest.raises(ValueError):
        kendalls_w([[1]])
    with pytest.raises(ValueError):
        kendalls_w([[1, 2, 3], [1, 2]])


def _reference_w(matrix):
    """Textbook W with tie correction from scipy's average ranks."""
    m, n = len(matrix), len(matrix[0])
    ranks = [scipy.stats.rankdata(row, method="average") for row in matrix]
    totals = [sum(r[i] for r in ranks) for i in range(n)]
    centre = m * (n + 1) / 2
    s = sum((t - centre) ** 2 for t in totals)
    ties = 0
    for row in matrix:
        for value in set(row):
            t = row.count(value)
            ties += t**3 - t
    denominator = m * m * (n**3 - n) - m * ties
    return 12 * s / denominator if denominator else math.nan


@SETTINGS
@given(score_matrices)
def test_kendalls_w_matches_rankdata_formula_and_friedman(matrix):
    w = kendalls_w(matrix)
    reference = _reference_w(matrix)
    if math.isnan(reference):
        assert math.isnan(w)
        return
    assert w == pytest.approx(reference, abs=1e-12)
    assert 0.0 <= w <= 1.0
    m, n = len(matrix), len(matrix[0])
    columns = [[row[i] for row in matrix] for i in range(n)]
    chi2 = scipy.stats.friedmanchisquare(*columns).statistic
    # Friedman's statistic (scipy applies the same tie correction) = m (n - 1) W
    assert chi2 == pytest.approx(m * (n - 1) * w, rel=1e-9, abs=1e-9)


@SETTINGS
@given(st.integers(2, 6), st.integers(3, 8), st.integers(0, 2**32))
def test_friedman_relation_without_ties(m, n, seed):
    rnd = random.Random(seed)
    matrix = [rnd.sample(range(100), n) for _ in range(m)]  # distinct values: no ties
    w = kendalls_w(matrix)
    chi2 = scipy.stats.friedmanchisquare(*[[row[i] for row in matrix] for i in range(n)])
    assert chi2.statistic == pytest.approx(m * (n - 1) * w, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# outliers and judge severity
# ---------------------------------------------------------------------------


def test_outliers_by_hand():
    # case p: 10, 10, 10, 40 (judge D far off); case q: 20, 22, 18, 20
    scores = {
        ("A", "p"): 10, ("B", "p"): 10, ("C", "p"): 10, ("D", "p"): 40,
        ("A", "q"): 20, ("B", "q"): 22, ("C", "q"): 18, ("D", "q"): 20,
    }  # fmt: skip
    # within-case sums of squares: p mean 17.5 -> 3 * 7.5^2 + 22.5^2 = 675;
    # q mean 20 -> 0 + 4 + 4 + 0 = 8; dof = 3 + 3; sigma = sqrt(683 / 6)
    sigma = math.sqrt(683 / 6)
    # D on p: (40 - 10) / sigma = 2.8118...; A on p: (10 - 20) / sigma = -0.937
    found = outliers(scores)
    assert found == [Outlier("D", "p", pytest.approx(30 / sigma))]
    assert found[0].deviation == pytest.approx(2.8118, abs=1e-4)
    assert outliers(scores, z=3.0) == []
    lower = outliers(scores, z=0.9)
    assert [(o.judge_id, o.case_id) for o in lower] == [
        ("D", "p"),
        ("A", "p"),
        ("B", "p"),
        ("C", "p"),
    ]
    assert lower[1].deviation == pytest.approx(-10 / sigma)


def test_outliers_need_min_judges_and_disagreement():
    two = {("A", "p"): 0, ("B", "p"): 100}
    assert outliers(two, z=0.1) == []  # fewer than 3 judges: nobody to side with
    assert len(outliers(two, z=0.1, min_judges=2)) == 2
    same = {("A", "p"): 5, ("B", "p"): 5, ("C", "p"): 5}
    assert outliers(same, z=0.0) == []


def test_judge_severity_by_hand():
    scores = {
        ("A", "p"): 12, ("B", "p"): 8,
        ("A", "q"): 14, ("B", "q"): 10, ("C", "q"): 12,
        ("C", "r"): 50,  # single-judge case: ignored
    }  # fmt: skip
    # p mean 10: A +2, B -2; q mean 12: A +2, B -2, C 0
    assert judge_severity(scores) == {
        "A": Severity(2.0, 0.0, 2),
        "B": Severity(-2.0, 0.0, 2),
        "C": Severity(0.0, 0.0, 1),
    }
    uneven = {("A", "p"): 12, ("B", "p"): 8, ("A", "q"): 10, ("B", "q"): 10}
    # A: +2, 0 -> mean 1, pop. std 1
    assert judge_severity(uneven)["A"] == Severity(1.0, 1.0, 2)
    assert judge_severity({("A", "p"): 1}) == {"A": Severity(0.0, 0.0, 0)}


# ---------------------------------------------------------------------------
# compute_results
# ---------------------------------------------------------------------------


def test_compute_results_by_hand():
    scores = {
        # case x: 5 judges -> trimmed (drop 60 and 100): (70 + 80 + 90) / 3 = 80
        ("A", "x"): 60, ("B", "x"): 70, ("C", "x"): 80, ("D", "x"): 90, ("E", "x"): 100,
        # case y: 3 judges -> trimmed = mean = 85
        ("A", "y"): 95, ("B", "y"): 85, ("C", "y"): 75,
    }  # fmt: skip
    results = compute_results(scores)
    assert list(results) == ["y", "x"]
    x = results["x"]
    assert (x.n_judges, x.mean, x.trimmed_mean, x.median) == (5, 80.0, 80.0, 80.0)
    assert (x.rank_mean, x.rank_trimmed) == (2, 2)
    y = results["y"]
    assert (y.n_judges, y.mean, y.trimmed_mean, y.median) == (3, 85.0, 85.0, 85.0)
    z = zscores(scores)
    assert x.zscore == pytest.approx(z["x"]) and y.zscore == pytest.approx(z["y"])
    # judges A, B, C scored both: A 60 vs 95, B 70 vs 85, C 80 vs 75; D and E
    # scored only x -> z = 0.  z(x) = (-1 - 1 + 1 + 0 + 0) / 5, z(y) = (1 + 1 - 1) / 3
    assert x.zscore == pytest.approx(-0.2) and y.zscore == pytest.approx(1 / 3)
    assert (x.rank_zscore, y.rank_zscore) == (2, 1)
    assert x.rank_changes is False and y.rank_changes is False
    with pytest.raises(AttributeError):
        x.mean = 1.0  # frozen


def test_compute_results_rank_changes_and_tiebreak():
    # p and q tie on the mean (70) but differ once the extremes are trimmed
    scores = {}
    for judge, (p, q) in zip(
        "ABCDE", [(50, 68), (70, 69), (70, 70), (70, 71), (90, 72)], strict=True
    ):
        scores[(judge, "p")] = p
        scores[(judge, "q")] = q
    results = compute_results(scores)
    assert results["p"].mean == results["q"].mean == 70.0
    assert (results["p"].rank_mean, results["q"].rank_mean) == (1, 1)
    assert results["p"].trimmed_mean == 70.0 and results["q"].trimmed_mean == 70.0
    assert results["p"].median == results["q"].median == 70.0
    # tiebreak separates the mean tie
    broken = compute_results(scores, tiebreak={"p": (1,), "q": (2,)})
    assert (broken["q"].rank_mean, broken["p"].rank_mean) == (1, 2)
    assert list(broken) == ["q", "p"]
    # trimmed rule with min_judges=6: plain mean
    assert compute_results(scores, min_judges=6)["p"].trimmed_mean == 70.0

    shifted = dict(scores)
    shifted[("E", "p")] = 130  # mean 78 vs 70, trimmed p = 70 vs q = 70
    r = compute_results(shifted)
    assert r["p"].rank_mean == 1 and r["q"].rank_mean == 2
    assert r["p"].rank_trimmed == 1 and r["q"].rank_trimmed == 1
    # every judge scored p and q, so each z is exactly -1, 0 or +1 and
    # z(p) = (-1 + 1 + 0 - 1 + 1) / 5 = 0 = z(q): both rank 1 on z
    assert (r["p"].rank_zscore, r["q"].rank_zscore) == (1, 1)
    assert r["p"].rank_changes is False  # 1, 1, 1
    assert r["q"].rank_changes is True  # mean 2, trimmed 1, z 1


def test_compute_results_matches_the_single_functions():
    rng = random.Random(7)
    scores = {}
    for case in range(300):
        for judge in rng.sample(range(40), rng.randint(1, 8)):
            scores[(judge, case)] = float(rng.randint(40, 100))
    results = compute_results(scores, min_judges=5)
    by_case: dict[int, list[float]] = {}
    for (_, case), value in scores.items():
        by_case.setdefault(case, []).append(value)
    means = {c: mean(v) for c, v in by_case.items()}
    trims = {c: trimmed_mean(v, min_judges=5) for c, v in by_case.items()}
    zs = zscores(scores)
    r_mean, r_trim, r_z = rank(means), rank(trims), rank(zs)
    assert list(results) == list(r_mean)
    for case, values in by_case.items():
        res = results[case]
        assert res == CaseResult(
            n_judges=len(values),
            mean=means[case],
            trimmed_mean=trims[case],
            median=median(values),
            zscore=res.zscore,
            rank_mean=r_mean[case],
            rank_trimmed=r_trim[case],
            rank_zscore=r_z[case],
            rank_changes=len({r_mean[case], r_trim[case], r_z[case]}) > 1,
        )
        assert res.zscore == pytest.approx(zs[case], abs=1e-12)


def test_compute_results_empty_and_errors():
    assert compute_results({}) == {}
    with pytest.raises(ValueError):
        compute_results({("A", "x"): float("inf")})
    with pytest.raises(ValueError):
        compute_results({("A", "x"): 1.0}, min_judges=2)


# ---------------------------------------------------------------------------
# rank stability
# ---------------------------------------------------------------------------


def _panel(n_cases, n_judges, per_case, seed):
    rng = random.Random(seed)
    scores = {}
    for case in range(n_cases):
        for judge in rng.sample(range(n_judges), per_case):
            scores[(f"j{judge}", f"c{case}")] = float(rng.randint(50, 80))
    return scores


def _reference_stability(scores, method, top, samples, seed, min_judges):
    """Direct re-implementation with the public functions (same random draws)."""
    judges = list(dict.fromkeys(j for j, _ in scores))
    cases = list(dict.fromkeys(c for _, c in scores))
    if method == "zscore":
        z_entry = {}
        for judge in judges:
            own = [(c, v) for (j, c), v in scores.items() if j == judge]
            values = [v for _, v in own]
            if len(set(values)) == 1:
                zs = [0.0] * len(values)
            else:
                mu = sum(values) / len(values)
                sd = math.sqrt(sum((v - mu) ** 2 for v in values) / len(values))
                zs = [(v - mu) / sd for v in values]
            for (c, _), zval in zip(own, zs, strict=True):
                z_entry[(judge, c)] = zval
    rng = random.Random(seed)
    hits = dict.fromkeys(cases, 0)
    for _ in range(samples):
        drawn = rng.choices(range(len(judges)), k=len(judges))
        copies: dict[str, list[float]] = {}
        for index in drawn:
            judge = judges[index]
            for (j, c), v in scores.items():
                if j == judge:
                    copies.setdefault(c, []).append(z_entry[(j, c)] if method == "zscore" else v)
        if method == "trimmed":
            agg = {c: trimmed_mean(v, min_judges=min_judges) for c, v in copies.items()}
        else:
            agg = {c: mean(v) for c, v in copies.items()}
        for case, r in rank(agg).items():
            if r <= top:
                hits[case] += 1
    return {c: hits[c] / samples for c in cases}


@pytest.mark.parametrize("method", ["mean", "trimmed"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_stability_matches_reference(method, seed):
    scores = _panel(30, 12, 5, seed)
    got = rank_stability(scores, method=method, top=5, samples=60, seed=seed, min_judges=4)
    expected = _reference_stability(scores, method, 5, 60, seed, 4)
    assert got == expected


def test_rank_stability_zscore_matches_reference():
    scores = _panel(25, 10, 4, 11)
    got = rank_stability(scores, method="zscore", top=4, samples=50, seed=3)
    expected = _reference_stability(scores, "zscore", 4, 50, 3, 5)
    assert got == pytest.approx(expected, abs=1e-12)


@SETTINGS
@given(st.integers(0, 10_000), st.sampled_from(["mean", "trimmed", "zscore"]))
def test_rank_stability_clear_winner_and_determinism(seed, method):
    scores = _panel(15, 8, 3, seed)
    for judge in range(8):  # every judge puts "star" far ahead of everything
        scores[(f"j{judge}", "star")] = 1000.0
    probs = rank_stability(scores, method=method, top=1, samples=40, seed=seed)
    assert probs["star"] == 1.0
    assert sum(probs.values()) == 1.0  # nobody else is ever in the top 1
    assert probs == rank_stability(scores, method=method, top=1, samples=40, seed=seed)
    assert set(probs) == {c for _, c in scores}


def test_rank_stability_case_without_drawn_judge_is_not_in_top():
    # "lonely" is scored by one judge only; with 5 judges that judge is missing
    # from a bootstrap sample with probability (4/5)^5 = 0.33, so the case
    # cannot always be in the top even though it has the best score.
    scores = {(f"j{i}", "common"): 50.0 for i in range(5)}
    scores[("j0", "lonely")] = 100.0
    probs = rank_stability(scores, top=1, samples=2000, seed=5)
    assert probs["lonely"] == pytest.approx(1 - 0.8**5, abs=0.04)
    assert probs["common"] == pytest.approx(0.8**5, abs=0.04)
    assert probs["lonely"] + probs["common"] == pytest.approx(1.0)


def test_rank_stability_validates_arguments():
    scores = {("a", "x"): 1.0}
    with pytest.raises(ValueError):
        rank_stability(scores, method="median")
    with pytest.raises(ValueError):
        rank_stability(scores, top=0)
    with pytest.raises(ValueError):
        rank_stability(scores, samples=0)
    assert rank_stability(scores, top=3, samples=5) == {"x": 1.0}
    assert rank_stability({}, samples=5) == {}
