"""Helpers for tests of two transactions at once (PostgreSQL row locks).

`Held` runs some work in a thread and holds it inside its transaction at a model signal, while
the test acts through the main thread's own connection; the `lock_timeout` fixture
(tests/conftest.py) turns "would wait for the other transaction" into an error instead of a
hang.
"""

import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

POSTGRES_ONLY = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks: PostgreSQL only (SQLite serialises all writes)",
    ),
]


class Held:
    """Runs `work()` in a thread and holds it inside its transaction at `signal` of `sender`
    (the first one, or the first for which `when(instance)` is true)."""

    def __init__(self, work, *, signal, sender, when=None):
        self.work, self.signal, self.sender, self.when = work, signal, sender, when
        self.inside, self.release = threading.Event(), threading.Event()
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run)

    def _hold(self, sender, instance, **kwargs):
        if (
            threading.current_thread() is self.thread
            and not self.inside.is_set()
            and (self.when is None or self.when(instance))
        ):
            self.inside.set()
            self.release.wait(timeout=30)

    def _run(self):
        try:
            self.work()
        except (ValidationError, OperationalError) as exc:  # the test asserts on it
            self.error = exc
        finally:
            connection.close()

    def __enter__(self):
        self.signal.connect(self._hold, sender=self.sender)
        self.thread.start()
        assert self.inside.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)
        self.signal.disconnect(self._hold, sender=self.sender)


def a_session_waits_for_a_lock(attempts: int = 200) -> bool:
    """Polls (up to about 10 s) until another session of this database waits for a lock."""
    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            threading.Event().wait(0.05)
    return False
