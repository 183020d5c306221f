"""Every use of the cache, in one place: each key (named, versioned), how long it lives, and what
invalidates it. The apps call these functions; nothing else touches `django.core.cache`.

The cache only ever holds copies: a lost or stale entry costs a recomputation, never a wrong
decision (every page still checks access, and the results' state lives in the database, on the
round). So a cache that fails (a Redis that is down) is a cache that misses: every function here
goes on without it, and the page is computed. The process logs the outage once (a warning with
its cause) and once more when the cache answers again; in between it leaves the cache alone for
RETRY_AFTER seconds after each failure, so a Redis that does not answer costs one request per
process its connection timeout that often, not every request every call. Invalidations (a new
series generation, a judge-queue version) are always tried: one lost while the cache is down is
bounded by the entry's lifetime, like everything else here. In production every process shares
the cache (CACHES in civiccases/settings.py); the lifetimes below bound what a process that does
not share it shows. `status()` is the cache's line on /healthz (core/health.py).

Keys start with VERSION: change it when the shape of a cached value changes, and entries written
by the previous code are ignored (they expire on their own).
"""

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

log = logging.getLogger(__name__)

T = TypeVar("T")

VERSION = 1

#: Seconds the cache is left alone (every read a miss, every write skipped) after it failed.
RETRY_AFTER = 10.0

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


class _Outage:
    """This process's view of the cache: up, or down since a moment (and left alone until
    another). A lock makes the log lines once per outage under threaded workers too."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.down_since: float | None = None
        self.retry_at = 0.0

    def skipping(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            first = self.down_since is None
            if first:
                self.down_since = now
            self.retry_at = now + RETRY_AFTER
        if first:
            log.warning(
                "cache unavailable (%s): %s: %s; pages are computed without it, and it is "
                "tried again every %d s",
                what,
                exc.__class__.__name__,
                exc,
                RETRY_AFTER,
                exc_info=exc,
            )
        else:
            log.debug("cache still unavailable (%s): %r", what, exc)

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            log.warning("cache available again after %.0f s", time.monotonic() - since)


_outage = _Outage()


@receiver(setting_changed)
def _forget_outage(*, setting: str, **kwargs: object) -> None:
    """Another cache (tests override CACHES): what was known of the previous one is void."""
    if setting == "CACHES":
        _outage.reset()


def _attempt(what: str, call: Callable[[], T], missing: T, *, always: bool = False) -> T:
    """`call()` on the cache, or `missing` when the cache fails (or failed less than
    RETRY_AFTER seconds ago, unless `always`)."""
    if not always and _outage.skipping():
        return missing
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 — the cache is down: a miss, a write not kept
        _outage.failed(what, exc)
        return missing
    _outage.answered()
    return result


def _get(key: str) -> Any:
    return _attempt(f"get {key}", lambda: cache.get(key), None)


def _get_many(keys: list[str]) -> dict[str, Any]:
    return _attempt(f"get {keys}", lambda: cache.get_many(keys), {})


def _set(key: str, value: object, ttl: int | None, *, always: bool = False) -> None:
    _attempt(f"set {key}", lambda: cache.set(key, value, ttl), None, always=always)


def status() -> str:
    """The cache on /healthz: "ok", "per-process" (no shared cache: LocMemCache) or
    "down: <error>". Always asks (a probe every few seconds also ends an outage sooner)."""
    if isinstance(caches["default"], LocMemCache):
        return "per-process"
    try:
        cache.get(_key("health"))
    except Exception as exc:  # noqa: BLE001
        _outage.failed("health", exc)
        return f"down: {exc.__class__.__name__}"
    _outage.answered()
    return "ok"


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
        lambda: _set(
            _judge_queue_version_key(round_id), time.time_ns(), JUDGE_QUEUE_TTL * 10, always=True
        )
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
    key = _series_generation_key(slug)

    def generation_of_series() -> str:
        return str(cache.get_or_set(key, lambda: uuid.uuid4().hex, None))

    # The cache down: a key of no generation (nothing is stored under it either).
    generation = _attempt(f"get-or-set {key}", generation_of_series, "none")
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
    _set(_series_generation_key(slug), uuid.uuid4().hex, None, always=True)


# --------------------------------------------------------------------------- rate limits

#: Password reset requests (email link or text-message code): per account and per client
#: address, RESET_REQUESTS_PER_WINDOW in RESET_WINDOW seconds each.
RESET_REQUESTS_PER_WINDOW = 5
RESET_WINDOW = 3600
#: An organizer sends one person the invitation again at most once in this many seconds.
INVITE_WINDOW = 60


def rate_limit_hit(kind: str, who: str, *, limit: int, window: int) -> bool:
    """Count one request of `kind` by `who` (an account, an address) in a fixed window of
    `window` seconds; True when this one is over `limit`. The count lives in the cache: a cache
    that is down counts nothing (a request is never refused for the cache's sake), and a
    per-process cache (LocMemCache) counts per process."""
    key = _key("rate", kind, hashlib.sha256(who.encode("utf-8", "replace")).hexdigest()[:32])

    def count() -> int:
        if cache.add(key, 1, window):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window)
            return 1

    return _attempt(f"rate {key}", count, 0) > limit


# --------------------------------------------------------------------------- the site profile
# Every page shows the site profile (header and footer): it is read once from the database,
# then from the cache until an organizer saves it (`site_profile_changed`). SITE_PROFILE_TTL
# bounds what a process that does not share the cache shows after a change elsewhere.

#: The site profile (header, footer) of every page.
SITE_PROFILE_TTL = 300
#: The public home page for anonymous visitors (calls, notices, series change under it).
PUBLIC_HOME_TTL = 60


def _site_profile_key() -> str:
    return _key("site-profile")


def site_profile(load: Callable[[], dict]) -> dict:
    """The profile as the pages show it: from the cache, or `load()` (one query) and kept."""
    key = _site_profile_key()
    value = _get(key)
    if value is None:
        value = load()
        _set(key, value, SITE_PROFILE_TTL)
    return value


def site_profile_changed() -> None:
    """The profile changed: every page reads it anew, now and once the current transaction
    commits (a request in between cannot keep the old one); the public home (which shows it)
    starts a new generation too."""
    _attempt("delete site-profile", _delete_site_profile, None, always=True)
    transaction.on_commit(
        lambda: _attempt("delete site-profile", _delete_site_profile, None, always=True)
    )
    public_home_changed()


def _delete_site_profile() -> None:
    cache.delete(_site_profile_key())


def _public_home_generation_key() -> str:
    return _key("public-home-generation")


def public_home_key(*, language: str) -> str:
    key = _public_home_generation_key()

    def generation() -> str:
        return str(cache.get_or_set(key, lambda: uuid.uuid4().hex, None))

    return _key("public-home", _attempt(f"get-or-set {key}", generation, "none"), language)


def public_home_get(key: str) -> bytes | None:
    return _get(key)


def public_home_put(key: str, content: bytes) -> None:
    _set(key, content, PUBLIC_HOME_TTL)


def public_home_changed() -> None:
    """The cached public home is stale (now and once the current transaction commits)."""
    _set(_public_home_generation_key(), uuid.uuid4().hex, None, always=True)
    transaction.on_commit(
        lambda: _set(_public_home_generation_key(), uuid.uuid4().hex, None, always=True)
    )
