"""A real PgBouncer (Debian's package) in transaction mode between the portal and PostgreSQL.

It listens on a free port of 127.0.0.1 and routes every database name to the PostgreSQL the
caller names (a wildcard entry, so a database the tests create later is routed too), logging in
there as that server's user; clients are let in with any user name (auth_type = any: the tests'
own machine). The portal's settings for it: DATABASE_URL on its port,
DATABASE_DISABLE_SERVER_SIDE_CURSORS=true, DATABASE_RANDOM_PAGE_COST="" (PgBouncer refuses the
`options` startup parameter).

Used by tests/live/conftest.py (the live-test group runs through it) and bench/openloop.py.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.production import free_port

IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


def pgbouncer_problem() -> str | None:
    """Why PgBouncer cannot run here (None when it can)."""
    if pgbouncer_binary() is None:
        return "pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run installs it)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root with no `postgres` OS user for PgBouncer to run as"
    return None


@dataclass
class PgBouncer:
    port: int
    folder: Path
    proc: subprocess.Popen[bytes]
    #: The PostgreSQL it stands in front of (running_pgbouncer: host, port, user, password).
    server: dict[str, str | int] = field(default_factory=dict)

    @property
    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def config(*, port: int, folder: Path, host: str, server_port: int, user: str, password: str,
           pool_size: int = 20, max_client_conn: int = 500,
           query_wait_timeout: int = 5) -> str:  # fmt: skip
    login = f" user={user}" + (f" password={_quote(password)}" if password else "")
    return (
        "[databases]\n"
        f"* = host={host} port={server_port}{login}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "auth_type = any\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        f"max_client_conn = {max_client_conn}\n"
        "server_reset_query =\n"
        # While PostgreSQL is down or restarting (tests/live/test_postgres_restart.py): a client
        # waits for a server connection at most 5 s, as the portal's own connect_timeout
        # (DATABASE_CONNECT_TIMEOUT), instead of the default 120 s, then gets
        # "query_wait_timeout"; a connection attempt that does not answer is given up after 5 s
        # (default 15 s); after a failed login PgBouncer tries again after 1 s (default 15 s,
        # during which every client is refused with "server login has been failing"), so the
        # portal is back within a second or two of PostgreSQL. The portal answers each of these
        # errors with its 503 page (civiccases/middleware.py).
        f"query_wait_timeout = {query_wait_timeout}\n"
        "server_connect_timeout = 5\n"
        "server_login_retry = 1\n"
        # psycopg2 sends no startup option the portal relies on; refuse anything else (so a
        # session-level `options=-c …` left in the settings shows as an error, not silently).
        "ignore_startup_parameters = extra_float_digits\n"
        "admin_users =\n" + file_settings(folder)
    )


def file_settings(folder: Path) -> str:
    """The [pgbouncer] lines that keep PgBouncer's files in `folder` (log, pid, no Unix socket)."""
    return (
        "unix_socket_dir =\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )


@contextmanager
def running_pgbouncer(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    server_port: int = 5432,
    user: str = "postgres",
    password: str = "",
    pool_size: int = 20,
) -> Iterator[PgBouncer]:
    """PgBouncer in front of host:server_port, stopped when the block ends."""
    port = free_port()
    text = config(port=port, folder=folder, host=host, server_port=server_port, user=user,
                  password=password, pool_size=pool_size)  # fmt: skip
    with running_pgbouncer_ini(folder, text, port) as bouncer:
        bouncer.server = {"host": host, "port": server_port, "user": user, "password": password}
        yield bouncer


@contextmanager
def running_pgbouncer_ini(folder: Path, ini_text: str, port: int) -> Iterator[PgBouncer]:
    """PgBouncer run with `ini_text` as its pgbouncer.ini (written to `folder`, which also holds
    any file the text names, e.g. an auth_file); it must listen on 127.0.0.1:`port`."""
    binary = pgbouncer_binary()
    assert binary is not None
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "pgbouncer.ini"
    ini.write_text(ini_text, encoding="utf-8")
    args = [binary, str(ini)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        args = [binary, "-u", "postgres", str(ini)]
        for path in (folder, *folder.parents):
            if path == Path("/"):
                break
            if path.stat().st_mode & 0o005 != 0o005:
                path.chmod(path.stat().st_mode | 0o005)
        folder.chmod(0o777)
        for path in folder.iterdir():
            path.chmod(0o644)
    out = open(folder / "pgbouncer.out", "ab")
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    bouncer = PgBouncer(port=port, folder=folder, proc=proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"pgbouncer exited ({proc.returncode}):\n{bouncer.log}\n"
                    + (folder / "pgbouncer.out").read_text(errors="replace")
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "pgbouncer is not listening after 30 s"
                time.sleep(0.1)
        yield bouncer
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
