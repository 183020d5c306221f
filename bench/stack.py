"""Start the real stack for a benchmark: PostgreSQL database, gunicorn, a Celery worker.

Used by the scripts in bench/. Everything runs on loopback and stops when the script ends.
"""

import contextlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
# The broker of the bench stack; its Redis database is emptied at start (stale tasks of an
# earlier run would point at rows of a dropped database).
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15")
# Every database a script creates is named with this prefix (several people share a server).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench_")


def bench_env(db_name: str, media: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        CELERY_BROKER_URL=BROKER,
        MEDIA_ROOT=media,
        DEBUG="false",
        SECRET_KEY="bench-only-" + "b" * 50,
        HTTPS="false",  # the load is sent over plain HTTP to 127.0.0.1
        CACHE_URL="locmemcache://",  # as in the measurements of BENCHMARKS.md
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


def db_name(suffix: str) -> str:
    return DB_PREFIX + suffix


def flush_broker() -> None:
    url = BROKER.rsplit("/", 1)
    db = url[1] if len(url) == 2 and url[1].isdigit() else "0"
    host = BROKER.split("://", 1)[1].split("/", 1)[0]
    hostname, _, port = host.partition(":")
    subprocess.run(
        ["redis-cli", "-h", hostname, "-p", port or "6379", "-n", db, "flushdb"],
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def running_stack(
    db_name: str,
    *,
    gunicorn_workers: int = 2,
    gunicorn_threads: int = 1,
    worker_concurrency: int = 1,
    worker: bool = True,
    timeout: int = 120,
    extra_env: dict | None = None,
):
    """Yields (env, worker_pid) with gunicorn and a Celery worker serving a fresh database.

    `gunicorn_threads` > 1 runs gthread workers (one database connection per thread);
    `worker_concurrency` > 1 runs a prefork Celery pool instead of the solo pool. The media
    directory is removed at the end.
    """
    media = tempfile.mkdtemp(prefix="bench-media-")
    env = bench_env(db_name, media)
    env.update(extra_env or {})
    recreate_db(db_name)
    manage(env, "migrate", "-v0")
    flush_broker()
    procs = []
    server = [
        PY,
        "-m",
        "gunicorn",
        "civiccases.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(gunicorn_workers),
        "--timeout",
        str(timeout),
        "--log-level",
        "warning",
    ]
    if gunicorn_threads > 1:
        server += ["--worker-class", "gthread", "--threads", str(gunicorn_threads)]
    pool = (
        ["--pool", "solo"]
        if worker_concurrency == 1
        else ["--pool", "prefork", "--concurrency", str(worker_concurrency)]
    )
    try:
        procs.append(subprocess.Popen(server, cwd=REPO, env=env))
        worker_proc = None
        if worker:
            worker_proc = subprocess.Popen(
                [
                    PY,
                    "-m",
                    "celery",
                    "-A",
                    "civiccases",
                    "worker",
                    *pool,
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=REPO,
                env=env,
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
        shutil.rmtree(media, ignore_errors=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def login(username: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(f"{BASE}/accounts/login/")
    r = s.post(
        f"{BASE}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        headers={"Referer": f"{BASE}/accounts/login/"},
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise SystemExit(f"login failed for {username}: {r.status_code}")
    return s


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def camera_jpeg(seed: int, size: tuple[int, int] = (4000, 3000), *, gps: bool = True) -> bytes:
    """A camera-like JPEG (gradient, sensor noise, quality 88), 12 MP by default; with `gps`,
    EXIF with the camera, orientation and a GPS position, as a phone writes it."""
    rnd = random.Random(seed)
    w, h = size
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    tint = Image.new("RGB", (w, h), tuple(rnd.randrange(60, 200) for _ in range(3)))
    img = Image.blend(base, tint, 0.5)
    noise = Image.effect_noise((w // 4, h // 4), 40).resize((w, h)).convert("RGB")
    img = Image.blend(img, noise, 0.25)
    buf = io.BytesIO()
    if not gps:
        img.save(buf, "JPEG", quality=88)
        return buf.getvalue()
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "BenchCam"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 7.0)})
    img.save(buf, "JPEG", quality=88, exif=exif)
    return buf.getvalue()
