"""PostgreSQL restarted under load: requests fail cleanly and the portal recovers by itself.

Real stack: the project's WSGI app under gunicorn (2 sync workers as the README's production
setting, and again with gthread, 2 workers × 4 threads; persistent database connections with
CONN_HEALTH_CHECKS) on a throwaway PostgreSQL cluster of its own
(tests/live/pgcluster.py), migrated, with an organizer logged in. Gunicorn reaches the cluster
through a PgBouncer in transaction mode (tests/pgbouncerkit.py, with the settings production
uses behind it), and once more (sync workers) directly. Four client threads keep
reading pages that hit the database, /healthz, and saving new units, while the cluster is
restarted (`pg_ctl restart -m fast`) or stopped, left down, and started again.

Promised: no response is a 500, a traceback or a hang (every request answers within 15 s);
during the outage the answer is the 503 page with Retry-After: 60 (/healthz: its JSON with the
database down; behind PgBouncer also for PgBouncer's own errors: "server login has been failing",
"query_wait_timeout", "server conn crashed?"); afterwards every request succeeds again, served
by the same gunicorn processes (nothing restarted them); every unit whose save was acknowledged
(302) is still there.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.pgbouncerkit import PgBouncer, pgbouncer_problem, running_pgbouncer

from . import pgcluster

pytestmark = [pytest.mark.pg_cluster]

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "restart-proof-2026"
REQUEST_TIMEOUT = 15
TITLE_ZH = "服务暂时不可用"
# Behind PgBouncer, requests that start just after PostgreSQL is back may still be refused
# until PgBouncer's next login attempt (server_login_retry = 1 s in tests/pgbouncerkit.py).
PGBOUNCER_RETRY_GRACE = 4.0


def _unavailable(reason: str):
    if pgcluster.IN_CI:
        pytest.fail(
            f"{reason}; CI=true, so the PostgreSQL restart tests must run, not skip", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster():
    reason = pgcluster.problem()
    if reason:
        _unavailable(reason)
    c = pgcluster.PgCluster()
    try:
        c.init()
        c.start()
        conn = psycopg2.connect(c.url("postgres"), connect_timeout=5)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE portal")
        conn.close()
        yield c
    finally:
        c.destroy()


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def bouncer(cluster, tmp_path_factory):
    """PgBouncer in transaction mode in front of the throwaway cluster."""
    reason = pgbouncer_problem()
    if reason:
        _unavailable(reason)
    with running_pgbouncer(tmp_path_factory.mktemp("pgbouncer"), server_port=cluster.port) as b:
        yield b


@dataclass
class Portal:
    base: str
    proc: subprocess.Popen
    log: Path
    bouncer: PgBouncer | None = None

    def workers(self) -> set[int]:
        return _children(self.proc.pid)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        tail = "--- gunicorn.log ---\n" + "\n".join(self.log_text().splitlines()[-lines:])
        if self.bouncer is not None:
            tail += "\n--- pgbouncer.log ---\n" + "\n".join(self.bouncer.log.splitlines()[-lines:])
        return tail


WORKER_SETUPS = {
    "sync": ["--workers", "2"],
    "gthread": ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
}
# (workers, route to the database): production's route through PgBouncer with both worker
# classes, and PostgreSQL reached directly once.
SETUPS = [("sync", "pgbouncer"), ("gthread", "pgbouncer"), ("sync", "direct")]


@pytest.fixture(scope="module", params=SETUPS, ids=["-".join(setup) for setup in SETUPS])
def portal(cluster, tmp_path_factory, request):
    workers, route = request.param
    tmp = tmp_path_factory.mktemp("portal")
    bouncer: PgBouncer | None = None
    database: dict[str, str] = {"DATABASE_URL": cluster.url("portal")}
    if route == "pgbouncer":  # README.md's PgBouncer settings
        bouncer = request.getfixturevalue("bouncer")
        database = {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer.port}/portal",
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
            "DATABASE_RANDOM_PAGE_COST": "",
        }
    env = {
        **os.environ,
        **database,
        "DEBUG": "false",
        "SECRET_KEY": "restart-test-" + uuid.uuid4().hex * 2,
        "HTTPS": "false",  # gunicorn is asked over plain HTTP
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "MEDIA_ROOT": str(tmp / "media"),
        "CELERY_BROKER_URL": "",  # tasks in-process: this test is about the database only
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CACHE_URL": "locmemcache://",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "civiccases.settings",
    }
    manage = [sys.executable, "manage.py"]
    for args in (
        ["migrate", "--noinput"],
        [
            "shell",
            "-c",
            "from accounts.models import User; "
            "User.objects.filter(username='organizer').exists() or "
            "User.objects.create_user("
            f"'organizer', password='{PASSWORD}', is_organizer=True)",
        ],
    ):
        done = subprocess.run(
            [*manage, *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    port = pgcluster.free_port()
    log = tmp / "gunicorn.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "civiccases.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                *WORKER_SETUPS[workers],
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    p = Portal(f"http://127.0.0.1:{port}", proc, log, bouncer)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"gunicorn exited\n{p.log_tail()}"
            try:
                if requests.get(p.base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"gunicorn not serving in 60 s\n{p.log_tail()}"
            time.sleep(0.2)
        yield p
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)


def login(base: str) -> requests.Session:
    s = requests.Session()
    s.get(base + "/accounts/login/", timeout=REQUEST_TIMEOUT)
    r = s.post(
        base + "/accounts/login/",
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
        data={
            "username": "organizer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
    )
    assert r.status_code == 302, f"login failed: {r.status_code}"
    s.headers["Accept-Language"] = "zh-hans"
    return s


@dataclass
class Result:
    kind: str
    started: float
    status: int | None
    problem: str = ""  # empty when the answer is one of the allowed ones
    unit: str = ""  # the unit name, for an acknowledged save
    finished: float = field(default_factory=time.monotonic)


KINDS = ("calls", "units", "healthz", "save")


@dataclass
class Load:
    """Client threads hitting the portal until stopped; every answer is classified."""

    base: str
    threads: int = 4
    results: list[Result] = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.sessions = [login(self.base) for _ in range(self.threads)]
        self.workers = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)
        ]

    def __enter__(self):
        for t in self.workers:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.workers:
            t.join(timeout=REQUEST_TIMEOUT + 10)
        for s in self.sessions:
            s.close()
        assert not any(t.is_alive() for t in self.workers), "a client thread hung"

    def _run(self, index: int) -> None:
        s = self.sessions[index]
        n = 0
        while not self.stop_event.is_set():
            kind = KINDS[(index + n) % len(KINDS)]
            n += 1
            try:
                result = self._one(s, kind)
            except Exception as exc:  # noqa: BLE001 — a surprise fails the test, not the thread
                result = Result(kind, time.monotonic(), None, f"client error: {exc!r}")
            with self.lock:
                self.results.append(result)
            time.sleep(0.02)

    def _one(self, s: requests.Session, kind: str) -> Result:
        started = time.monotonic()
        unit = ""
        try:
            if kind == "save":
                unit = f"重启测试单位-{uuid.uuid4().hex[:10]}"
                r = s.post(
                    self.base + "/collect/units/",
                    data={
                        "name": unit,
                        "csrfmiddlewaretoken": s.cookies["csrftoken"],
                    },
                    timeout=REQUEST_TIMEOUT,
                    allow_redirects=False,
                )
            else:
                path = {
                    "calls": "/collect/calls/",
                    "units": "/collect/units/",
                    "healthz": "/healthz",
                }[kind]
                r = s.get(self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:  # refused, reset or over the timeout
            return Result(kind, started, None, f"{exc.__class__.__name__}: {exc}")
        return Result(
            kind,
            started,
            r.status_code,
            classify(kind, r),
            unit if kind == "save" and r.status_code == 302 else "",
        )

    def snapshot(self) -> list[Result]:
        with self.lock:
            return list(self.results)

    def wait(self, condition, what: str, timeout: float, portal: Portal) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.snapshot()):
            bad = [r for r in self.snapshot() if r.problem]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} within {timeout} s; problems: {bad[:5]}\n{portal.log_tail()}"
                )
            time.sleep(0.05)


def classify(kind: str, r: requests.Response) -> str:
    if r.status_code == 503:
        if r.headers.get("Retry-After") != "60" and kind != "healthz":
            return f"503 without Retry-After: 60 ({r.headers.get('Retry-After')})"
        if kind == "healthz":
            if r.headers.get("Content-Type") != "application/json":
                return f"healthz 503 is not its JSON: {r.text[:200]!r}"
            status = json.loads(r.text)
            return "" if status["database"].startswith("down") else f"healthz 503: {status}"
        if TITLE_ZH not in r.text or "Traceback" in r.text:
            return "503 that is not the service-unavailable page"
        return ""
    expected = 302 if kind == "save" else 200
    if r.status_code != expected:
        return f"{r.status_code} ({r.headers.get('Location', '')}) {r.text[:200]!r}"
    if kind == "save" and not r.headers.get("Location", "").endswith("/collect/units/"):
        return f"save redirected to {r.headers.get('Location')}"
    if kind == "calls" and not re.search(r"<html", r.text):
        return "calls page is not a page"
    return ""


def ok_after(results: list[Result], t: float, per_kind: int) -> bool:
    after = [r for r in results if r.started > t]
    return all(
        sum(1 for r in after if r.kind == k and r.status in (200, 302) and not r.problem)
        >= per_kind
        for k in KINDS
    )


def saved_units(cluster) -> set[str]:
    conn = psycopg2.connect(cluster.url("portal"), connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM submissions_unit")
            return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def check_run(
    load: Load, portal: Portal, cluster, workers_before: set[int], window: tuple[float, float]
) -> list[Result]:
    results = load.snapshot()
    bad = [r for r in results if r.problem]
    assert not bad, f"{len(bad)} bad answers, e.g. {bad[:5]}\n{portal.log_tail()}"
    # 503s only for requests in flight while the database was down or restarting (behind
    # PgBouncer: or until its next login attempt).
    grace = PGBOUNCER_RETRY_GRACE if portal.bouncer is not None else 0.0
    for r in results:
        if r.status == 503:
            assert r.finished >= window[0] and r.started <= window[1] + grace, (r, window)
    # Recovered by itself: the same gunicorn master and workers served before and after.
    assert portal.proc.poll() is None
    assert portal.workers() == workers_before, "gunicorn workers were restarted"
    # The last answers of every kind are successes (no flapping after the recovery).
    for kind in KINDS:
        last = [r for r in results if r.kind == kind][-3:]
        assert last and all(r.status in (200, 302) for r in last), (kind, last)
    # Nothing acknowledged was lost.
    acknowledged = {r.unit for r in results if r.unit}
    assert acknowledged, "no unit was saved"
    missing = acknowledged - saved_units(cluster)
    assert not missing, f"{len(missing)} acknowledged units lost: {sorted(missing)[:5]}"
    return results


def test_fast_restart_under_load_fails_cleanly_and_recovers(portal, cluster):
    workers = portal.workers()
    assert len(workers) == 2
    with Load(portal.base) as load:
        load.wait(lambda rs: ok_after(rs, 0, 3), "the portal did not serve", 60, portal)
        t0 = time.monotonic()
        cluster.restart("fast")
        t1 = time.monotonic()
        load.wait(lambda rs: ok_after(rs, t1, 5), "the portal did not recover", 60, portal)
    results = check_run(load, portal, cluster, workers, (t0, t1))
    assert len(results) >= 40


def test_stopped_database_gives_503_then_recovers_when_started(portal, cluster):
    workers = portal.workers()
    with Load(portal.base) as load:
        load.wait(lambda rs: ok_after(rs, 0, 3), "the portal did not serve", 60, portal)
        # The PgBouncer may have served another run of this module: read only what follows.
        log_start = len(portal.bouncer.log) if portal.bouncer is not None else 0
        t0 = time.monotonic()
        cluster.stop("fast")
        t_down = time.monotonic()

        def outage_seen(rs):  # every kind answered cleanly at least twice while down
            down = [r for r in rs if r.started > t_down and r.status == 503]
            return all(sum(1 for r in down if r.kind == k) >= 2 for k in KINDS)

        load.wait(outage_seen, "no clean 503 of every kind while the database was down", 60, portal)
        cluster.start()
        t1 = time.monotonic()
        load.wait(lambda rs: ok_after(rs, t1, 5), "the portal did not recover", 60, portal)
    results = check_run(load, portal, cluster, workers, (t0, t1))
    down = [r for r in results if t_down < r.started and r.status == 503]
    assert {r.kind for r in down} == set(KINDS)
    if portal.bouncer is not None:
        # PgBouncer refused clients at once while its logins to PostgreSQL failed (libpq shows
        # its error at connection start as "server closed the connection unexpectedly", an
        # OperationalError), instead of holding them for query_wait_timeout; each was a 503.
        assert "pooler error: server login has been failing" in portal.bouncer.log[log_start:]
        assert "Traceback" not in portal.log_text(), portal.log_tail()
