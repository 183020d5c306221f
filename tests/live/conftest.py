"""A live Celery worker (solo pool, in a thread of this process) on the real Redis broker.

Skip rule: when CELERY_BROKER_URL is unset or its Redis does not answer, the live tests are
skipped on a laptop but fail under CI=true (CI must exercise the real broker).

The broker comes from CELERY_BROKER_URL at settings import; only `task_always_eager` is flipped
here, for the duration of a test. The worker thread shares this process's settings (so the tmp
MEDIA_ROOT of tests/conftest.py) and opens its own database connections, which is why the tests
use `django_db(transaction=True)`.
"""

import os
import threading

import pytest
from celery import signals
from django.db import connections

from civiccases.celery import app as celery_app

IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _broker_problem() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if not url:
        return "CELERY_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)"
    if not url.startswith(("redis://", "rediss://")):
        return f"CELERY_BROKER_URL is not a Redis URL: {url}"
    if celery_app.conf.broker_url != url:
        return (
            f"the Celery app uses {celery_app.conf.broker_url}, not CELERY_BROKER_URL={url}: "
            "set the variable before Django settings are imported"
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} is unreachable: {exc}"
    return None


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; CI=true, so the live-stack tests must run, not skip", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Skip early (before the test database is built) when there is no broker, unless CI."""
    here = os.path.dirname(os.path.abspath(__file__))
    mine = [
        item
        for item in items
        if str(item.path).startswith(here + os.sep) and item.get_closest_marker("live_stack")
    ]
    reason = _broker_problem() if mine and not IN_CI else None
    if reason:
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=reason))


class TaskLog:
    """What went through the broker during a test: published and started tasks."""

    def __init__(self):
        self.published: list[tuple[str, tuple]] = []
        self.started: list[dict] = []
        self.lock = threading.Lock()

    def on_publish(self, sender=None, body=None, headers=None, **kwargs):
        args = body[0] if isinstance(body, (list, tuple)) and body else ()
        with self.lock:
            self.published.append((sender, tuple(args)))

    def on_prerun(self, sender=None, task_id=None, task=None, args=None, **kwargs):
        request = task.request
        with self.lock:
            self.started.append(
                {
                    "name": task.name,
                    "args": tuple(args or ()),
                    "eager": bool(request.is_eager),
                    "routing_key": (request.delivery_info or {}).get("routing_key"),
                    "retries": request.retries,
                    "thread": threading.current_thread().name,
                }
            )

    def started_for(self, name: str, *args) -> list[dict]:
        with self.lock:
            return [s for s in self.started if s["name"] == name and s["args"] == args]


@pytest.fixture
def live_worker(settings):
    """Start a solo-pool worker on the real broker; tasks are sent to it, not run eagerly.
    It sends no sweeps (settings.WORKER_SWEEPS): the tests count what reaches the broker."""
    settings.WORKER_SWEEPS = {}
    reason = _broker_problem()
    if reason:
        _unavailable(reason)
    from celery.contrib.testing.worker import start_worker

    log = TaskLog()

    def close_connections(**kwargs):
        # Runs in the worker thread: leave no idle connection behind (PostgreSQL would refuse
        # to drop the test database at the end of the session).
        connections.close_all()

    handlers = [
        (signals.before_task_publish, log.on_publish),
        (signals.task_prerun, log.on_prerun),
        (signals.task_postrun, close_connections),
    ]
    for signal, handler in handlers:
        signal.connect(handler, weak=False)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            worker.task_log = log
            yield worker
    finally:
        celery_app.conf.task_always_eager = eager
        for signal, handler in handlers:
            signal.disconnect(handler)


# --- PgBouncer: the live-test group's database connections go through it ---------------------
#
# pytest-django creates the test database directly on PostgreSQL; then every test of this folder
# that uses the database reaches it through a PgBouncer in transaction mode started for the
# folder (tests/pgbouncerkit.py; its wildcard entry routes the test database's name), with the
# settings production uses behind it: no server-side cursors, no `options` startup parameter.
# Worker subprocesses and threads are given the same connection settings. PgBouncer is stopped
# before the test database is dropped. Without pgbouncer the tests run directly on PostgreSQL
# (tests/live/test_pgbouncer.py then skips, saying why), except in CI, where that fails.

ROUTED_KEYS = ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")


@pytest.fixture(scope="package")
def pgbouncer(tmp_path_factory):
    """A PgBouncer (transaction mode) in front of the PostgreSQL of DATABASE_URL, or None when
    the tests do not run on PostgreSQL or pgbouncer is missing outside CI."""
    from django.conf import settings as django_settings

    from tests.pgbouncerkit import pgbouncer_problem, running_pgbouncer

    db = django_settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        yield None
        return
    reason = pgbouncer_problem()
    if os.environ.get("LIVE_WITHOUT_PGBOUNCER", "").strip().lower() in ("1", "true"):
        reason = "LIVE_WITHOUT_PGBOUNCER is set"  # to compare with PostgreSQL reached directly
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the live tests must run through PgBouncer")
        yield None
        return
    with running_pgbouncer(
        tmp_path_factory.mktemp("pgbouncer"),
        host=db.get("HOST") or "127.0.0.1",
        server_port=int(db.get("PORT") or 5432),
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or "",
    ) as bouncer:
        yield bouncer


def _uses_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in names for name in ("db", "transactional_db", "django_db_setup")
    )


@pytest.fixture(scope="package", autouse=True)
def through_pgbouncer(request, django_db_blocker, pgbouncer):
    """Point the test database's connections (every thread's) at PgBouncer for this folder.
    Package scope: set before any test's own database fixture opens a connection."""
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    mine = [item for item in request.session.items if str(item.path).startswith(here)]
    if pgbouncer is None or not any(_uses_database(item) for item in mine):
        yield None
        return
    request.getfixturevalue("django_db_setup")  # created directly on PostgreSQL
    db = connections.settings["default"]
    saved = {key: db.get(key) for key in ROUTED_KEYS}
    connections.close_all()
    db["HOST"], db["PORT"] = "127.0.0.1", str(pgbouncer.port)
    db["OPTIONS"] = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k != "options"}
    db["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        yield pgbouncer
    finally:
        connections.close_all()
        db.update(saved)
