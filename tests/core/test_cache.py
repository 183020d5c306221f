"""core/cache.py: the keys and their invalidation, and a cache that is down is only a miss."""

import pytest
from django.test import override_settings

from core import cache as caches

pytestmark = pytest.mark.django_db  # invalidations wait for the transaction to commit

DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_a_series_change_makes_new_page_keys():
    key = caches.public_page_key(slug="s", number=1, language="en")
    assert caches.public_page_key(slug="s", number=1, language="en") == key
    caches.public_page_put(key, b"<html>")
    assert caches.public_page_get(key) == b"<html>"
    caches.series_changed("s")
    assert caches.public_page_key(slug="s", number=1, language="en") != key


def test_a_round_change_makes_every_cached_judge_queue_stale(django_capture_on_commit_callbacks):
    ids, version = caches.judge_queue_get(7, 3)
    assert ids is None
    caches.judge_queue_put(7, 3, version, [1, 2, 3])
    assert caches.judge_queue_get(7, 3) == ([1, 2, 3], version)
    with django_capture_on_commit_callbacks(execute=True):
        caches.judge_queue_changed(3)
    assert caches.judge_queue_get(7, 3)[0] is None


def test_keys_are_versioned():
    assert caches.results_table_key(5, ("a", 1)) == f"v{caches.VERSION}:results-table:5:a:1"
    assert caches.round_stats_key(5, 1.5, "en").startswith(f"v{caches.VERSION}:round-stats:")


@override_settings(CACHES=DOWN)
def test_a_cache_that_is_down_is_a_miss(caplog):
    key = caches.public_page_key(slug="s", number=1, language="en")
    caches.public_page_put(key, b"<html>")
    assert caches.public_page_get(key) is None
    caches.results_table_put("k", "<table>")
    assert caches.results_table_get("k") is None
    assert caches.judge_queue_get(1, 2) == (None, 0)
    caches.series_changed("s")
    assert "cache unavailable" in caplog.text
