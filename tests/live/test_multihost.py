"""Two app hosts: two gunicorn instances on their own ports behind one nginx `upstream` (the
shipped deploy/nginx/portal.conf, tests/nginxkit.py), sharing one PostgreSQL database (through
the PgBouncer of tests/live/conftest.py when there is one), one Redis (broker and cache) and one
media folder, with two Celery workers (`celery worker` processes, each with its own hostname).

Each test talks to the instances directly (host A, host B: as nginx would, with
X-Forwarded-For) where it matters which one answers, and through nginx otherwise. Checked: a
session started on one works on the other; a login lockout counts failures on both; a judge's
draft saved through one is submitted through the other; the round closed through one refuses
scores on the other, and a call's deadline holds on both; a photo uploaded through one is
thumbnailed by a worker, and by the other worker when the first is gone; nginx spreads requests
over both instances.

Skips (saying why) when nginx, openssl, PostgreSQL or Redis is missing, except in CI.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests

from tests.factories import jpeg_bytes
from tests.nginxkit import Nginx, running_nginx
from tests.production import REPO, free_port, manage, process, wait_for

from .test_nginx import _admin_url, _as_admin, _problem

IN_CI = os.environ.get("CI", "").strip().lower() == "true"
#: The Redis of the two hosts: a database of its own for the broker and one for the cache.
REDIS = os.environ.get("MULTIHOST_REDIS", "redis://127.0.0.1:6379")
BROKER_DB, CACHE_DB = 9, 10
CLIENT_IP = "198.51.100.7"  # as nginx passes it on (AXES_PROXY_COUNT=1)


@dataclass
class Hosts:
    nginx: Nginx
    world: dict
    media: Path
    ports: dict[str, int]  # host name → gunicorn port
    logs: dict[str, Path]  # gunicorn and worker logs by name
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def base(self, host: str) -> str:
        return self.nginx.base if host == "nginx" else f"http://127.0.0.1:{self.ports[host]}"

    def browser(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(self.nginx.cert)
        s.headers.update({"Accept-Language": "en", "X-Forwarded-For": CLIENT_IP})
        return s

    def login(self, s: requests.Session, host: str, username: str, password: str | None = None):
        url = self.base(host) + "/accounts/login/"
        s.get(url, timeout=30)
        return s.post(
            url,
            data={
                "username": username,
                "password": password or self.world["password"],
                "csrfmiddlewaretoken": s.cookies["csrftoken"],
            },
            headers={"Referer": url, "Origin": self.base(host)},
            timeout=30,
            allow_redirects=False,
        )

    def post(self, s: requests.Session, host: str, path: str, data: dict, **kwargs):
        url = self.base(host) + path
        headers = {
            "Referer": url,
            "Origin": self.base(host),
            "X-CSRFToken": s.cookies["csrftoken"],
            **kwargs.pop("headers", {}),
        }
        return s.post(url, data=data, headers=headers, timeout=60, allow_redirects=False, **kwargs)


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(f"{REDIS}/{BROKER_DB}", socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS} is unreachable: {exc}"
    return None


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, pgbouncer):
    reason = _problem() or _redis_problem()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the two-host tests must run", pytrace=False)
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("two-hosts")
    name = f"multihost_{uuid.uuid4().hex[:8]}"
    _as_admin(f'CREATE DATABASE "{name}"')
    admin = _admin_url().rsplit("/", 1)[0]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": "multihost-" + uuid.uuid4().hex * 2,  # the same on both hosts
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{admin}/{name}",
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": f"{REDIS}/{BROKER_DB}",
        "CACHE_URL": f"{REDIS}/{CACHE_DB}",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),  # the shared media folder (NFS in production)
        "PROTECTED_FILES": "nginx",
        "AXES_PROXY_COUNT": "1",
        "HTTPS": "false",  # the hosts are also reached directly over plain HTTP here
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PHOTOS_SWEEP_SECONDS": "0",
        "IMPORT_JOBS_SWEEP_SECONDS": "0",
        "RESULTS_SWEEP_SECONDS": "0",
    }
    if os.environ.get("PGPASSWORD"):
        env["PGPASSWORD"] = os.environ["PGPASSWORD"]
    served = dict(env)
    if pgbouncer is not None:  # the hosts and workers reach PostgreSQL through PgBouncer
        served.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pgbouncer.port}/{name}",
            DATABASE_DISABLE_SERVER_SIDE_CURSORS="true",
            DATABASE_RANDOM_PAGE_COST="",
        )
    broker = redis.Redis.from_url(f"{REDIS}/{BROKER_DB}")
    cache = redis.Redis.from_url(f"{REDIS}/{CACHE_DB}")
    broker.flushdb()
    cache.flushdb()
    try:
        manage(["migrate", "-v0"], env)
        manage(["collectstatic", "--noinput", "-v0"], env)
        out = manage(
            ["shell", "-c", "from tests.live.multihost_world import main; main()"],
            {**env, "PYTHONPATH": str(REPO)},
        )
        line = next(x for x in out.splitlines() if x.startswith("MULTIHOST_WORLD "))
        import json

        world = json.loads(line.removeprefix("MULTIHOST_WORLD "))
        ports = {"A": free_port(), "B": free_port()}
        logs = {n: tmp / f"{n}.log" for n in ("A", "B", "worker1", "worker2")}
        with (
            process(_gunicorn(ports["A"]), served, logs["A"]) as a,
            process(_gunicorn(ports["B"]), served, logs["B"]) as b,
            process(_worker("worker1"), served, logs["worker1"]) as w1,
            process(_worker("worker2"), served, logs["worker2"]) as w2,
        ):
            wait_for(f"http://127.0.0.1:{ports['A']}/healthz", a, logs["A"])
            wait_for(f"http://127.0.0.1:{ports['B']}/healthz", b, logs["B"])
            for w, n in ((w1, "worker1"), (w2, "worker2")):
                _wait_text(logs[n], "ready.", w)
            with running_nginx(
                tmp / "nginx",
                port=free_port(),
                http_port=free_port(),
                upstreams=[ports["A"], ports["B"]],
                static_root=tmp / "static",
                media_root=tmp / "media",
            ) as nginx:
                yield Hosts(
                    nginx=nginx,
                    world=world,
                    media=tmp / "media",
                    ports=ports,
                    logs=logs,
                    workers={"worker1": w1, "worker2": w2},
                )
    finally:
        broker.flushdb()
        cache.flushdb()
        _as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _gunicorn(port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "civiccases.wsgi", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--access-logfile", "-",
    ]  # fmt: skip


def _worker(hostname: str) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "civiccases", "worker", "--pool", "solo",
        "--hostname", f"{hostname}@multihost", "--loglevel", "INFO", "--without-gossip",
        "--without-mingle", "--prefetch-multiplier", "1",
    ]  # fmt: skip


def _wait_text(log: Path, text: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{text!r} not in {log} after {seconds} s"
        time.sleep(0.2)


def test_a_publish_through_one_host_is_seen_through_the_other_at_once(hosts):
    """Readers' pages are cached (core/cache.py) in the Redis both hosts share: withdrawing and
    publishing again through host A changes what a reader gets from host B at once."""
    page = f"/series/{hosts.world['series']}/1/"
    edit = f"/publish/series/{hosts.world['series']}/1/"
    reader, editor = hosts.browser(), hosts.browser()
    editor.headers["X-Forwarded-For"] = "198.51.100.50"
    assert hosts.login(editor, "A", hosts.world["editor"]).status_code == 302
    first = [reader.get(hosts.base("B") + page, timeout=30) for _ in range(2)]  # then cached

    withdrawn = hosts.post(editor, "A", edit + "withdraw/", {})
    gone = reader.get(hosts.base("B") + page, timeout=30)
    published = hosts.post(editor, "A", edit + "publish/", {})
    back = reader.get(hosts.base("B") + page, timeout=30)

    assert [r.status_code for r in first] == [200, 200]
    assert hosts.world["headline"] in first[1].text
    assert (withdrawn.status_code, gone.status_code) == (302, 404)
    assert (published.status_code, back.status_code) == (302, 200)
    assert hosts.world["headline"] in back.text


def test_a_session_started_on_one_host_works_on_the_other(hosts):
    s = hosts.browser()
    assert hosts.login(s, "A", hosts.world["unit_user"]).status_code == 302

    mine = s.get(hosts.base("B") + "/collect/cases/", timeout=30, allow_redirects=False)

    assert mine.status_code == 200
    assert hosts.world["unit_name"] in mine.text
    out = hosts.post(s, "B", "/accounts/logout/", {})
    assert out.status_code == 302
    again = s.get(hosts.base("A") + "/collect/cases/", timeout=30, allow_redirects=False)
    assert again.status_code == 302 and again.headers["Location"].startswith("/accounts/login/")


def test_a_login_lockout_counts_failures_on_both_hosts(hosts):
    username = hosts.world["lockout_user"]
    s = hosts.browser()
    failures = [hosts.login(s, host, username, "wrong-password").status_code
                for host in ("A", "B", "A", "B")]  # fmt: skip
    assert failures == [200, 200, 200, 200]  # the form again, with its message

    fifth = hosts.login(s, "A", username, "wrong-password")
    right_on_b = hosts.login(s, "B", username)  # the right password, now refused

    assert fifth.status_code == 429
    assert right_on_b.status_code == 429
    assert "sessionid" not in s.cookies


def test_a_judges_draft_saved_on_one_host_is_submitted_on_the_other(hosts):
    judge = hosts.world["judges"][0]
    review = f"/judging/review/{hosts.world['assignments'][judge]}/"
    c1, c2 = hosts.world["criteria"]
    s = hosts.browser()
    assert hosts.login(s, "A", judge).status_code == 302

    saved = hosts.post(s, "A", review, {f"c{c1}": "30", f"c{c2}": "", "comment": "初稿",
                                        "save": "1"})  # fmt: skip
    page = s.get(hosts.base("B") + review, timeout=30)
    sent = hosts.post(s, "B", review, {f"c{c1}": "30", f"c{c2}": "45", "comment": "定稿",
                                       "submit": "1", "confirmed": "1"})  # fmt: skip
    after = s.get(hosts.base("A") + review, timeout=30)

    assert saved.status_code == 302
    assert page.status_code == 200
    assert re.search(rf'name="c{c1}"[^>]*value="30"', page.text)
    assert "初稿" in page.text
    assert sent.status_code == 302
    assert 'id="my-scores"' in after.text and 'id="review-form"' not in after.text
    assert "定稿" in after.text


def test_the_round_closed_on_one_host_refuses_scores_on_the_other(hosts):
    judge = hosts.world["judges"][1]
    review = f"/judging/review/{hosts.world['assignments'][judge]}/"
    c1, c2 = hosts.world["criteria"]
    js, org = hosts.browser(), hosts.browser()
    js.headers["X-Forwarded-For"] = "198.51.100.20"  # not the client locked out above
    assert hosts.login(js, "B", judge).status_code == 302
    assert hosts.login(org, "A", hosts.world["organizer"]).status_code == 302
    draft = hosts.post(js, "B", review, {f"c{c1}": "20", f"c{c2}": "", "save": "1"})
    assert draft.status_code == 302

    closed = hosts.post(
        org, "A", f"/judging/rounds/{hosts.world['round']}/status/", {"status": "closed"}
    )
    late = hosts.post(js, "B", review, {f"c{c1}": "25", f"c{c2}": "40", "submit": "1",
                                        "confirmed": "1"})  # fmt: skip

    assert closed.status_code == 302
    assert late.status_code == 409
    assert "What you just sent was not recorded." in late.text


def test_a_calls_deadline_holds_on_both_hosts(hosts):
    s = hosts.browser()
    s.headers["X-Forwarded-For"] = "198.51.100.30"
    assert hosts.login(s, "A", hosts.world["unit_user"]).status_code == 302
    late, on_time = hosts.world["late_case"], hosts.world["on_time_case"]

    for host in ("A", "B"):
        r = hosts.post(s, host, f"/collect/cases/{late}/submit/", {})
        assert r.status_code == 302, host
        page = s.get(hosts.base(host) + r.headers["Location"], timeout=30)
        alerts = re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page.text, re.S)
        texts = [re.sub(r"<[^>]+>", "", a).strip() for a in alerts]
        assert texts[0] == "The case was saved but not submitted:", texts
        assert re.fullmatch(
            r"The deadline \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, Beijing time\) has passed; the "
            r"case was not submitted\. Ask the organizer for an extension\.",
            texts[1],
        ), texts
        detail = s.get(hosts.base(host) + f"/collect/cases/{late}/", timeout=30)
        assert 'data-status="draft">' in detail.text, host
    taken = hosts.post(s, "B", f"/collect/cases/{on_time}/submit/", {})

    assert (taken.status_code, taken.headers["Location"]) == (302, f"/collect/cases/{on_time}/")
    page = s.get(hosts.base("A") + f"/collect/cases/{on_time}/", timeout=30)
    assert 'data-status="submitted">' in page.text


def _upload_photo(hosts: Hosts, s: requests.Session, host: str, data: bytes) -> dict:
    call = hosts.world["upload_call"]
    fields = {"call": call, "kind": "photo", "name": "现场.jpg", "size": len(data)}
    start = hosts.post(s, host, "/collect/uploads/", fields)
    assert start.status_code == 201, start.text
    info = start.json()
    headers = {"X-CSRFToken": s.cookies["csrftoken"] or "", "Origin": hosts.base(host),
               "Referer": hosts.base(host) + "/", "Upload-Offset": "0",
               "Content-Type": "application/offset+octet-stream"}  # fmt: skip
    chunk = s.patch(hosts.base(host) + info["url"], data=data, headers=headers, timeout=60)
    assert chunk.status_code == 200, chunk.text
    done = hosts.post(s, host, info["finish_url"], {})
    assert done.status_code == 200, done.text
    return done.json()


def _thumbnailed_by(hosts: Hosts, s: requests.Session, host: str, thumb: str) -> None:
    """Wait until the thumbnail is served by `host`."""
    deadline = time.monotonic() + 60
    while True:
        r = s.get(hosts.base(host) + thumb, timeout=30)
        if r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg":
            break
        assert time.monotonic() < deadline, f"no thumbnail after 60 s: {r.status_code}"
        time.sleep(0.3)


def _photo_tasks(hosts: Hosts, worker: str) -> int:
    log = hosts.logs[worker].read_text(errors="replace")
    return len(re.findall(r"Task submissions\.photo_process\[[^\]]+\] succeeded", log))


def _wait_tasks(hosts: Hosts, before: dict[str, int], total: int) -> dict[str, int]:
    """Photo tasks each worker finished since `before`, once they add up to `total`."""
    deadline = time.monotonic() + 30
    while True:
        done = {w: _photo_tasks(hosts, w) - before[w] for w in before}
        if sum(done.values()) >= total or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


def test_a_photo_uploaded_through_one_host_is_thumbnailed_by_either_worker(hosts):
    s = hosts.browser()
    s.headers["X-Forwarded-For"] = "198.51.100.40"
    assert hosts.login(s, "A", hosts.world["unit_user"]).status_code == 302
    before = {w: _photo_tasks(hosts, w) for w in ("worker1", "worker2")}

    first = _upload_photo(hosts, s, "A", jpeg_bytes(size=(1600, 1200)))
    _thumbnailed_by(hosts, s, "B", first["thumb"])
    both = _wait_tasks(hosts, before, 1)
    assert sorted(both.values()) == [0, 1]  # one worker made it, once

    # One worker host goes away: the next photo, uploaded through the other app host, is
    # thumbnailed by the worker that is left.
    gone = next(w for w, n in both.items() if n == 1)
    left = "worker2" if gone == "worker1" else "worker1"
    hosts.workers[gone].send_signal(signal.SIGTERM)
    hosts.workers[gone].wait(30)
    second = _upload_photo(hosts, s, "B", jpeg_bytes(size=(1200, 1600), color=(20, 90, 200)))
    _thumbnailed_by(hosts, s, "A", second["thumb"])

    assert _wait_tasks(hosts, before, 2)[left] == both[left] + 1
    assert f"{left}@multihost ready." in hosts.logs[left].read_text()


def test_nginx_spreads_requests_over_both_hosts(hosts):
    s = hosts.browser()
    for _ in range(8):
        assert s.get(hosts.base("nginx") + "/healthz", timeout=30).status_code == 200
    for host in ("A", "B"):
        assert hosts.logs[host].read_text().count('"GET /healthz HTTP/1.') >= 2, host
