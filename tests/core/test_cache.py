"""core/cache.py: the keys and their invalidation, and a cache that is down is only a miss."""

import logging
import re
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
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


class FlakyCache(BaseCache):
    """A cache whose server can be taken down and brought back; counts what reaches it."""

    down = True
    calls = 0

    def __init__(self, location, params):
        super().__init__(params)
        self.data: dict = {}

    def _reach(self):
        type(self).calls += 1
        if type(self).down:
            raise redis.ConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

    def get(self, key, default=None, version=None):
        self._reach()
        return self.data.get(key, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._reach()
        self.data[key] = value

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._reach()
        return self.data.setdefault(key, value) is value

    def get_many(self, keys, version=None):
        self._reach()
        return {k: self.data[k] for k in keys if k in self.data}


FLAKY = {"default": {"BACKEND": f"{__name__}.FlakyCache"}}


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@override_settings(CACHES=FLAKY)
def test_an_outage_is_logged_once_and_the_cache_left_alone_until_the_retry(
    caplog, monkeypatch, django_capture_on_commit_callbacks
):
    FlakyCache.down, FlakyCache.calls = True, 0
    monkeypatch.setattr(caches, "RETRY_AFTER", 0.2, raising=False)
    caplog.set_level(logging.DEBUG, logger="core.cache")

    # A public page, a results page, a statistics page and a judge's queue while it is down:
    # the first call fails and is logged; the others do not even try.
    key = caches.public_page_key(slug="s", number=1, language="en")
    assert key == f"v{caches.VERSION}:public-page:s:none:1:en"
    assert caches.public_page_get(key) is None
    caches.public_page_put(key, b"<html>")
    assert caches.results_table_get("k") is None
    caches.results_table_put("k", "<table>")
    assert caches.round_stats_get("r") is None
    assert caches.judge_queue_get(1, 2) == (None, 0)
    assert FlakyCache.calls == 1
    assert _warnings(caplog) == [
        "cache unavailable (get-or-set v1:series-generation:s): ConnectionError: Error 111 "
        "connecting to 127.0.0.1:6379. Connection refused.; pages are computed without it, and "
        "it is tried again every 0 s"
    ]

    # Invalidations are always tried (one that got through must not be skipped); still once.
    with django_capture_on_commit_callbacks(execute=True):
        caches.series_changed("s")
        caches.judge_queue_changed(2)
    assert FlakyCache.calls == 4
    time.sleep(0.25)  # the retry: tried again, still down, logged at debug level only
    assert caches.results_table_get("k") is None
    assert FlakyCache.calls == 5
    assert len(_warnings(caplog)) == 1

    # Back: the next try after the pause succeeds, and says so once.
    FlakyCache.down = False
    assert caches.results_table_get("k") is None
    assert FlakyCache.calls == 5  # still inside the pause that the last failure began
    time.sleep(0.25)
    caches.results_table_put("k", "<table>")
    assert caches.results_table_get("k") == "<table>"
    assert len(_warnings(caplog)) == 2
    assert re.fullmatch(r"cache available again after \d+ s", _warnings(caplog)[1])

    # A new outage is a new warning.
    FlakyCache.down = True
    assert caches.round_stats_get("r") is None
    assert len(_warnings(caplog)) == 3
    assert _warnings(caplog)[2].startswith("cache unavailable (get r): ConnectionError")


def test_the_cache_status_for_healthz():
    assert caches.status() == "per-process"
    with override_settings(CACHES=DOWN):
        assert caches.status() == "down: ConnectionError"
    with override_settings(CACHES=FLAKY):
        FlakyCache.down = False
        assert caches.status() == "ok"


REPO = Path(__file__).resolve().parents[2]


def test_nothing_but_core_cache_uses_the_cache():
    """Every use of the cache goes through core/cache.py, which makes a cache that is down a
    miss: no other code, template, middleware or library setting reaches it. Sessions live in the
    database (a cached_db session would read the cache on every request) and so do the login
    lockout's attempts (django-axes' database handler); there is no page cache."""
    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.html", "*.txt"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    uses = re.compile(r"django\.core\.cache|cache_page|CacheMiddleware|\{%\s*load\s+cache\b")
    offenders = [
        name
        for name in files
        if name != "core/cache.py"
        and not name.startswith("tests/")
        and uses.search((REPO / name).read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert [m for m in settings.MIDDLEWARE if "cache" in m.lower()] == []
