"""A throwaway PostgreSQL cluster (initdb + pg_ctl) that a test may stop and restart at will.

It lives in its own temporary directory, listens on a free port of 127.0.0.1 and on a Unix
socket in that directory, and is owned by the `postgres` OS user when the tests run as root
(`runuser -u postgres --`; PostgreSQL refuses to run as root). The shared server of the other
tests is never touched.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def _run_as() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def problem() -> str | None:
    """Why a cluster cannot be made here, or None."""
    bindir = _bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        return "initdb/pg_ctl not found (Debian: apt-get install postgresql)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser (util-linux) to become `postgres`"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` OS user"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self):
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)

    def _pg(self, *args: str, timeout: float = 120) -> None:
        # Output goes to a file, never to a pipe: a server started by pg_ctl would keep the
        # pipe open and the call would never return.
        cmd = [*_run_as(), str(self.bindir / args[0]), *args[1:]]
        out_path = self.root / "pg_ctl.out"
        with open(out_path, "ab") as out:
            done = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                cwd=self.root,
                check=False,
            )
        if done.returncode != 0:
            tail = "\n".join(out_path.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({done.returncode}):\n{tail}\n{self.log_tail()}"
            )

    def init(self) -> "PgCluster":
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        return self

    def _options(self) -> list[str]:
        return [
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c max_connections=40",
        ]

    def start(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), *self._options(), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            *self._options(),
            "-m",
            mode,
            "-w",
            "-t",
            "60",
            "restart",
        )

    def running(self) -> bool:
        cmd = [*_run_as(), str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        return (
            subprocess.run(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False
            ).returncode
            == 0
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except (FileNotFoundError, PermissionError):
            return "(no postgres log)"
        return "--- postgres.log ---\n" + "\n".join(text.splitlines()[-lines:])

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
