"""Start the real stack for a benchmark: PostgreSQL database, gunicorn, a Celery worker.

Used by the scripts in bench/. Everything runs on loopback and stops when the script ends.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"


def bench_env(db_name: str, media: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15"),
        MEDIA_ROOT=media,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        BENCHMARK_ENDPOINTS="true",
        DJANGO_SETTINGS_MODULE="civiccases.settings",
        PYTHONPATH=str(REPO),
    )
    return env


def recreate_db(db_name: str) -> None:
    for sql in (f'DROP DATABASE IF EXISTS "{db_name}"', f'CREATE DATABASE "{db_name}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=REPO, env=env, check=True)


@contextlib.contextmanager
def running_stack(db_name: str, *, gunicorn_workers: int = 2, worker_concurrency: int = 1,
                  worker: bool = True):
    """Yields (env, worker_pid) with gunicorn and a Celery worker serving a fresh database."""
    media = tempfile.mkdtemp(prefix="bench-media-")
    env = bench_env(db_name, media)
    recreate_db(db_name)
    manage(env, "migrate", "-v0")
    subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, capture_output=True)
    procs = []
    try:
        procs.append(subprocess.Popen(
            [PY, "-m", "gunicorn", "civiccases.wsgi", "--bind", f"127.0.0.1:{PORT}",
             "--workers", str(gunicorn_workers), "--timeout", "120", "--log-level", "warning"],
            cwd=REPO, env=env,
        ))
        worker_proc = None
        if worker:
            worker_proc = subprocess.Popen(
                [PY, "-m", "celery", "-A", "civiccases", "worker", "--pool", "solo",
                 "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
                cwd=REPO, env=env,
            )
            procs.append(worker_proc)
        for _ in range(150):
            try:
                if requests.get(f"{BASE}/accounts/login/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        yield env, (worker_proc.pid if worker_proc else None)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def login(username: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(f"{BASE}/accounts/login/")
    r = s.post(f"{BASE}/accounts/login/", data={
        "username": username, "password": password,
        "csrfmiddlewaretoken": s.cookies["csrftoken"],
    }, headers={"Referer": f"{BASE}/accounts/login/"}, allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit(f"login failed for {username}: {r.status_code}")
    return s


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
