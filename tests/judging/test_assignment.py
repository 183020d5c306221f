"""Tests for judging.assignment: examples, brute force on tiny pools, properties."""

import itertools
import random

import pytest
import scipy.optimize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.assignment import (
    AssignmentResult,
    CaseSpec,
    JudgeSpec,
    Shortfall,
    assign,
    assign_all,
)

SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def conflicted(judge, case, conflicts):
    return (judge.unit_id is not None and judge.unit_id == case.unit_id) or (
        (judge.id, case.id) in conflicts
    )


def eligible_judges(case, judges, conflicts):
    return [j.id for j in judges if not conflicted(j, case, conflicts)]


def check_invariants(result, cases, judges, k, conflicts, existing=frozenset()):
    """Coverage, conflicts, loads and reporting rules that must always hold."""
    by_id = {j.id: j for j in judges}
    dropped = set(result.dropped_existing)
    for case in cases:
        available = len(eligible_judges(case, judges, conflicts))
        if available < k:
            assert result.unassigned[case.id] == Shortfall(available, k)
            assert str(result.unassigned[case.id]) == (
                f"only {available} unconflicted judges, {k} needed"
            )
            assert case.id not in result.assignments
            continue
        assert case.id not in result.unassigned
        members = result.assignments[case.id]
        kept = {j for (j, c) in existing if c == case.id and (j, c) not in dropped}
        assert len(members) == max(k, len(kept))
        assert len(set(members)) == len(members)
        assert kept <= set(members)
        for judge_id in members:
            assert not conflicted(by_id[judge_id], case, conflicts)
    assert set(result.assignments) | set(result.unassigned) == {c.id for c in cases}
    loads = dict.fromkeys((j.id for j in judges), 0)
    for members in result.assignments.values():
        for judge_id in members:
            loads[judge_id] += 1
    assert result.loads == loads
    spread = max(loads.values()) - min(loads.values()) if loads else 0
    assert result.spread == spread
    assert result.balanced == (spread <= 1)
    if result.balanced:
        assert spread <= 1


# ---------------------------------------------------------------------------
# examples
# ---------------------------------------------------------------------------


def test_small_pool_without_conflicts_is_perfectly_balanced():
    cases = [CaseSpec(f"c{i}") for i in range(6)]
    judges = [JudgeSpec(f"j{i}") for i in range(4)]
    result = assign(cases, judges, k=2)
    check_invariants(result, cases, judges, 2, set())
    assert sorted(result.loads.values()) == [3, 3, 3, 3]
    assert result.balanced is True
    assert result.unassigned == {}
    assert result.message == "balanced: every judge has 3 cases"
    assert len(result.pairs) == 12


def test_own_unit_and_explicit_conflicts_are_respected():
    cases = [CaseSpec("a", unit_id=1), CaseSpec("b", unit_id=2), CaseSpec("c", unit_id=1)]
    judges = [
        JudgeSpec("u1", unit_id=1),
        JudgeSpec("u2", unit_id=2),
        JudgeSpec("x", unit_id=None),
        JudgeSpec("y", unit_id=None),
    ]
    conflicts = {("x", "b")}
    result = assign(cases, judges, k=2, conflicts=conflicts)
    check_invariants(result, cases, judges, 2, conflicts)
    assert "u1" not in result.assignments["a"] and "u1" not in result.assignments["c"]
    assert set(result.assignments["b"]) == {"u1", "y"}  # u2 own unit, x declared
    assert result.balanced is True


def test_case_without_enough_judges_is_reported_and_left_out():
    cases = [CaseSpec("ok", unit_id=9), CaseSpec("short", unit_id=1), CaseSpec("two", unit_id=2)]
    judges = [JudgeSpec("a", unit_id=1), JudgeSpec("b", unit_id=1), JudgeSpec("c", unit_id=2)]
    result = assign(cases, judges, k=2)
    # "short" (unit 1) only has judge c; "two" (unit 2) has a and b: exactly k
    assert result.unassigned == {"short": Shortfall(1, 2)}
    assert result.unassigned["short"].code == "insufficient_judges"
    assert result.unassigned["short"].message == "only 1 unconflicted judges, 2 needed"
    assert set(result.assignments) == {"ok", "two"}
    assert set(result.assignments["two"]) == {"a", "b"}
    assert result.message.endswith("; 1 case(s) unassigned")
    check_invariants(result, cases, judges, 2, set())


def test_forced_imbalance_is_reported_and_minimal():
    # judge "inside" belongs to the unit of every case: it can take nothing,
    # so loads 0 / 1-2 / 1-2 cannot differ by at most one.
    cases = [CaseSpec(f"c{i}", unit_id="u") for i in range(3)]
    judges = [JudgeSpec("inside", unit_id="u"), JudgeSpec("p"), JudgeSpec("q")]
    result = assign(cases, judges, k=1)
    check_invariants(result, cases, judges, 1, set())
    assert result.balanced is False
    assert result.loads["inside"] == 0
    assert sorted(result.loads.values()) == [0, 1, 2]
    assert result.idle_judges == ("inside",)
    assert "smallest achievable" in result.message
    assert "1 judge(s) have no unconflicted case" in result.message


def test_repair_moves_load_through_a_chain():
    # Only an alternating chain balances this: cases of unit A can go to judges
    # p or q, cases of unit B only to q or r (p belongs to B, r to A).
    cases = [CaseSpec(f"a{i}", unit_id="A") for i in range(4)] + [
        CaseSpec(f"b{i}", unit_id="B") for i in range(2)
    ]
    judges = [JudgeSpec("p", unit_id="B"), JudgeSpec("q"), JudgeSpec("r", unit_id="A")]
    for seed in range(10):
        result = assign(cases, judges, k=1, seed=seed)
        check_invariants(result, cases, judges, 1, set())
        assert sorted(result.loads.values()) == [2, 2, 2]


def test_existing_pairs_are_kept_and_conflicted_ones_dropped():
    cases = [CaseSpec("a", unit_id=1), CaseSpec("b", unit_id=2)]
    judges = [JudgeSpec("x", unit_id=1), JudgeSpec("y"), JudgeSpec("z")]
    existing = {("y", "a"), ("x", "a")}  # x is from a's own unit
    result = assign(cases, judges, k=2, existing=existing)
    assert result.dropped_existing == (("x", "a"),)
    assert "y" in result.assignments["a"]
    check_invariants(result, cases, judges, 2, set(), existing)
    with pytest.raises(ValueError):
        assign(cases, judges, k=1, existing={("nobody", "a")})


def test_existing_pairs_of_uncoverable_cases_are_dropped():
    cases = [CaseSpec("a")]
    judges = [JudgeSpec("x")]
    result = assign(cases, judges, k=2, existing={("x", "a")})
    assert result.unassigned == {"a": Shortfall(1, 2)}
    assert result.dropped_existing == (("x", "a"),)
    assert result.loads == {"x": 0}


def test_more_existing_than_k_are_all_kept():
    cases = [CaseSpec("a"), CaseSpec("b")]
    judges = [JudgeSpec("x"), JudgeSpec("y"), JudgeSpec("z")]
    result = assign(cases, judges, k=1, existing={("x", "a"), ("y", "a")})
    assert result.assignments["a"] == ("x", "y")
    assert result.assignments["b"] == ("z",)
    assert result.balanced is True


def test_affiliations_are_spread():
    # two judges from org X, two from org Y: each case should get one of each
    cases = [CaseSpec(f"c{i}") for i in range(8)]
    judges = [
        JudgeSpec("x1", affiliation="X"),
        JudgeSpec("x2", affiliation="X"),
        JudgeSpec("y1", affiliation="Y"),
        JudgeSpec("y2", affiliation="Y"),
    ]
    for seed in range(5):
        result = assign(cases, judges, k=2, seed=seed)
        assert result.affiliation_repeats == 0
        for members in result.assignments.values():
            assert {m[0] for m in members} == {"x", "y"}
        assert sorted(result.loads.values()) == [4, 4, 4, 4]


def test_unit_is_the_affiliation_when_no_label():
    cases = [CaseSpec(f"c{i}") for i in range(6)]
    judges = [JudgeSpec(f"{u}{i}", unit_id=u) for u in "AB" for i in range(2)]
    result = assign(cases, judges, k=2)
    assert result.affiliation_repeats == 0
    for members in result.assignments.values():
        assert {m[0] for m in members} == {"A", "B"}


def test_deterministic_for_a_seed():
    cases = [CaseSpec(i, unit_id=i % 3) for i in range(40)]
    judges = [JudgeSpec(f"j{i}", unit_id=i % 4, affiliation=f"o{i % 5}") for i in range(12)]
    first = assign(cases, judges, k=3, seed=42)
    assert first == assign(cases, judges, k=3, seed=42)
    assert isinstance(first, AssignmentResult)
    others = [assign(cases, judges, k=3, seed=s).assignments for s in range(5)]
    assert any(o != first.assignments for o in others)


def test_input_validation():
    with pytest.raises(ValueError):
        assign([CaseSpec("a")], [JudgeSpec("x")], k=0)
    with pytest.raises(ValueError):
        assign([CaseSpec("a"), CaseSpec("a")], [JudgeSpec("x")], k=1)
    with pytest.raises(ValueError):
        assign([CaseSpec("a")], [JudgeSpec("x"), JudgeSpec("x")], k=1)
    empty = assign([CaseSpec("a")], [], k=1)
    assert empty.unassigned == {"a": Shortfall(0, 1)}
    assert empty.loads == {} and empty.balanced is True


def test_assign_all():
    cases = [CaseSpec("a", unit_id=1), CaseSpec("b", unit_id=2), CaseSpec("c", unit_id=1)]
    judges = [JudgeSpec("u1", unit_id=1), JudgeSpec("u2", unit_id=2), JudgeSpec("x")]
    result = assign_all(cases, judges, conflicts={("x", "b")})
    assert result.assignments == {"a": ("u2", "x"), "b": ("u1",), "c": ("u2", "x")}
    assert result.loads == {"u1": 1, "u2": 2, "x": 2}
    assert result.balanced is True
    lonely = assign_all([CaseSpec("z", unit_id=1)], [JudgeSpec("u1", unit_id=1)])
    assert lonely.unassigned == {"z": Shortfall(0, 1)}
    assert lonely.assignments == {}


# ---------------------------------------------------------------------------
# brute force: balanced exactly when some assignment is balanced
# ---------------------------------------------------------------------------


@st.composite
def pools(draw, max_cases, max_judges, max_units, max_k, conflict_rates=(0.0, 0.1, 0.3)):
    n_units = draw(st.integers(1, max_units))
    n_cases = draw(st.integers(1, max_cases))
    n_judges = draw(st.integers(1, max_judges))
    units = st.integers(0, n_units - 1)
    cases = [
        CaseSpec(f"c{i}", unit_id=u)
        for i, u in enumerate(draw(st.lists(units, min_size=n_cases, max_size=n_cases)))
    ]
    judge_units = draw(st.lists(st.none() | units, min_size=n_judges, max_size=n_judges))
    labels = draw(
        st.lists(st.sampled_from(["", "X", "Y", "Z"]), min_size=n_judges, max_size=n_judges)
    )
    judges = [
        JudgeSpec(f"j{i}", unit_id=u, affiliation=label)
        for i, (u, label) in enumerate(zip(judge_units, labels, strict=True))
    ]
    rate = draw(st.sampled_from(conflict_rates))
    # plain Random from a drawn seed: far cheaper than st.randoms() per call
    rnd = random.Random(draw(st.integers(0, 2**32)))
    conflicts = {(j.id, c.id) for c in cases for j in judges if rnd.random() < rate}
    k = draw(st.integers(1, max_k))
    seed = draw(st.integers(0, 3))
    return cases, judges, k, conflicts, seed, rnd


def brute_force_min_spread(cases, judges, k, conflicts, existing=frozenset()):
    """Smallest max-min load over every valid assignment of the coverable cases."""
    options = []
    for case in cases:
        pool = eligible_judges(case, judges, conflicts)
        if len(pool) < k:
            continue
        fixed = [j for j in pool if (j, case.id) in existing]
        free = [j for j in pool if j not in fixed]
        need = max(0, k - len(fixed))
        options.append([tuple(fixed) + combo for combo in itertools.combinations(free, need)])
    best = None
    for choice in itertools.product(*options):
        loads = dict.fromkeys((j.id for j in judges), 0)
        for members in choice:
            for judge_id in members:
                loads[judge_id] += 1
        spread = max(loads.values()) - min(loads.values()) if loads else 0
        best = spread if best is None else min(best, spread)
        if best == 0:
            break
    return best if best is not None else 0


@SETTINGS
@given(pools(max_cases=4, max_judges=5, max_units=3, max_k=2))
def test_balance_and_spread_match_brute_force(pool):
    cases, judges, k, conflicts, seed, _ = pool
    result = assign(cases, judges, k=k, conflicts=conflicts, seed=seed)
    check_invariants(result, cases, judges, k, conflicts)
    best = brute_force_min_spread(cases, judges, k, conflicts)
    assert result.spread == best
    assert result.balanced == (best <= 1)


@SETTINGS
@given(pools(max_cases=4, max_judges=4, max_units=3, max_k=2))
def test_existing_pairs_match_brute_force(pool):
    cases, judges, k, conflicts, seed, rnd = pool
    # random existing pairs, some of them conflicted (those must be dropped)
    existing = {(j.id, c.id) for c in cases for j in judges if rnd.random() < 0.25}
    result = assign(cases, judges, k=k, conflicts=conflicts, existing=existing, seed=seed)
    check_invariants(result, cases, judges, k, conflicts, existing)
    by_id = {c.id: c for c in cases}
    judge_by_id = {j.id: j for j in judges}
    for judge_id, case_id in result.dropped_existing:
        case = by_id[case_id]
        assert conflicted(judge_by_id[judge_id], case, conflicts) or case_id in result.unassigned
    valid = {
        (j, c)
        for (j, c) in existing
        if not conflicted(judge_by_id[j], by_id[c], conflicts) and c not in result.unassigned
    }
    assert valid <= result.pairs
    assert result.spread == brute_force_min_spread(cases, judges, k, conflicts, valid)


# ---------------------------------------------------------------------------
# properties on larger random pools, feasibility from a linear program
# ---------------------------------------------------------------------------


def balance_feasible(cases, judges, k, conflicts):
    """Is there an assignment with max-min load <= 1?  LP = ILP here (the
    constraint matrix of a bipartite b-matching is totally unimodular)."""
    covered = [c for c in cases if len(eligible_judges(c, judges, conflicts)) >= k]
    if not judges:
        return True
    total = k * len(covered)
    low = total // len(judges)
    variables = [
        (ji, ci)
        for ci, c in enumerate(covered)
        for ji, j in enumerate(judges)
        if not conflicted(j, c, conflicts)
    ]
    if not variables:
        return low == 0
    n_vars = len(variables)
    a_eq = [[0] * n_vars for _ in covered]
    a_ub = [[0] * n_vars for _ in range(2 * len(judges))]
    for v, (ji, ci) in enumerate(variables):
        a_eq[ci][v] = 1
        a_ub[ji][v] = 1  # load <= low + 1
        a_ub[len(judges) + ji][v] = -1  # -load <= -low
    b_ub = [low + 1] * len(judges) + [-low] * len(judges)
    res = scipy.optimize.linprog(
        [0] * n_vars,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq or None,
        b_eq=[k] * len(covered) or None,
        bounds=(0, 1),
        method="highs",
    )
    return res.status == 0


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(
    pools(max_cases=60, max_judges=25, max_units=8, max_k=5, conflict_rates=(0.0, 0.02, 0.1, 0.4))
)
def test_properties_on_random_pools(pool):
    cases, judges, k, conflicts, seed, _ = pool
    result = assign(cases, judges, k=k, conflicts=conflicts, seed=seed)
    check_invariants(result, cases, judges, k, conflicts)
    assert result.balanced == balance_feasible(cases, judges, k, conflicts)
    assert result == assign(cases, judges, k=k, conflicts=conflicts, seed=seed)


@SETTINGS
@given(
    st.integers(1, 60), st.integers(1, 25), st.integers(1, 5), st.integers(0, 5), st.integers(0, 10)
)
def test_obviously_feasible_pools_are_balanced(n_cases, n_judges, k, n_units, seed):
    # judges from units no case belongs to, no declared conflicts, judges >= k:
    # round-robin would balance, so the result must.
    if n_judges < k:
        n_judges = k
    cases = [CaseSpec(i, unit_id=f"case-unit-{i % (n_units + 1)}") for i in range(n_cases)]
    judges = [
        JudgeSpec(f"j{i}", unit_id=f"judge-unit-{i % (n_units + 1)}" if n_units else None)
        for i in range(n_judges)
    ]
    result = assign(cases, judges, k=k, seed=seed)
    check_invariants(result, cases, judges, k, set())
    assert result.unassigned == {}
    assert result.balanced is True
    loads = sorted(result.loads.values())
    assert loads[-1] - loads[0] <= 1
    assert sum(loads) == n_cases * k


@SETTINGS
@given(pools(max_cases=30, max_judges=12, max_units=4, max_k=5))
def test_impossible_cases_are_reported_with_the_right_ids(pool):
    cases, judges, k, conflicts, seed, _ = pool
    result = assign(cases, judges, k=k, conflicts=conflicts, seed=seed)
    expected = {
        c.id: Shortfall(len(eligible_judges(c, judges, conflicts)), k)
        for c in cases
        if len(eligible_judges(c, judges, conflicts)) < k
    }
    assert result.unassigned == expected


@SETTINGS
@given(pools(max_cases=30, max_judges=12, max_units=4, max_k=3))
def test_assign_all_properties(pool):
    cases, judges, _, conflicts, _, _ = pool
    result = assign_all(cases, judges, conflicts)
    for case in cases:
        expected = tuple(eligible_judges(case, judges, conflicts))
        if expected:
            assert result.assignments[case.id] == expected
        else:
            assert result.unassigned[case.id] == Shortfall(0, 1)
