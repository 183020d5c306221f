"""Helpers for tests that run the portal as production does: manage.py and gunicorn in
subprocesses with DEBUG=false, and the stylesheets and scripts a served page names."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent

#: <link rel="stylesheet" href="…"> and <script src="…"> of a page.
_STYLESHEET = re.compile(r"""<link\b[^>]*\brel=["']stylesheet["'][^>]*\bhref=["']([^"']+)["']""")
_SCRIPT = re.compile(r"""<script\b[^>]*\bsrc=["']([^"']+)["']""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def page_assets(html: str) -> list[tuple[str, str]]:
    """("css" or "js", URL) for every stylesheet and script the page loads, in page order."""
    found = [(m.start(), "css", m.group(1)) for m in _STYLESHEET.finditer(html)]
    found += [(m.start(), "js", m.group(1)) for m in _SCRIPT.finditer(html)]
    return [(kind, url) for _, kind, url in sorted(found)]


def manage(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    """Run `python manage.py ARGS` in the repository; fail the test with its output if it fails."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    """Wait until `url` answers (any status), failing if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        assert proc.poll() is None, f"{proc.args!r} exited:\n{log.read_text(errors='replace')}"
        try:
            requests.get(url, timeout=5, allow_redirects=False)
            return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, (
            f"{url} not answering in {seconds} s:\n{log.read_text()}"
        )
        time.sleep(0.2)


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process in its own session, its output in `log`; stopped (TERM, then
    KILL) with its children when the block ends."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
