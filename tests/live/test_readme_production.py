"""README.md's Production section, followed as written: a fresh PostgreSQL database and role,
the required environment, PgBouncer in front of PostgreSQL as its PgBouncer part says (its
pgbouncer.ini block, the role's SCRAM secret in the auth_file, the portal's environment block
and the ALTER DATABASE of its comment), then every `.venv/bin/…` command of steps 3 and 4 as
the README spells it (migrate, collectstatic, createsuperuser, gunicorn, worker, beat), all
through PgBouncer, and a login.

Only the placeholders are filled in: `.venv/bin/` is this test's virtualenv (the README's
`python3 -m venv … pip install` line is what made it), `<cores>` is 1, `<state-dir>` a temporary
folder, the port a free one instead of 8000 (PgBouncer's instead of 6432), the database and
role names and paths of the PgBouncer blocks this test's own (PgBouncer's log and pid file are
kept in its folder); createsuperuser runs without a terminal as the README says. Requests
carry `X-Forwarded-Proto: https` as the README's reverse proxy does.

Skips (saying why) when PostgreSQL on 127.0.0.1:5432 or Redis on 127.0.0.1:6379 does not
answer or pgbouncer is missing, except in CI (CI=true), where it fails instead.
"""

import os
import re
import shlex
import sys
import textwrap
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import psycopg2
import pytest
import redis
import requests

from tests.pgbouncerkit import file_settings, pgbouncer_problem, running_pgbouncer_ini
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
    return pgbouncer_problem()


def _production_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]


def _readme_commands() -> list[str]:
    """The `.venv/bin/…` lines of the sh blocks of README.md's Production section."""
    section = _production_section()
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(".venv/bin/")]


def _readme_pgbouncer(name: str, folder: Path, port: int) -> tuple[str, dict[str, str], str]:
    """The PgBouncer part of the Production section, for database and role `name`: the
    pgbouncer.ini (listening on `port`, its auth_file in `folder`), the portal's environment
    variables, and the statement its comment says to run on the server."""
    section = _production_section()
    inis = re.findall(r"```ini\n(.*?)```", section, flags=re.S)
    assert len(inis) == 1, "README's Production section has one pgbouncer.ini block"
    ini = "\n" + textwrap.dedent(inis[0])  # the block is indented in the numbered list
    for old, new in (
        ("\nportal = ", f"\n{name} = "),
        ("dbname=portal", f"dbname={name}"),
        ("listen_port = 6432", f"listen_port = {port}"),
        ("/etc/pgbouncer/userlist.txt", str(folder / "userlist.txt")),
    ):
        assert old in ini, f"README's pgbouncer.ini has no {old!r}"
        ini = ini.replace(old, new)
    assert ini.rstrip().splitlines()[-1].split("=")[0].strip() != "[pgbouncer]"
    ini = ini.rstrip("\n") + "\n" + file_settings(folder)  # the [pgbouncer] section is the last
    block = next(
        b
        for b in re.findall(r"```sh\n(.*?)```", section, flags=re.S)
        if "DATABASE_DISABLE_SERVER_SIDE_CURSORS" in b
    )
    env = {}
    for line in block.splitlines():
        assignment = re.match(r"\s*([A-Z_]+)=(\S*)", line)
        if assignment:
            env[assignment[1]] = assignment[2]
    assert env["DATABASE_URL"] == "postgres://portal:secret@127.0.0.1:6432/portal"
    env["DATABASE_URL"] = f"postgres://{name}:{name}@127.0.0.1:{port}/{name}"
    statement = re.search(r"ALTER DATABASE portal SET random_page_cost = [0-9.]+", block)
    assert statement is not None, "README says how to set random_page_cost on the server"
    return ini, env, statement[0].replace("portal", name, 1)


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


def _scram_secret(role: str) -> str:
    conn = psycopg2.connect(_admin_url(), connect_timeout=5)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role])
            row = cursor.fetchone()
    finally:
        conn.close()
    assert row is not None, role
    secret: str = row[0]
    assert secret.startswith("SCRAM-SHA-256$")
    return secret


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
    _as_admin(
        "SET password_encryption = 'scram-sha-256'",
        f"CREATE ROLE {name} LOGIN PASSWORD '{name}'",
        f"CREATE DATABASE {name} OWNER {name}",
    )
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        yield name
    finally:
        _as_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {name}")
        redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def readme_pgbouncer(database, tmp_path):
    """PgBouncer in front of the database as README's PgBouncer part sets it up (its auth_file
    holding the role's SCRAM secret); yields it and the portal's variables for it."""
    folder = tmp_path / "pgbouncer"
    folder.mkdir()
    port = free_port()
    ini, env, page_cost = _readme_pgbouncer(database, folder, port)
    (folder / "userlist.txt").write_text(
        f'"{database}" "{_scram_secret(database)}"\n', encoding="utf-8"
    )
    _as_admin(page_cost)
    with running_pgbouncer_ini(folder, ini, port) as bouncer:
        yield bouncer, env


def test_readme_production_steps_give_a_portal_a_superuser_logs_in_to(
    database, readme_pgbouncer, tmp_path
):
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
    bouncer, bouncer_env = readme_pgbouncer
    assert set(bouncer_env) == {
        "DATABASE_URL",
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
        "DATABASE_RANDOM_PAGE_COST",
    }
    assert bouncer_env["DATABASE_RANDOM_PAGE_COST"] == ""
    # Step 2's required variables (DEBUG unset), plus STATIC_ROOT and MEDIA_ROOT of "usually also",
    # and the PgBouncer block's; nothing from this test run's own settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": "readme-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        **bouncer_env,  # DATABASE_URL on PgBouncer's port
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

        # Every process reached the database through PgBouncer, as the role itself (SCRAM
        # against the auth_file), and the server-side setting replaces the startup option.
        assert f"login attempt: db={database} user={database}" in bouncer.log
        conn = psycopg2.connect(bouncer_env["DATABASE_URL"], connect_timeout=5)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SHOW random_page_cost")
                assert cursor.fetchone() == ("1.1",)
        finally:
            conn.close()

        # Beat runs and keeps its schedule in the state folder.
        assert beat_process.poll() is None, logs["beat"].read_text()
        assert "beat: Starting..." in logs["beat"].read_text()
        assert list(tmp_path.glob("celerybeat-schedule*")) != []
