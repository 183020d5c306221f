"""The verifiable random drawing of experts (专家随机抽取): pure, without Django.

docs/drawing.md describes the algorithm in words so that anyone can re-implement it; this module
is the reference. In short:

1. commit: a random 32-byte seed; the pool snapshot (eligible experts sorted by id, each with a
   tier — 0 normal, 1 de-prioritised — and the excluded ones with their reason), the rules and
   the facts of the drawing (call, round, operator, witness, time) are put into one canonical JSON
   text; the commitment is SHA-256(seed ‖ that text) and is published before drawing;
2. draw: a stream of 32-bit numbers from HMAC-SHA256(seed, counter) chooses uniformly (rejection
   sampling) with a partial Fisher–Yates shuffle: first the per-field quotas in their given order,
   then the rest of the panel from anyone, then the backups in order; within each step the
   normal tier before the de-prioritised one;
3. reveal: the seed is published with the result; `verify` re-runs both steps.

`verify_draw` (the command) and the public verify page import only this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

ALGORITHM = "civiccases-draw-1"  # HMAC-SHA256 stream, rejection sampling, partial Fisher–Yates
FORMAT = "civiccases-drawing-record"
SEED_BYTES = 32
MAX_POOL = 20000  # experts in a snapshot; records beyond these limits are refused, unread
MAX_QUOTAS = 50


@dataclass(frozen=True)
class Expert:
    """One expert of the pool snapshot: the id, the name and the fields of expertise."""

    id: int
    name: str
    fields: tuple[str, ...] = ()
    tier: int = 0  # 0 normal; 1 de-prioritised (drawn only when tier 0 runs out)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "fields": list(self.fields), "tier": self.tier}


@dataclass(frozen=True)
class Rules:
    """What the draw picks: `count` experts (of which `quotas` [(field, n), …] in that order
    come from a field), then `backups` in order."""

    count: int
    backups: int = 0
    quotas: tuple[tuple[str, int], ...] = ()
    exclusions: dict[str, Any] = field(default_factory=dict)  # recorded, applied to the pool

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "backups": self.backups,
            "quotas": [[name, n] for name, n in self.quotas],
            "exclusions": self.exclusions,
        }


@dataclass(frozen=True)
class Result:
    drawn: tuple[int, ...]
    backups: tuple[int, ...]
    shortfall: tuple[str, ...] = ()  # what could not be filled ("城市管理: 1", "panel: 2")

    def as_json(self) -> dict[str, Any]:
        return {
            "drawn": list(self.drawn),
            "backups": list(self.backups),
            "shortfall": list(self.shortfall),
        }


def canonical(value: Any) -> bytes:
    """The canonical JSON text: keys sorted, no spaces, UTF-8 (not escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def committed_payload(
    *,
    facts: dict[str, Any],
    eligible: Sequence[Expert],
    excluded: Sequence[dict[str, Any]],
    rules: Rules,
) -> dict[str, Any]:
    """What the commitment covers: the facts, the pool snapshot and the rules."""
    return {
        "facts": facts,
        "snapshot": {
            "eligible": [e.as_json() for e in sorted(eligible, key=lambda e: e.id)],
            "excluded": sorted(excluded, key=lambda x: int(x["id"])),
        },
        "rules": rules.as_json(),
    }


def commitment(seed: bytes, payload: dict[str, Any]) -> str:
    """SHA-256(seed ‖ canonical JSON of the payload), in hexadecimal."""
    return hashlib.sha256(seed + canonical(payload)).hexdigest()


class Stream:
    """Uniform choices from HMAC-SHA256(key=seed, message=counter as 8 bytes big-endian), each
    32-byte block read as eight 32-bit big-endian numbers, the counter starting at 0."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._words = self._generate()

    def _generate(self) -> Iterator[int]:
        counter = 0
        while True:
            block = hmac.new(self._seed, counter.to_bytes(8, "big"), hashlib.sha256).digest()
            for i in range(0, 32, 4):
                yield int.from_bytes(block[i : i + 4], "big")
            counter += 1

    def below(self, n: int) -> int:
        """A uniform number in [0, n): 32-bit numbers at or above the largest multiple of n
        below 2³² are skipped (rejection sampling), the rest taken modulo n."""
        if not 0 < n <= 2**32:
            raise ValueError("n out of range")
        limit = 2**32 - (2**32 % n)
        while True:
            word = next(self._words)
            if word < limit:
                return word % n


def _pick(stream: Stream, candidates: list[int], k: int) -> list[int]:
    """k of the candidates (ids in ascending order) by a partial Fisher–Yates shuffle."""
    pool = sorted(candidates)
    k = min(k, len(pool))
    for i in range(k):
        j = i + stream.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def _take(stream: Stream, experts: Sequence[Expert], taken: set[int], k: int) -> list[int]:
    """k experts not yet taken, the normal tier first, then the de-prioritised one."""
    chosen: list[int] = []
    for tier in sorted({e.tier for e in experts}):
        if len(chosen) >= k:
            break
        candidates = [e.id for e in experts if e.tier == tier and e.id not in taken]
        got = _pick(stream, candidates, k - len(chosen))
        chosen += got
        taken.update(got)
    return chosen


def draw(seed: bytes, eligible: Sequence[Expert], rules: Rules) -> Result:
    """The draw: quotas in their order, then the rest of the panel, then the backups."""
    stream = Stream(seed)
    experts = sorted(eligible, key=lambda e: e.id)
    taken: set[int] = set()
    drawn: list[int] = []
    shortfall: list[str] = []
    for name, n in rules.quotas:
        n = max(0, min(n, rules.count - len(drawn)))
        got = _take(stream, [e for e in experts if name in e.fields], taken, n)
        drawn += got
        if len(got) < n:
            shortfall.append(f"{name}: {n - len(got)}")
    rest = max(0, rules.count - len(drawn))
    got = _take(stream, experts, taken, rest)
    drawn += got
    if len(got) < rest:
        shortfall.append(f"panel: {rest - len(got)}")
    backups = _take(stream, experts, taken, max(0, rules.backups))
    if len(backups) < rules.backups:
        shortfall.append(f"backups: {rules.backups - len(backups)}")
    return Result(drawn=tuple(drawn), backups=tuple(backups), shortfall=tuple(shortfall))


# ---- records --------------------------------------------------------------------------------


def experts_from_json(items: Any) -> list[Expert]:
    if not isinstance(items, list):
        raise ValueError("snapshot.eligible is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("an eligible expert is not an object")
        fields = item.get("fields", [])
        if not isinstance(fields, list):
            raise ValueError("an expert's fields are not a list")
        out.append(
            Expert(
                id=int(item["id"]),
                name=str(item["name"]),
                fields=tuple(str(f) for f in fields),
                tier=int(item.get("tier", 0)),
            )
        )
    return out


def rules_from_json(data: Any) -> Rules:
    if not isinstance(data, dict):
        raise ValueError("rules is not an object")
    quotas = data.get("quotas", [])
    if not isinstance(quotas, list):
        raise ValueError("rules.quotas is not a list")
    exclusions = data.get("exclusions", {})
    if not isinstance(exclusions, dict):
        raise ValueError("rules.exclusions is not an object")
    return Rules(
        count=int(data["count"]),
        backups=int(data.get("backups", 0)),
        quotas=tuple((str(q[0]), int(q[1])) for q in quotas),
        exclusions=exclusions,
    )


MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError)


def verify(record: Any) -> list[str]:
    """What is wrong with a drawing record (an empty list: it is consistent). Checks the format
    and algorithm, that the commitment is SHA-256(seed ‖ facts, snapshot and rules), that the
    drawn and backup experts are what the draw gives, and that no excluded expert was drawn.
    Never raises on a malformed record: it says so."""
    try:
        return _verify(record)
    except MALFORMED as exc:
        return [f"The record is incomplete or malformed: {exc!r}"[:500]]


def _verify(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return ["The record is not a JSON object."]
    problems: list[str] = []
    if record.get("format") != FORMAT:
        problems.append(f"format: expected {FORMAT!r}, found {record.get('format')!r}")
    if record.get("algorithm") != ALGORITHM:
        return [*problems, f"algorithm: unknown {record.get('algorithm')!r}"]
    try:
        seed = bytes.fromhex(str(record["seed"]))
        snapshot = record["snapshot"]
        eligible = experts_from_json(snapshot["eligible"])
        excluded = snapshot["excluded"]
        if not isinstance(excluded, list):
            raise ValueError("snapshot.excluded is not a list")
        rules = rules_from_json(record["rules"])
        result = record["result"]
        stated = (list(result["drawn"]), list(result["backups"]))
        facts = record["facts"]
    except MALFORMED as exc:
        return [*problems, f"The record is incomplete or malformed: {exc!r}"[:500]]
    if len(eligible) > MAX_POOL or len(rules.quotas) > MAX_QUOTAS:
        return [
            *problems,
            f"The record is too large: over {MAX_POOL} experts or {MAX_QUOTAS} quotas.",
        ]
    if len(seed) != SEED_BYTES:
        problems.append(f"seed: {len(seed)} bytes, expected {SEED_BYTES}")
    payload = {"facts": facts, "snapshot": snapshot, "rules": record["rules"]}
    expected = commitment(seed, payload)
    if record.get("commitment") != expected:
        problems.append(
            "commitment: the record says "
            f"{record.get('commitment')!r}, SHA-256(seed ‖ facts, snapshot, rules) is {expected!r}"
        )
    again = draw(seed, eligible, rules)
    if stated[0] != list(again.drawn):
        problems.append(
            f"result.drawn: the record says {stated[0]}, the draw gives {list(again.drawn)}"
        )
    if stated[1] != list(again.backups):
        problems.append(
            f"result.backups: the record says {stated[1]}, the draw gives {list(again.backups)}"
        )
    if list(result.get("shortfall", [])) != list(again.shortfall):
        problems.append(
            f"result.shortfall: the record says {result.get('shortfall')}, "
            f"the draw gives {list(again.shortfall)}"
        )
    names = {e.id: e.name for e in eligible}
    stated_names = record.get("result_names")
    if isinstance(stated_names, dict):
        for key, ids in (("drawn", stated[0]), ("backups", stated[1])):
            if stated_names.get(key) != [names.get(i, "") for i in ids]:
                problems.append(f"result_names.{key}: the names do not match the snapshot")
    excluded_ids = {x.get("id") for x in excluded if isinstance(x, dict)}
    bad = [i for i in stated[0] + stated[1] if i in excluded_ids]
    if bad:
        problems.append(f"result: excluded experts drawn: {bad}")
    return problems
