"""Closed-loop load generator shared by the load scripts: N virtual users, one thread and one
`requests.Session` each, logging in through the real login form (CSRF and all), then looping a
scenario until the run time is up. Every request is timed per step; every unexpected answer is
kept with its status and a snippet of the page. Nothing is retried: an error is an error.

The client runs on the same machine as the server; multipart bodies are encoded before the
clock starts, so the figures time the server (and the queue in front of it), not the client.
"""

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape

import requests

from bench.stack import BASE, percentile

TIMEOUT = 180  # seconds a single request may take before the client counts it as an error


@dataclass
class Failure:
    step: str
    status: int | str
    snippet: str


@dataclass
class Recorder:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    failures: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, step: str, seconds: float) -> None:
        with self.lock:
            self.latencies[step].append(seconds)

    def fail(self, step: str, status, body: str = "") -> None:
        with self.lock:
            self.failures.append(Failure(step, status, snippet(body)))

    def summary(self) -> dict:
        out = {}
        for step, values in self.latencies.items():
            out[step] = {
                "ok": len(values),
                "errors": sum(1 for f in self.failures if f.step == step),
                "p50_ms": round(percentile(values, 50) * 1000),
                "p95_ms": round(percentile(values, 95) * 1000),
                "max_ms": round(max(values) * 1000),
            }
        for f in self.failures:
            out.setdefault(f.step, {"ok": 0, "errors": 0})
            if not self.latencies.get(f.step):
                out[f.step]["errors"] += 1
        return out

    def failure_samples(self, n: int = 10) -> list[dict]:
        seen, samples = set(), []
        for f in self.failures:
            key = (f.step, f.status, f.snippet[:80])
            if key not in seen:
                seen.add(key)
                samples.append(
                    {
                        "step": f.step,
                        "status": f.status,
                        "snippet": f.snippet,
                        "count": sum(
                            1 for g in self.failures if (g.step, g.status, g.snippet[:80]) == key
                        ),
                    }
                )
        return samples[:n]


def snippet(body: str, limit: int = 300) -> str:
    """The error messages of a page if it has any, else the start of its text."""
    errors = re.findall(r'class="[^"]*(?:errorlist|alert)[^"]*"[^>]*>(.*?)</', body, re.S)
    text = " | ".join(errors) if errors else body
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text).strip()[:limit]


def timed(rec: Recorder, step: str, session: requests.Session, prepared, *, expect=(200,)):
    """Send a prepared request; record its latency or a failure. Returns the response or None."""
    t0 = time.perf_counter()
    try:
        r = session.send(prepared, allow_redirects=False, timeout=TIMEOUT)
    except requests.RequestException as exc:
        rec.fail(step, type(exc).__name__, str(exc))
        return None
    elapsed = time.perf_counter() - t0
    if r.status_code not in expect:
        rec.fail(step, r.status_code, r.text)
        return None
    rec.ok(step, elapsed)
    return r


def get(rec, step, session, url, **kw):
    return timed(rec, step, session, session.prepare_request(requests.Request("GET", url)), **kw)


def post(rec, step, session, url, data, files=None, **kw):
    data = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), **data}
    req = requests.Request("POST", url, data=data, files=files, headers={"Referer": url})
    return timed(rec, step, session, session.prepare_request(req), expect=(302,), **kw)


def login(rec: Recorder, username: str, password: str) -> requests.Session | None:
    session = requests.Session()
    # One connection per request, as nginx talks to gunicorn by default (HTTP/1.0 upstream). A
    # kept-alive connection to gthread workers under load can be closed by the worker while the
    # next request is already on its way ("Remote end closed connection without response",
    # gunicorn issues #1698 and #2676): one such error in 1,601 requests of a 200-user run.
    session.headers["Connection"] = "close"
    url = f"{BASE}/accounts/login/"
    if get(rec, "login form", session, url) is None:
        return None
    r = post(rec, "login", session, url, {"username": username, "password": password})
    return session if r is not None else None


def run_users(
    usernames: list[str], password: str, scenario, *, seconds: float, login_concurrency: int = 8
) -> tuple[Recorder, dict]:
    """Log every user in (at most `login_concurrency` at a time, before the clock), then run
    `scenario(index, session, rec, stop_at)` in every user's thread for `seconds`.

    The scenario must return once `time.monotonic() >= stop_at` (it finishes the iteration it
    is in). Returns the recorder and the phase timings.
    """
    rec = Recorder()
    sessions: list = [None] * len(usernames)
    gate = threading.Semaphore(login_concurrency)
    start = {}

    def go() -> None:  # run by the last thread to reach the barrier, before any is released
        start["t0"] = time.monotonic()
        start["stop_at"] = start["t0"] + seconds

    ready = threading.Barrier(len(usernames) + 1, action=go)

    def user(i: int) -> None:
        with gate:
            sessions[i] = login(rec, usernames[i], password)
        ready.wait()
        if sessions[i] is None:
            return
        try:
            scenario(i, sessions[i], rec, start["stop_at"])
        except Exception as exc:  # a crash of the client is reported, never hidden
            rec.fail("client", type(exc).__name__, repr(exc))

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(len(usernames))]
    t_login = time.monotonic()
    for t in threads:
        t.start()
    ready.wait()
    t0 = start["t0"]
    for t in threads:
        t.join(timeout=max(0.0, t0 + seconds + TIMEOUT + 30 - time.monotonic()))
    t_end = time.monotonic()
    stuck = sum(1 for t in threads if t.is_alive())
    if stuck:
        rec.fail("run", "stuck", f"{stuck} users still inside a request after the run")
    return rec, {
        "users": len(usernames),
        "logged_in": sum(1 for s in sessions if s is not None),
        "login_phase_s": round(t0 - t_login, 1),
        "run_s": round(t_end - t0, 1),
    }


def db_connections_sampler(db_name: str, interval: float = 0.25):
    """Start a thread sampling the sessions of `db_name` (other than its own); returns
    (stop, stats()) where stats gives the peak number of connections and, over the samples,
    the mean and peak number of sessions waiting for a row or table lock."""
    import psycopg2

    samples: list[tuple[int, int]] = []
    stop = threading.Event()

    def sample() -> None:
        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=db_name)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                while not stop.is_set():
                    cur.execute(
                        "SELECT count(*), count(*) FILTER (WHERE wait_event_type = "
                        "'Lock') FROM pg_stat_activity WHERE datname = %s "
                        "AND pid <> pg_backend_pid()",
                        [db_name],
                    )
                    row = cur.fetchone()
                    if row is not None:
                        samples.append((row[0], row[1]))
                    stop.wait(interval)
        finally:
            conn.close()

    def stats() -> dict:
        if not samples:
            return {}
        return {
            "peak_db_connections": max(n for n, _w in samples),
            "lock_waiters_mean": round(sum(w for _n, w in samples) / len(samples), 2),
            "lock_waiters_peak": max(w for _n, w in samples),
        }

    threading.Thread(target=sample, daemon=True).start()
    return stop, stats
