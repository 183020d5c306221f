"""An open-loop deadline day: units arrive at a fixed rate whatever the portal's speed, and each
behaves as a person does: open the case form, type for a while, add three phone photos one by
one (each through the chunk API as the form's script sends it: start, 2 MB chunks, finish), with
a pause between them, save, look it over, submit. Arrivals do not wait for each other, so a slow
portal shows as slow steps, not as fewer requests (as a closed loop would).

The stack: deploy/nginx/portal.conf (tests/nginxkit.py, HTTPS) with an `upstream` of two
gunicorn instances (GUNICORNS × WORKERS sync workers), PostgreSQL reached through PgBouncer in
transaction mode when pgbouncer is installed (directly otherwise; the report says which),
Redis (broker and cache), one Celery worker (solo pool) making the thumbnails.

For each rate (cases per second, RATES) arrivals come every 1/rate s for SECONDS; reported per
step: p50/p95/p99 (ms), errors, lost (a submit answered as done whose case is not submitted in
the database), the thumbnail backlog (photos waiting for the worker) sampled every second, and
how long the worker took to drain it. Before the runs, the ceilings in the same stack: a bare
Django view (/bench/bare/, BENCHMARK_ENDPOINTS) through nginx and gunicorn, and nginx serving a
static file, each by CEILING_CLIENTS clients for CEILING_SECONDS.

    .venv/bin/python -m bench.openloop
    # defaults: RATES=2,5,10 SECONDS=30 GUNICORNS=2 WORKERS=2 TYPE_S=6 PAUSE_S=2 REVIEW_S=3
    #           PHOTO_MP=12 CEILING_CLIENTS=16 CEILING_SECONDS=8 DRAIN_S=120 WORKER_NICE=10

Needs PostgreSQL (postgres@127.0.0.1:5432, trust), Redis, nginx; the load generator runs on the
same machine and takes CPU from the server. Writes the figures as JSON to OUT (default
test-artifacts/openloop.json) and prints them.
"""

import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg2
import requests

from bench.stack import (
    BROKER,
    PY,
    REPO,
    bench_env,
    camera_jpeg,
    cpu_seconds,
    db_name,
    flush_broker,
    manage,
    percentile,
    recreate_db,
)
from tests.nginxkit import running_nginx
from tests.pgbouncerkit import pgbouncer_problem, running_pgbouncer
from tests.production import free_port, process, wait_for

RATES = [float(r) for r in os.environ.get("RATES", "2,5,10").split(",")]
SECONDS = float(os.environ.get("SECONDS", "30"))
GUNICORNS = int(os.environ.get("GUNICORNS", "2"))
WORKERS = int(os.environ.get("WORKERS", "2"))
TYPE_S = float(os.environ.get("TYPE_S", "6"))  # typing the text after opening the form
PAUSE_S = float(os.environ.get("PAUSE_S", "2"))  # choosing the next photo
REVIEW_S = float(os.environ.get("REVIEW_S", "3"))  # looking the saved case over
PHOTO_MP = float(os.environ.get("PHOTO_MP", "12"))
CEILING_CLIENTS = int(os.environ.get("CEILING_CLIENTS", "16"))
CEILING_SECONDS = float(os.environ.get("CEILING_SECONDS", "8"))
DRAIN_S = float(os.environ.get("DRAIN_S", "120"))
USERS = int(os.environ.get("USERS", "40"))
# The worker's niceness, as deploy/systemd/portal-worker.service sets it: thumbnails give way to
# people's requests on a shared host and catch up after the peak.
WORKER_NICE = int(os.environ.get("WORKER_NICE", "10"))
OUT = Path(os.environ.get("OUT", str(REPO / "test-artifacts" / "openloop.json")))
PASSWORD = "bench-Pass-123"
CHUNK_TYPE = "application/offset+octet-stream"
STEPS = ("open", "photo", "save", "submit")


def phone_photo(seed: int) -> bytes:
    """A camera-like JPEG of PHOTO_MP megapixels (4:3)."""
    h = int((PHOTO_MP * 1e6 * 3 / 4) ** 0.5)
    return camera_jpeg(seed, (int(h * 4 / 3), h), gps=False)


SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from submissions.lifecycle import call_transition
from submissions.models import Call, Membership, Unit
call = Call.objects.create(slug="deadline-day", title="截止日", opens_at=timezone.now()
    - timedelta(days=1), closes_at=timezone.now() + timedelta(days=1), min_photos=1,
    max_photos=9, max_photo_mb=20)
call_transition(call=call, to=Call.Status.OPEN, actor=None, reason="bench")
for i in range({USERS}):
    unit = Unit.objects.create(name=f"基准单位{{i:03d}}")
    user = User.objects.create_user(f"unit-{{i:03d}}", password="{PASSWORD}")
    Membership.objects.create(unit=unit, user=user)
"""


class Client:
    def __init__(self, base: str, cert: Path):
        self.base, self.cert = base, cert

    def session(self, username: str | None = None) -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(self.cert)
        s.headers["Accept-Language"] = "en"
        if username:
            url = self.base + "/accounts/login/"
            s.get(url, timeout=60)
            r = s.post(url, data={"username": username, "password": PASSWORD,
                                  "csrfmiddlewaretoken": s.cookies["csrftoken"]},
                       headers={"Referer": url, "Origin": self.base}, timeout=60,
                       allow_redirects=False)  # fmt: skip
            assert r.status_code == 302, r.text[:300]
        return s

    def headers(self, s: requests.Session, path: str) -> dict:
        return {"X-CSRFToken": s.cookies["csrftoken"], "Referer": self.base + path,
                "Origin": self.base}  # fmt: skip


class Run:
    """One rate's arrivals: the step times, errors and submitted case ids."""

    def __init__(self):
        self.times: dict[str, list[float]] = {step: [] for step in STEPS}
        self.errors: dict[str, int] = {step: 0 for step in STEPS}
        self.error_samples: list[str] = []
        self.submitted: list[int] = []
        self.lock = threading.Lock()

    def record(self, step: str, seconds: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.times[step].append(seconds)
            if not ok:
                self.errors[step] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{step}: {why[:200]}")


def unit_session(client: Client, s: requests.Session, photos: list[bytes], run: Run, n: int):
    """One person's case, from opening the form to submitting it."""
    form = "/collect/calls/deadline-day/cases/new/"
    t = time.perf_counter()
    try:
        r = s.get(client.base + form, timeout=120)
        run.record("open", time.perf_counter() - t, r.status_code == 200, str(r.status_code))
        if r.status_code != 200:
            return
        time.sleep(TYPE_S)
        staged = []
        for i, data in enumerate(photos):
            if i:
                time.sleep(PAUSE_S)
            t = time.perf_counter()
            h = client.headers(s, form)
            start = s.post(client.base + "/collect/uploads/", headers=h, timeout=120,
                           data={"call": "deadline-day", "kind": "photo",
                                 "name": f"IMG_{n:05d}_{i}.jpg", "size": len(data)})  # fmt: skip
            ok = start.status_code == 201
            if ok:
                info = start.json()
                for offset in range(0, len(data), info["chunk"]):
                    part = data[offset : offset + info["chunk"]]
                    chunk = {**h, "Upload-Offset": str(offset), "Content-Type": CHUNK_TYPE}
                    r = s.patch(client.base + info["url"], data=part, headers=chunk, timeout=120)
                    if r.status_code != 200:
                        ok = False
                        break
                if ok:
                    r = s.post(client.base + info["finish_url"], headers=h, timeout=120)
                    ok = r.status_code == 200
                    if ok:
                        staged.append(r.json()["id"])
            else:
                r = start
            run.record("photo", time.perf_counter() - t, ok, f"{r.status_code} {r.text[:100]}")
            if not ok:
                return
        time.sleep(PAUSE_S)
        form_data: dict[str, str] = {
            "title": f"第{n}个案例：口袋公园", "contact_name": "张某某",
            "contact_phone": "13812345678", "summary": "老城区建成口袋公园十二处。",
            "body": "正文第一段。\n正文第二段。" * 20, "save": "1",
            "csrfmiddlewaretoken": s.cookies["csrftoken"] or "",
            "photos-TOTAL_FORMS": str(len(staged)), "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0", "photos-MAX_NUM_FORMS": "50",
        }  # fmt: skip
        for i, pk in enumerate(staged):
            form_data.update({f"photos-{i}-photo": str(pk), f"photos-{i}-caption": f"照片{i + 1}",
                         f"photos-{i}-position": str(i + 1)})  # fmt: skip
        t = time.perf_counter()
        r = s.post(client.base + form, data=form_data, headers=client.headers(s, form), timeout=120,
                   allow_redirects=False)  # fmt: skip
        location = r.headers.get("Location", "")
        ok = r.status_code == 302 and location.startswith("/collect/cases/")
        run.record("save", time.perf_counter() - t, ok, f"{r.status_code} {location}")
        if not ok:
            return
        pk = int(location.split("/")[3])
        time.sleep(REVIEW_S)
        path = f"/collect/cases/{pk}/submit/"
        t = time.perf_counter()
        r = s.post(client.base + path, headers=client.headers(s, f"/collect/cases/{pk}/"),
                   timeout=120, allow_redirects=False)  # fmt: skip
        location = r.headers.get("Location", "")
        ok = r.status_code == 302 and location == f"/collect/cases/{pk}/"
        run.record("submit", time.perf_counter() - t, ok, f"{r.status_code} {location}")
        if ok:
            with run.lock:
                run.submitted.append(pk)
    except requests.RequestException as exc:
        run.record("open" if not run.times["open"] else "photo", time.perf_counter() - t, False,
                   repr(exc))  # fmt: skip


def backlog(dsn: str) -> int:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM submissions_photo WHERE processing = 'pending'")
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def submitted_in_db(dsn: str, ids: list[int]) -> int:
    if not ids:
        return 0
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM submissions_case WHERE id = ANY(%s) AND status = 'submitted'",
            [ids],
        )
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def closed_loop(url: str, cert: Path, clients: int, seconds: float) -> dict:
    """Requests per second and p50/p95 of `clients` clients asking `url` again and again."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def one() -> None:
        s = requests.Session()
        s.trust_env, s.verify = False, str(cert)
        while time.monotonic() < end:
            t = time.perf_counter()
            r = s.get(url, timeout=30)
            with lock:
                times.append(time.perf_counter() - t)
                errors[0] += r.status_code != 200

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda _: one(), range(clients)))
    elapsed = time.monotonic() - started
    return {
        "rps": round(len(times) / elapsed, 1),
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
        "errors": errors[0],
    }


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000),
        "p95_ms": round(percentile(values, 95) * 1000),
        "p99_ms": round(percentile(values, 99) * 1000),
    }


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += cpu_seconds(p)
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(p, []))
    return total


def cpu_now(pids: dict[str, list[int]]) -> dict[str, float]:
    out = {name: sum(tree_cpu(p) for p in group) for name, group in pids.items()}
    t = os.times()
    out["load generator (this script)"] = t.user + t.system
    return out


def lower_priority(pid: int, nice: int) -> str:
    """Give the worker's process group less CPU than the web's. Linux's autogroups share the
    CPU between sessions (each process started here has its own, as each systemd service does),
    so `nice` alone orders processes only within the worker's own session: the group's niceness
    is set too (/proc/PID/autogroup; systemd: CPUWeight= on the worker's unit)."""
    enabled = Path("/proc/sys/kernel/sched_autogroup_enabled")
    if not enabled.exists() or enabled.read_text().strip() == "0":
        return f"nice {nice} (no autogroups: the process's own niceness orders it)"
    group = Path(f"/proc/{pid}/autogroup")
    try:
        group.write_text(str(nice))
        return group.read_text().strip()
    except OSError as exc:
        print(f"WARNING: the worker's autogroup could not be lowered ({exc.strerror}): it "
              "competes with the web at the same priority, unlike the shipped unit",
              flush=True)  # fmt: skip
        return f"NOT lowered: nice {nice} within its session only ({exc.strerror})"


def one_rate(
    client: Client, sessions: list, photos: list[bytes], rate: float, dsn: str,
    pids: dict[str, list[int]],
) -> dict:  # fmt: skip
    run = Run()
    cpu_before, wall_before = cpu_now(pids), time.monotonic()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            samples.append((round(time.monotonic() - t0, 1), backlog(dsn)))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    arrivals = int(rate * SECONDS)
    threads = []
    for n in range(arrivals):
        delay = t0 + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        th = threading.Thread(
            target=unit_session, args=(client, sessions[n % len(sessions)], photos, run, n)
        )
        th.start()
        threads.append(th)
    late = round(time.monotonic() - t0 - (arrivals - 1) / rate, 2)  # the generator kept up?
    for th in threads:
        th.join()
    sessions_done = time.monotonic() - t0
    drained_at = None
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:
        if backlog(dsn) == 0:
            drained_at = round(time.monotonic() - t0, 1)
            break
        time.sleep(1)
    stop.set()
    sampler.join()
    cpu_after, wall = cpu_now(pids), time.monotonic() - wall_before
    found = submitted_in_db(dsn, run.submitted)
    return {
        "rate": rate,
        "arrivals": arrivals,
        "arrival_lag_s": late,
        "steps": {
            step: {**summary(run.times[step]), "errors": run.errors[step]} for step in STEPS
        },  # fmt: skip
        "submitted": len(run.submitted),
        "errors": sum(run.errors.values()),
        "lost": len(run.submitted) - found,
        "error_samples": run.error_samples,
        "sessions_done_s": round(sessions_done, 1),
        "backlog_max": max((b for _, b in samples), default=0),
        "backlog_samples": samples[::5],
        "backlog_drained_at_s": drained_at,
        "cpu_seconds": {k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_after},
        "cpu_wall_s": round(wall, 1),
    }


def main() -> None:
    name = db_name("openloop")
    tmp = Path(tempfile.mkdtemp(prefix="bench-openloop-"))
    media, static = tmp / "media", tmp / "static"
    env = bench_env(name, str(media))
    env.pop("HTTPS")  # production's HTTPS settings: nginx terminates TLS
    env.update(STATIC_ROOT=str(static), PROTECTED_FILES="nginx", AXES_PROXY_COUNT="1",
               CACHE_URL=BROKER.rsplit("/", 1)[0] + "/14", CONN_MAX_AGE="60")  # fmt: skip
    recreate_db(name)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "shell", "-c", SETUP)
    (static / "ceiling.txt").write_bytes(b"ok")
    flush_broker()
    direct = f"postgres://postgres@127.0.0.1:5432/{name}"
    report: dict = {"gunicorns": GUNICORNS, "workers_each": WORKERS, "seconds": SECONDS,
                    "worker_nice": WORKER_NICE,
                    "think": {"type_s": TYPE_S, "pause_s": PAUSE_S, "review_s": REVIEW_S},
                    "cpus": os.cpu_count()}  # fmt: skip
    photos = [phone_photo(i) for i in range(3)]
    report["photo_bytes"] = [len(p) for p in photos]
    with ExitStack() as stack:
        served = dict(env)
        if pgbouncer_problem() is None:
            bouncer = stack.enter_context(running_pgbouncer(tmp / "pgbouncer", pool_size=20))
            served.update(DATABASE_URL=f"postgres://postgres@127.0.0.1:{bouncer.port}/{name}",
                          DATABASE_DISABLE_SERVER_SIDE_CURSORS="true",
                          DATABASE_RANDOM_PAGE_COST="")  # fmt: skip
            report["database"] = "PgBouncer (transaction mode, pool 20) → PostgreSQL"
        else:
            report["database"] = "PostgreSQL directly (pgbouncer not installed)"
        pids: dict[str, list[int]] = {"gunicorn": [], "celery worker": [], "nginx": []}
        if report["database"].startswith("PgBouncer"):
            pids["pgbouncer"] = [bouncer.proc.pid]
        ports = [free_port() for _ in range(GUNICORNS)]
        for i, port in enumerate(ports):
            log = tmp / f"gunicorn{i}.log"
            web = stack.enter_context(process(
                [PY, "-m", "gunicorn", "civiccases.wsgi", "--workers", str(WORKERS),
                 "--bind", f"127.0.0.1:{port}", "--timeout", "120"], served, log))  # fmt: skip
            wait_for(f"http://127.0.0.1:{port}/healthz", web, log)
            pids["gunicorn"].append(web.pid)
        worker_log = tmp / "worker.log"
        worker = stack.enter_context(process(
            ["nice", "-n", str(WORKER_NICE), PY, "-m", "celery", "-A", "civiccases", "worker",
             "--pool", "solo",
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            served, worker_log))  # fmt: skip
        nginx = stack.enter_context(
            running_nginx(
                tmp / "nginx",
                port=free_port(),
                http_port=free_port(),
                upstreams=ports,
                static_root=static,
                media_root=media,
            )  # fmt: skip
        )
        pids["celery worker"].append(worker.pid)
        report["worker_priority"] = lower_priority(worker.pid, WORKER_NICE)
        pids["nginx"].append(nginx.proc.pid)
        client = Client(nginx.base, nginx.cert)
        report["ceilings"] = {
            "bare_view": closed_loop(nginx.base + "/bench/bare/", nginx.cert,
                                     CEILING_CLIENTS, CEILING_SECONDS),
            "static_file": closed_loop(nginx.base + "/static/ceiling.txt", nginx.cert,
                                       CEILING_CLIENTS, CEILING_SECONDS),
        }  # fmt: skip
        print(json.dumps(report["ceilings"]), flush=True)
        sessions = [client.session(f"unit-{i:03d}") for i in range(USERS)]
        report["runs"] = []
        for rate in RATES:
            result = one_rate(client, sessions, photos, rate, direct, pids)
            report["runs"].append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "backlog_samples"},
                             ensure_ascii=False), flush=True)  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess_drop(name)


def subprocess_drop(name: str) -> None:
    import subprocess

    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)  # fmt: skip


if __name__ == "__main__":
    main()
