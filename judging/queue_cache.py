"""A judge's queue of a round (its review ids in case order), cached for the scoring page's
previous/next links and "n of m".

Services that add or remove reviews, or record conflicts, call `changed(round_id)` once their
transaction commits: every judge's cached queue of that round is then recomputed on its next
read. The entries also expire after QUEUE_CACHE_SECONDS, which bounds what no service reports
(a judge's unit memberships changing). Only navigation depends on this: every page still checks
the judge's access to the review itself.
"""

import time

from django.core.cache import cache
from django.db import transaction

QUEUE_CACHE_SECONDS = 60


def _round_key(round_id: int) -> str:
    return f"judge-queue-version:{round_id}"


def _judge_key(judge_id: int, round_id: int) -> str:
    return f"judge-queue:{judge_id}:{round_id}"


def get(judge_id: int, round_id: int) -> tuple[list[int] | None, int]:
    """(the cached ids or None when missing or older than the round's last change, the round's
    version to `put` a recomputed queue under — read before recomputing it)."""
    got = cache.get_many([_round_key(round_id), _judge_key(judge_id, round_id)])
    version = got.get(_round_key(round_id), 0)
    entry = got.get(_judge_key(judge_id, round_id))
    return (entry[1] if entry is not None and entry[0] == version else None), version


def put(judge_id: int, round_id: int, version: int, ids: list[int]) -> None:
    cache.set(_judge_key(judge_id, round_id), (version, ids), QUEUE_CACHE_SECONDS)


def changed(round_id: int) -> None:
    """Every judge's queue of the round is stale (after the current transaction commits)."""
    transaction.on_commit(
        lambda: cache.set(_round_key(round_id), time.time_ns(), QUEUE_CACHE_SECONDS * 10)
    )
