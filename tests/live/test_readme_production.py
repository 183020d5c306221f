"""README.md's Production section, followed as written: a fresh PostgreSQL database and role,
the required environment, then every `.venv/bin/…` command of steps 3 and 4 as the README
spells it (migrate, collectstatic, createsuperuser, gunicorn, worker, beat), and a login.

Only the placeholders are filled in: `.venv/bin/` is this test's virtualenv (the README's
`python3 -m venv … pip install` line is what made it), `<cores>` is 1, `<state-dir>` a temporary
folder, the port a free one instead of 8000; createsuperuser runs without a terminal as the
README says. Requests carry `X-Forwarded-Proto: https` as the README's reverse proxy does.

Skips (saying why) when PostgreSQL on 127.0.0.1:5432 or Redis on 127.0.0.1:6379 does not
answer, except in CI (CI=true), where it fails instead.
"""

import os
import re
import shlex
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import psycopg2
import pytest
import redis
import requests

from tests.production import REPO, free_port, manage, page_assets, process, wait_for

IN_CI = os.environ.get("CI", "").strip().lower() == "true"
REDIS_URL = "redis://127.0.0.1:6379/11"
ADMIN = "admin"
ADMIN_PASSWORD = "readme-" + "p" * 20  # noqa: S105 — a throwaway test account


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def _unreachable() -> str | None:
    try:
        psycopg2.connect(_admin_url(), connect_timeout=3).close()
    except psycopg2.Error as exc:
        return f"PostgreSQL on 127.0.0.1:5432 does not answer: {exc}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis on 127.0.0.1:6379 does not answer: {exc}"
    return None


def _readme_commands() -> list[str]:
    """The `.venv/bin/…` lines of the sh blocks of README.md's Production section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(".venv/bin/")]


def _argv(command: str, *, state: Path, port: int) -> list[str]:
    command = command.replace("<cores>", "1").replace("<state-dir>", str(state))
    command = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    words = shlex.split(command)
    program = words[0].removeprefix(".venv/bin/")
    if program == "python":
        return [sys.executable, *words[1:]]
    return [str(Path(sys.executable).parent / program), *words[1:]]


def _as_admin(*statements: str) -> None:
    conn = psycopg2.connect(_admin_url(), connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _get_following_redirects(base: str, path: str, headers: dict[str, str]) -> requests.Response:
    """GET, following redirects by hand: requests drops a hand-set Cookie header on redirects."""
    for _ in range(5):
        response = requests.get(base + path, headers=headers, timeout=30, allow_redirects=False)
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        path = response.headers["Location"].removeprefix(
            "https://127.0.0.1:" + base.rsplit(":", 1)[1]
        )
    raise AssertionError(f"more than 5 redirects from {path}")


@pytest.fixture
def database():
    """A database and a role of the portal's own, dropped afterwards."""
    reason = _unreachable()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the README test must run", pytrace=False)
        pytest.skip(reason)
    name = f"static_readme_{uuid.uuid4().hex[:8]}"
    _as_admin(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'", f"CREATE DATABASE {name} OWNER {name}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        yield f"postgres://{name}:{name}@127.0.0.1:5432/{name}"
    finally:
        _as_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {name}")
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_readme_production_steps_give_a_portal_a_superuser_logs_in_to(database, tmp_path):
    commands = _readme_commands()
    assert [shlex.split(c)[:3] for c in commands] == [
        [".venv/bin/python", "manage.py", "migrate"],
        [".venv/bin/python", "manage.py", "collectstatic"],
        [".venv/bin/python", "manage.py", "createsuperuser"],
        [".venv/bin/gunicorn", "civiccases.wsgi", "--workers"],
        [".venv/bin/celery", "-A", "civiccases"],
        [".venv/bin/celery", "-A", "civiccases"],
    ]
    port = free_port()
    # Step 2's required variables (DEBUG unset), plus STATIC_ROOT and MEDIA_ROOT of "usually also";
    # nothing from this test run's own settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": "readme-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,  # the default (db 12) may be another test run's
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    argvs = [_argv(c, state=tmp_path, port=port) for c in commands]
    migrate, collectstatic, createsuperuser, gunicorn, worker, beat = argvs
    manage(migrate[2:], env)
    manage(collectstatic[2:], env)
    manage(
        [*createsuperuser[2:], "--noinput", "--username", ADMIN, "--email", "admin@example.org"],
        {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
    )

    base = f"http://127.0.0.1:{port}"
    https = f"https://127.0.0.1:{port}"
    proxy = {"X-Forwarded-Proto": "https"}
    with ExitStack() as stack:
        logs = {name: tmp_path / f"{name}.log" for name in ("gunicorn", "worker", "beat")}
        web = stack.enter_context(process(gunicorn, env, logs["gunicorn"]))
        stack.enter_context(process(worker, env, logs["worker"]))
        beat_process = stack.enter_context(process(beat, env, logs["beat"]))
        wait_for(base + "/healthz", web, logs["gunicorn"])

        # The worker answers the health page's ping.
        deadline = time.monotonic() + 60
        while True:
            health = requests.get(base + "/healthz", headers=proxy, timeout=30).json()
            if health["worker"] == "ok (1)":
                break
            assert time.monotonic() < deadline, f"{health}\n{logs['worker'].read_text()}"
            time.sleep(1)
        assert health == {
            "status": "ok",
            "database": "ok",
            "broker": "ok",
            "worker": "ok (1)",
            "cache": "ok",
            "degraded": [],
        }

        # Plain HTTP is sent to HTTPS; through the proxy the login page is served.
        plain = requests.get(base + "/accounts/login/", timeout=30, allow_redirects=False)
        assert (plain.status_code, plain.headers["Location"]) == (
            301,
            https + "/accounts/login/",
        )
        page = requests.get(base + "/accounts/login/", headers=proxy, timeout=30)
        assert page.status_code == 200
        assets = page_assets(page.text)
        assert len(assets) == 4
        assert all(re.fullmatch(r"/static/.+\.[0-9a-f]{12}\.(css|js)", url) for _, url in assets)
        for _, url in assets:
            assert requests.get(base + url, headers=proxy, timeout=30).status_code == 200, url

        # The cookies are Secure (HTTPS only): carried by hand over the test's plain socket.
        csrf = page.cookies["csrftoken"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        login = requests.post(
            base + "/accounts/login/",
            data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token[1]},
            headers={
                **proxy,
                "Cookie": f"csrftoken={csrf}",
                "Origin": https,
                "Referer": https + "/accounts/login/",
            },
            timeout=30,
            allow_redirects=False,
        )
        assert (login.status_code, login.headers["Location"]) == (302, "/start/")
        session = {"Cookie": f"sessionid={login.cookies['sessionid']}"}
        home = _get_following_redirects(base, "/start/", {**proxy, **session})
        assert home.status_code == 200
        assert 'action="/accounts/logout/"' in home.text  # logged in: the Log out button
        admin = requests.get(base + "/admin/", headers={**proxy, **session}, timeout=30)
        assert admin.status_code == 200
        assert "<title>站点管理 | Civic case portal</title>" in admin.text  # Site administration

        admin_assets = page_assets(admin.text)
        assert ("css", "/static/admin/css/base.css") not in admin_assets  # manifest names
        assert len(admin_assets) >= 2
        for _, url in admin_assets:
            assert requests.get(base + url, headers=proxy, timeout=30).status_code == 200, url

        # Beat runs and keeps its schedule in the state folder.
        assert beat_process.poll() is None, logs["beat"].read_text()
        assert "beat: Starting..." in logs["beat"].read_text()
        assert list(tmp_path.glob("celerybeat-schedule*")) != []
