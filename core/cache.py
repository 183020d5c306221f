"""Every use of the cache, in one place: each key (named, versioned), how long it lives, and what
invalidates it. The apps call these functions; nothing else touches `django.core.cache`.

The cache only ever holds copies: a lost or stale entry costs a recomputation, never a wrong
decision (every page still checks access, and the results' state lives in the database, on the
round). So a cache that fails (a Redis that is down) is a cache that misses: every function here
logs the error and goes on without it. In production every process shares the cache (CACHES in
civiccases/settings.py); the lifetimes below bound what a process that does not share it shows.

Keys start with VERSION: change it when the shape of a cached value changes, and entries written
by the previous code are ignored (they expire on their own).
"""

import logging
import time
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

VERSION = 1

#: A judge's queue of a round (scoring page: previous/next, "n of m").
JUDGE_QUEUE_TTL = 60
#: The ranking table of a results page (also bounds how long an edited case title can show).
RESULTS_TABLE_TTL = 300
#: The statistics of a round (per computation of its results).
ROUND_STATS_TTL = 3600
#: A published installment's page for anonymous readers.
PUBLIC_PAGE_TTL = 60


def _key(*parts) -> str:
    return f"v{VERSION}:" + ":".join(str(part) for part in parts)


def _get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 — the cache is down: a miss
        log.warning("cache unavailable (get %s)", key, exc_info=True)
        return None


def _get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable (get %s)", keys, exc_info=True)
        return {}


def _set(key: str, value, ttl: int | None) -> None:
    try:
        cache.set(key, value, ttl)
    except Exception:  # noqa: BLE001 — not kept: computed again next time
        log.warning("cache unavailable (set %s)", key, exc_info=True)


# --------------------------------------------------------------------------- judge queues
# Services that add or remove reviews, or record conflicts, call `judge_queue_changed(round_id)`:
# every judge's cached queue of that round is then recomputed on its next read. The entries also
# expire after JUDGE_QUEUE_TTL, which bounds what no service reports (a judge's unit memberships
# changing). Only navigation depends on this: every page still checks access to the review.


def _judge_queue_version_key(round_id: int) -> str:
    return _key("judge-queue-version", round_id)


def _judge_queue_key(judge_id: int, round_id: int) -> str:
    return _key("judge-queue", judge_id, round_id)


def judge_queue_get(judge_id: int, round_id: int) -> tuple[list[int] | None, int]:
    """(the cached ids, or None when missing or older than the round's last change; the round's
    version to `judge_queue_put` a recomputed queue under — read before recomputing it)."""
    version_key, queue_key = (
        _judge_queue_version_key(round_id),
        _judge_queue_key(judge_id, round_id),
    )
    got = _get_many([version_key, queue_key])
    version = got.get(version_key, 0)
    entry = got.get(queue_key)
    return (entry[1] if entry is not None and entry[0] == version else None), version


def judge_queue_put(judge_id: int, round_id: int, version: int, ids: list[int]) -> None:
    _set(_judge_queue_key(judge_id, round_id), (version, ids), JUDGE_QUEUE_TTL)


def judge_queue_changed(round_id: int) -> None:
    """Every judge's queue of the round is stale (once the current transaction commits)."""
    transaction.on_commit(
        lambda: _set(_judge_queue_version_key(round_id), time.time_ns(), JUDGE_QUEUE_TTL * 10)
    )


# --------------------------------------------------------------------------- results pages
# Both keys hold the moment the results were computed (and everything else the page depends
# on): a new computation, a changed rule or award list makes a new key, and the old entry
# expires. Nothing needs deleting.


def results_table_key(round_id: int, parts: Iterable) -> str:
    """The ranking table of a round: `parts` are everything it depends on (the computation's
    time, the rule, the award numbers and list, order, filter, page and language)."""
    return _key("results-table", round_id, *parts)


def results_table_get(key: str) -> str | None:
    return _get(key)


def results_table_put(key: str, html: str) -> None:
    _set(key, html, RESULTS_TABLE_TTL)


def round_stats_key(round_id: int, computed_at: float, language: str) -> str:
    return _key("round-stats", round_id, computed_at, language)


def round_stats_get(key: str) -> dict | None:
    return _get(key)


def round_stats_put(key: str, data: dict) -> None:
    _set(key, data, ROUND_STATS_TTL)


# --------------------------------------------------------------------------- public pages
# A published version never changes, but an installment page also links to its neighbours, so
# a series has one generation token: publishing or withdrawing any installment of the series
# (`series_changed`) starts a new generation and every cached page of it is left to expire.


def _series_generation_key(slug: str) -> str:
    return _key("series-generation", slug)


def public_page_key(*, slug: str, number: int, language: str) -> str:
    try:
        generation = cache.get_or_set(_series_generation_key(slug), lambda: uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 — the cache is down: a key of no generation
        log.warning("cache unavailable (series %s)", slug, exc_info=True)
        generation = "none"
    return _key("public-page", slug, generation, number, language)


def public_page_get(key: str) -> bytes | None:
    return _get(key)


def public_page_put(key: str, content: bytes) -> None:
    _set(key, content, PUBLIC_PAGE_TTL)


def series_changed(slug: str) -> None:
    """Every cached page of the series is stale: now, and again once the current transaction
    commits (so a reader's request in between cannot cache the old page under the new
    generation)."""
    _new_generation(slug)
    transaction.on_commit(lambda: _new_generation(slug))


def _new_generation(slug: str) -> None:
    _set(_series_generation_key(slug), uuid.uuid4().hex, None)
