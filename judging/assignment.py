"""Assignment of expert judges to cases.

Pure standard-library module (no Django).  The caller turns model rows into
:class:`CaseSpec` / :class:`JudgeSpec` values, calls :func:`assign` (k judges
per case) or :func:`assign_all` (every judge scores every case they may), and
stores the returned pairs.

Rules
-----
* **Conflict**: judge j may not score case c when ``j.unit_id is not None and
  j.unit_id == c.unit_id`` (own unit) or ``(j.id, c.id)`` is in ``conflicts``.
* **Coverage**: every case gets exactly ``k`` distinct unconflicted judges
  (more only if it already had more than ``k`` valid ``existing`` judges).
  A case with fewer than ``k`` unconflicted judges in the whole panel cannot be
  covered; it gets no judges and is listed in ``result.unassigned`` with a
  :class:`Shortfall` ("only N unconflicted judges, k needed").  Such cases do
  not count towards any load, so they do not disturb the balance of the rest.
* **Balance**: the load of a judge is the number of cases assigned to them
  (``existing`` pairs included).  Whenever some valid assignment of the
  coverable cases has ``max(load) - min(load) <= 1`` over *all* judges (judges
  who can take no case included), the result has that property and
  ``result.balanced`` is True.  Otherwise ``balanced`` is False, ``message``
  says why, and the loads are still optimally even: the spread ``max - min`` is
  the smallest achievable and the load vector is the "decreasingly minimal"
  one (no valid re-assignment can lower the maximum or raise the minimum).
* **Affiliation spread** (preference, never at the cost of balance): when
  choosing among judges whose current loads differ by at most one, judges
  whose affiliation is not yet on the case come first; a final pass swaps
  judges with a repeated affiliation for load-equivalent judges with a new
  one.  ``result.affiliation_repeats`` counts the cases where a repeat is
  left (unavoidable e.g. when there are fewer affiliations than ``k``).  The
  affiliation key of a judge is ``affiliation`` if non-empty, else
  ``unit_id``; a judge with neither never counts as a repeat.
* **Determinism**: for the same inputs (same order) and ``seed`` the result is
  identical; ``seed`` only shuffles ties.

Algorithm
---------
1. Greedy: cases with fewer than ``3k`` unconflicted judges first (fewest
   first), then all others in an order shuffled by ``seed``; each case picks
   its judges least-loaded first (one heap per judge unit, so the judges of the
   case's own unit are never touched; ties broken randomly), preferring a new
   affiliation over a repeated one that has up to one case less.
2. Repair: the achievable load vectors form an M-convex set (degree vectors of
   a bipartite b-matching), on which a vector is decreasingly minimal iff no
   single exchange "one case moves from a judge with load L to a judge with
   load <= L - 2" is possible, where an exchange may be an alternating chain
   (case c1 moves from j1 to j2, case c2 from j2 to j3, ...).  Such chains are
   found with a breadth-first search over judges (sources in decreasing load
   order, every case expanded once per search) and applied until none
   remains.  This guarantees the balance property above.
3. Spread pass: moves that leave the multiset of loads unchanged (a case moves
   from a judge with load L to one with load L - 1, or two judges swap one
   case each), applied when they remove a repeated affiliation.  Best effort:
   repeats can remain when no such move exists or within the search budget.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

# Judge and case ids are whatever the caller uses (database keys in the portal); the results
# carry the same types back.
JudgeId = TypeVar("JudgeId", bound=Hashable)
CaseId = TypeVar("CaseId", bound=Hashable)
_Key = TypeVar("_Key", bound=Hashable)

__all__ = [
    "AssignmentResult",
    "CaseSpec",
    "JudgeSpec",
    "Shortfall",
    "assign",
    "assign_all",
]


@dataclass(frozen=True)
class CaseSpec(Generic[CaseId]):
    id: CaseId
    unit_id: Hashable | None = None  # the submitting unit; judges of this unit are conflicted


@dataclass(frozen=True)
class JudgeSpec(Generic[JudgeId]):
    id: JudgeId
    unit_id: Hashable | None = None  # the judge's own unit (affiliation), None if external
    affiliation: str = ""  # affiliation label used for spreading (falls back to unit_id)


@dataclass(frozen=True)
class Shortfall:
    """Why a case was left unassigned."""

    available: int  # unconflicted judges in the panel
    needed: int  # k
    code: str = "insufficient_judges"

    @property
    def message(self) -> str:
        return f"only {self.available} unconflicted judges, {self.needed} needed"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class AssignmentResult(Generic[JudgeId, CaseId]):
    # case id -> judge ids (in the order of the ``judges`` argument); only
    # covered cases, in the order of the ``cases`` argument.
    assignments: dict[CaseId, tuple[JudgeId, ...]]
    # judge id -> number of assigned cases, for every judge (0 included).
    loads: dict[JudgeId, int]
    # case id -> Shortfall for cases that could not get k unconflicted judges.
    unassigned: dict[CaseId, Shortfall]
    # max(load) - min(load) <= 1 over all judges.
    balanced: bool
    # human-readable summary; explains an imbalance.
    message: str
    # existing (judge_id, case_id) pairs that were not kept: conflicted pairs
    # and pairs of cases that ended up unassigned (in case order, then judge order).
    dropped_existing: tuple[tuple[JudgeId, CaseId], ...] = ()
    # number of assigned cases on which two judges share an affiliation key.
    affiliation_repeats: int = 0
    # judge ids that have no unconflicted coverable case at all.
    idle_judges: tuple[JudgeId, ...] = field(default=())

    @property
    def pairs(self) -> set[tuple[JudgeId, CaseId]]:
        """All assigned (judge_id, case_id) pairs."""
        return {(j, c) for c, js in self.assignments.items() for j in js}

    @property
    def spread(self) -> int:
        """max(load) - min(load); 0 without judges."""
        return max(self.loads.values()) - min(self.loads.values()) if self.loads else 0


# ---------------------------------------------------------------------------
# Shared preparation
# ---------------------------------------------------------------------------


class _Panel(Generic[JudgeId, CaseId]):
    """Index-based view of the inputs."""

    def __init__(
        self,
        cases: Sequence[CaseSpec[CaseId]],
        judges: Sequence[JudgeSpec[JudgeId]],
        conflicts: Iterable[tuple[JudgeId, CaseId]],
    ) -> None:
        self.cases = list(cases)
        self.judges = list(judges)
        self.case_index = _index([c.id for c in self.cases], "case")
        self.judge_index = _index([j.id for j in self.judges], "judge")
        self.case_unit = [c.unit_id for c in self.cases]
        self.judge_unit = [j.unit_id for j in self.judges]
        self.label = [j.affiliation if j.affiliation else j.unit_id for j in self.judges]
        n_judges = len(self.judges)
        by_unit: dict[Hashable, list[int]] = {}
        for j, unit in enumerate(self.judge_unit):
            if unit is not None:
                by_unit.setdefault(unit, []).append(j)
        self.unit_members = by_unit
        # explicit conflicts (judge index set per case index), unknown ids ignored
        self.conflict: dict[int, set[int]] = {}
        for judge_id, case_id in conflicts:
            case_at = self.case_index.get(case_id)
            judge_at = self.judge_index.get(judge_id)
            if case_at is not None and judge_at is not None:
                self.conflict.setdefault(case_at, set()).add(judge_at)
        everyone = list(range(n_judges))
        unit_candidates: dict[Hashable, list[int]] = {}
        self.candidates: list[list[int]] = []
        for c, unit in enumerate(self.case_unit):
            if unit is None or unit not in by_unit:
                base = everyone
            else:
                known = unit_candidates.get(unit)
                if known is None:
                    known = [j for j in everyone if self.judge_unit[j] != unit]
                    unit_candidates[unit] = known
                base = known
            extra = self.conflict.get(c)
            if extra:
                base = [j for j in base if j not in extra]
            self.candidates.append(base)  # shared lists: never mutate

    def eligible(self, j: int, c: int) -> bool:
        unit = self.judge_unit[j]
        if unit is not None and unit == self.case_unit[c]:
            return False
        extra = self.conflict.get(c)
        return not (extra and j in extra)


def _index(ids: list[_Key], what: str) -> dict[_Key, int]:
    index: dict[_Key, int] = {}
    for i, ident in enumerate(ids):
        if ident in index:
            raise ValueError(f"duplicate {what} id {ident!r}")
        index[ident] = i
    return index


def _finish(
    panel: _Panel[JudgeId, CaseId],
    assigned: list[set[int]],
    covered: list[bool],
    unassigned: dict[CaseId, Shortfall],
    dropped: list[tuple[JudgeId, CaseId]],
    balance_goal: bool,
) -> AssignmentResult[JudgeId, CaseId]:
    loads = [0] * len(panel.judges)
    assignments: dict[CaseId, tuple[JudgeId, ...]] = {}
    repeats = 0
    has_work = [False] * len(panel.judges)
    seen_pools: set[int] = set()
    for c, spec in enumerate(panel.cases):
        if not covered[c]:
            continue
        members = sorted(assigned[c])
        for j in members:
            loads[j] += 1
        assignments[spec.id] = tuple(panel.judges[j].id for j in members)
        labels = [panel.label[j] for j in members if panel.label[j] is not None]
        if len(set(labels)) < len(labels):
            repeats += 1
        pool = panel.candidates[c]
        if id(pool) not in seen_pools:  # candidate lists are shared between cases
            seen_pools.add(id(pool))
            for j in pool:
                has_work[j] = True
    idle = tuple(panel.judges[j].id for j, busy in enumerate(has_work) if not busy)
    load_map = {spec.id: loads[j] for j, spec in enumerate(panel.judges)}
    lo = min(loads) if loads else 0
    hi = max(loads) if loads else 0
    balanced = hi - lo <= 1
    if not panel.judges:
        message = "no judges"
    elif balanced:
        message = f"balanced: every judge has {lo}" + ("" if hi == lo else f" or {hi}") + " cases"
    elif balance_goal:
        message = (
            f"unbalanced: loads range {lo}-{hi}; conflicts and existing assignments make a "
            f"spread of at most 1 impossible, {hi - lo} is the smallest achievable"
        )
        if idle:
            message += f" ({len(idle)} judge(s) have no unconflicted case)"
    else:
        message = f"every judge scores every unconflicted case; loads range {lo}-{hi}"
    if unassigned:
        message += f"; {len(unassigned)} case(s) unassigned"
    case_order = panel.case_index
    judge_order = panel.judge_index
    dropped.sort(key=lambda pair: (case_order[pair[1]], judge_order[pair[0]]))
    return AssignmentResult(
        assignments=assignments,
        loads=load_map,
        unassigned=unassigned,
        balanced=balanced,
        message=message,
        dropped_existing=tuple(dropped),
        affiliation_repeats=repeats,
        idle_judges=idle,
    )


# ---------------------------------------------------------------------------
# k judges per case
# ---------------------------------------------------------------------------


def assign(
    cases: Sequence[CaseSpec[CaseId]],
    judges: Sequence[JudgeSpec[JudgeId]],
    *,
    k: int,
    conflicts: Iterable[tuple[JudgeId, CaseId]] = frozenset(),
    existing: Iterable[tuple[JudgeId, CaseId]] = frozenset(),
    seed: int = 0,
) -> AssignmentResult[JudgeId, CaseId]:
    """Give every case exactly ``k`` distinct unconflicted judges, loads balanced.

    ``conflicts`` and ``existing`` are iterables of ``(judge_id, case_id)``.
    ``existing`` pairs (e.g. judges who already started scoring) are kept and
    count towards ``k`` and towards the loads, unless the pair is conflicted
    or its case cannot be covered; such pairs are returned in
    ``dropped_existing``.  Unknown ids in ``conflicts`` are ignored; unknown
    ids in ``existing`` raise ValueError, as do duplicate ids and ``k < 1``.
    See the module docstring for the guarantees.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    panel = _Panel(cases, judges, conflicts)
    n_cases = len(panel.cases)
    n_judges = len(panel.judges)
    rng = random.Random(seed)

    assigned: list[set[int]] = [set() for _ in range(n_cases)]
    fixed: list[set[int]] = [set() for _ in range(n_cases)]
    dropped: list[tuple[JudgeId, CaseId]] = []
    for judge_id, case_id in existing:
        c = panel.case_index.get(case_id)
        j = panel.judge_index.get(judge_id)
        if c is None or j is None:
            raise ValueError(f"existing pair {(judge_id, case_id)!r} has an unknown id")
        if not panel.eligible(j, c):
            dropped.append((judge_id, case_id))
        else:
            fixed[c].add(j)

    unassigned: dict[CaseId, Shortfall] = {}
    covered = [False] * n_cases
    todo: list[tuple[int, float, int]] = []
    for c in range(n_cases):
        available = len(panel.candidates[c])
        if available < k:
            unassigned[panel.cases[c].id] = Shortfall(available, k)
            for j in sorted(fixed[c]):
                dropped.append((panel.judges[j].id, panel.cases[c].id))
            fixed[c] = set()
            continue
        covered[c] = True
        assigned[c] = set(fixed[c])
        if len(fixed[c]) < k:
            # scarce cases first; plentiful ones in random order so that no unit
            # sits out a long stretch of the greedy (which would clump its judges)
            todo.append((min(available, 3 * k), rng.random(), c))
    todo.sort()

    loads = [0] * n_judges
    for c in range(n_cases):
        for j in fixed[c]:
            loads[j] += 1
    movable: list[set[int]] = [set() for _ in range(n_judges)]  # judge -> movable cases

    # 1. greedy, least-loaded first, most constrained cases first
    _greedy(panel, [c for _, _, c in todo], k, assigned, movable, loads, rng)

    # 2. repair: remove every load-reducing exchange chain
    while n_judges and max(loads) - min(loads) > 1:
        path = _reducing_path(loads, assigned, movable, panel)
        if path is None:
            break
        for u, c, v in path:
            assigned[c].remove(u)
            assigned[c].add(v)
            movable[u].remove(c)
            movable[v].add(c)
            loads[u] -= 1
            loads[v] += 1

    # 3. affiliation spread: load-swapping single moves
    _spread_affiliations(panel, assigned, movable, loads, covered)

    return _finish(panel, assigned, covered, unassigned, dropped, balance_goal=True)


def _greedy(
    panel: _Panel[JudgeId, CaseId],
    order: list[int],
    k: int,
    assigned: list[set[int]],
    movable: list[set[int]],
    loads: list[int],
    rng: random.Random,
) -> None:
    """Fill each case in ``order`` up to k judges, least-loaded judges first.

    Judges sit in one heap per unit (key: load, random); a case merges the tops
    of the heaps of all units but its own, so that judges of the case's unit
    are never popped.  Among judges whose loads differ by at most
    ``_SPREAD_SLACK``, a judge whose affiliation is new to the case wins.
    """
    label = panel.label
    judge_unit = panel.judge_unit
    heaps: dict[Hashable, list[tuple[int, float, int]]] = {}
    for j in range(len(panel.judges)):
        heaps.setdefault(judge_unit[j], []).append((loads[j], rng.random(), j))
    for heap in heaps.values():
        heapq.heapify(heap)
    heappop = heapq.heappop
    heappush = heapq.heappush
    for c in order:
        on_case = assigned[c]
        need = k - len(on_case)
        case_unit = panel.case_unit[c]
        extra = panel.conflict.get(c, ())
        labels = {label[j] for j in on_case if label[j] is not None}
        front = [
            (heap[0], unit)
            for unit, heap in heaps.items()
            if heap and (unit is None or unit != case_unit)
        ]
        heapq.heapify(front)
        popped: list[tuple[int, float, int]] = []
        repeats: list[tuple[int, float, int]] = []  # eligible, affiliation already on case
        chosen: list[int] = []
        while len(chosen) < need:
            if front and (not repeats or front[0][0][0] <= repeats[0][0] + _SPREAD_SLACK):
                entry, unit = front[0]
                heap = heaps[unit]
                heappop(heap)
                if heap:
                    heapq.heapreplace(front, (heap[0], unit))
                else:
                    heappop(front)
                j = entry[2]
                if j in extra or j in on_case:
                    popped.append(entry)
                    continue
                if label[j] is not None and label[j] in labels:
                    repeats.append(entry)
                    continue
                chosen.append(j)
                if label[j] is not None:
                    labels.add(label[j])
            elif repeats:
                chosen.append(repeats.pop(0)[2])
            else:  # pragma: no cover - excluded by the availability check
                raise AssertionError("not enough eligible judges")
        for entry in popped:
            heappush(heaps[judge_unit[entry[2]]], entry)
        for entry in repeats:
            heappush(heaps[judge_unit[entry[2]]], entry)
        for j in chosen:
            on_case.add(j)
            movable[j].add(c)
            loads[j] += 1
            heappush(heaps[judge_unit[j]], (loads[j], rng.random(), j))


def _reducing_path(
    loads: list[int],
    assigned: list[set[int]],
    movable: list[set[int]],
    panel: _Panel[JudgeId, CaseId],
) -> list[tuple[int, int, int]] | None:
    """A chain of moves (judge u gives case c to judge v) from a judge with load L
    to a judge with load <= L - 2, or None if no such chain exists."""
    candidates = panel.candidates
    n_judges = len(loads)
    visited = bytearray(n_judges)
    n_left = n_judges
    expanded: set[int] = set()
    # Candidate lists are shared between cases of the same unit; keep, per
    # list, the members not yet visited (filtered lazily) so that re-scanning
    # an exhausted list is cheap.
    pool_left: dict[int, list[int]] = {}
    parent: list[tuple[int, int]] = [(-1, -1)] * n_judges
    lowest = min(loads)
    for source in sorted(range(n_judges), key=lambda j: -loads[j]):
        level = loads[source] - 2
        if level < lowest or not n_left:
            return None  # later sources have even lower loads / nothing left to reach
        if visited[source]:
            continue  # already explored from a source with at least this load
        visited[source] = 1
        n_left -= 1
        queue = deque([source])
        while queue and n_left:
            u = queue.popleft()
            for c in movable[u]:
                if c in expanded:
                    continue
                expanded.add(c)
                on_case = assigned[c]
                pool = candidates[c]
                rest = [v for v in pool_left.get(id(pool), pool) if not visited[v]]
                pool_left[id(pool)] = rest
                for v in rest:
                    if v in on_case:
                        continue
                    visited[v] = 1
                    n_left -= 1
                    parent[v] = (u, c)
                    if loads[v] <= level:
                        path = []
                        node = v
                        while node != source:
                            prev, case = parent[node]
                            path.append((prev, case, node))
                            node = prev
                        path.reverse()
                        return path
                    queue.append(v)
    return None


_SPREAD_SLACK = 1  # greedy: a new affiliation beats a repeat that has up to this much less load
_SWAP_TRIES = 8  # cases of one replacement judge examined for a swap
_SWAP_BUDGET = 32  # cases examined for swaps per repeated judge (bounds the work)


def _spread_affiliations(
    panel: _Panel[JudgeId, CaseId],
    assigned: list[set[int]],
    movable: list[set[int]],
    loads: list[int],
    covered: list[bool],
) -> None:
    """Remove repeated affiliations without changing the multiset of loads.

    For a judge ``a`` whose affiliation is repeated on case ``c``, look for an
    eligible judge ``b`` with an affiliation new to ``c`` and either move ``c``
    from ``a`` to ``b`` when ``load(b) == load(a) - 1`` (the two loads swap), or
    swap: ``b`` gives one of their cases ``d`` to ``a`` and takes ``c``, when
    ``a`` may score ``d`` and brings no repeated affiliation to it.
    """
    label = panel.label
    candidates = panel.candidates
    eligible = panel.eligible
    for c in range(len(panel.cases)):
        if not covered[c]:
            continue
        on_case = assigned[c]
        counts: dict[Hashable, int] = {}
        for j in on_case:
            if label[j] is not None:
                counts[label[j]] = counts.get(label[j], 0) + 1
        if all(n < 2 for n in counts.values()):
            continue
        fresh = [
            b
            for b in candidates[c]
            if b not in on_case and (label[b] is None or label[b] not in counts)
        ]
        if not fresh:
            continue
        swap_failed: set[Hashable] = set()  # labels for which no swap was found on c
        for a in sorted(on_case):
            la = label[a]
            if la is None or counts.get(la, 0) < 2 or c not in movable[a]:
                continue
            b = _fresh_judge(a, fresh, on_case, counts, label, loads)
            swap_case = None
            if b is None and la not in swap_failed:
                b, swap_case = _swap_partner(
                    a, fresh, on_case, counts, label, assigned, movable, eligible
                )
                if b is None:
                    swap_failed.add(la)
            if b is None:
                continue
            if swap_case is None:
                loads[a] -= 1
                loads[b] += 1
            else:
                assigned[swap_case].remove(b)
                assigned[swap_case].add(a)
                movable[b].remove(swap_case)
                movable[a].add(swap_case)
            on_case.remove(a)
            on_case.add(b)
            movable[a].remove(c)
            movable[b].add(c)
            counts[la] -= 1
            lb = label[b]
            if lb is not None:
                counts[lb] = 1


def _is_fresh(
    b: int, on_case: set[int], counts: Mapping[Hashable, int], label: Sequence[Hashable | None]
) -> bool:
    lb = label[b]
    return b not in on_case and (lb is None or lb not in counts)


def _fresh_judge(
    a: int,
    fresh: Iterable[int],
    on_case: set[int],
    counts: Mapping[Hashable, int],
    label: Sequence[Hashable | None],
    loads: Sequence[int],
) -> int | None:
    """A judge with a new affiliation whose load is load(a) - 1 (loads swap)."""
    target = loads[a] - 1
    for b in fresh:
        if loads[b] == target and _is_fresh(b, on_case, counts, label):
            return b
    return None


def _swap_partner(
    a: int,
    fresh: Iterable[int],
    on_case: set[int],
    counts: Mapping[Hashable, int],
    label: Sequence[Hashable | None],
    assigned: Sequence[set[int]],
    movable: Sequence[set[int]],
    eligible: Callable[[int, int], bool],
) -> tuple[int, int] | tuple[None, None]:
    """(b, d): judge b with a new affiliation and a case d of b that a can take over."""
    la = label[a]
    budget = _SWAP_BUDGET
    for b in fresh:
        if not _is_fresh(b, on_case, counts, label):
            continue
        for tries, d in enumerate(movable[b]):
            if tries == _SWAP_TRIES or budget == 0:
                break
            budget -= 1
            others = assigned[d]
            if a in others or not eligible(a, d):
                continue
            if any(label[x] == la for x in others):
                continue
            return b, d
        if budget == 0:
            break
    return None, None


# ---------------------------------------------------------------------------
# every judge scores every case
# ---------------------------------------------------------------------------


def assign_all(
    cases: Sequence[CaseSpec[CaseId]],
    judges: Sequence[JudgeSpec[JudgeId]],
    conflicts: Iterable[tuple[JudgeId, CaseId]] = frozenset(),
) -> AssignmentResult[JudgeId, CaseId]:
    """Every judge scores every case they are not conflicted with.

    Cases without any unconflicted judge are listed in ``unassigned``
    (``Shortfall(0, 1)``).  ``balanced`` reports whether loads happen to differ
    by at most one; balance is not a goal here.
    """
    panel = _Panel(cases, judges, conflicts)
    assigned: list[set[int]] = []
    covered: list[bool] = []
    unassigned: dict[CaseId, Shortfall] = {}
    for c, spec in enumerate(panel.cases):
        members = panel.candidates[c]
        if not members:
            unassigned[spec.id] = Shortfall(0, 1)
        assigned.append(set(members))
        covered.append(bool(members))
    return _finish(panel, assigned, covered, unassigned, [], balance_goal=False)
