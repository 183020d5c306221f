"""A real `celery worker` (prefork pool) in a subprocess, on the real Redis broker, for fault tests.

Run as `python -m tests.live.killable_worker worker …` it is the project's worker with two test
probes installed before the pool forks (nothing in the production code knows about them):

* every step of photo processing appends a line "<event> <pid> <photo id>" to the file named by
  FAULTS_MARKERS: `prerun` / `postrun` (task signals), `render` (the rendering started, under
  the per-photo lock), `web-written` (the web rendition is on disk, nothing committed yet) and
  `committed` (the rendering's transaction committed: the photo was processed);
* right after writing the web rendition, the task waits while the file FAULTS_HOLD exists. A test
  thus holds a task mid-processing (row lock taken, a rendition on disk, nothing committed),
  deterministically and without sleeping, and kills it there.

`KillableWorker` starts such a worker in its own process group, waits on those markers with
bounded waits, kills the pool child or the whole worker, and always cleans up.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARKERS_ENV = "FAULTS_MARKERS"
HOLD_ENV = "FAULTS_HOLD"
QUEUE_ENV = "FAULTS_QUEUE"
HOLD_LIMIT = 120  # a held task gives up after this many seconds (a test that forgot it)


# --- inside the worker process ---------------------------------------------------------------


def _mark(event: str, photo_id) -> None:
    line = f"{event} {os.getpid()} {photo_id}\n".encode()
    fd = os.open(os.environ[MARKERS_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one small O_APPEND write: lines of concurrent processes never mix
    finally:
        os.close(fd)


def _install_probes() -> None:
    from celery import signals
    from django.db import transaction

    from submissions import services

    real_render, real_replace = services.photo_render_locked, services.stored_file_replace
    hold = os.environ.get(HOLD_ENV, "")

    def render(photo):
        _mark("render", photo.pk)
        result = real_render(photo)
        transaction.on_commit(lambda: _mark("committed", photo.pk))
        return result

    def replace(field, data, name):
        real_replace(field, data, name)
        if name.endswith("-web.jpg"):
            _mark("web-written", field.instance.pk)
            deadline = time.monotonic() + HOLD_LIMIT
            while hold and os.path.exists(hold):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"held for more than {HOLD_LIMIT} s")
                time.sleep(0.02)

    services.photo_render_locked, services.stored_file_replace = render, replace

    def on_prerun(sender=None, args=None, **kwargs):
        if sender.name == "submissions.photo_process":
            _mark("prerun", args[0])

    def on_postrun(sender=None, args=None, state=None, **kwargs):
        if sender.name == "submissions.photo_process":
            _mark(f"postrun-{state}", args[0])

    def on_ready(**kwargs):
        _mark("ready", 0)

    signals.task_prerun.connect(on_prerun, weak=False)
    signals.task_postrun.connect(on_postrun, weak=False)
    signals.worker_ready.connect(on_ready, weak=False)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiccases.settings")
    import django

    django.setup()
    from civiccases.celery import app

    _install_probes()
    # What the worker sends itself (its sweeps, the photos they send again) stays on the test's
    # queue, as the default queue does for a worker started without -Q.
    app.conf.task_default_queue = os.environ[QUEUE_ENV]
    app.worker_main(argv=argv)


# --- in the test process ---------------------------------------------------------------------


class Markers:
    """The probe lines written by every worker of one test."""

    def __init__(self, path: Path):
        self.path = path
        path.touch()

    def lines(self) -> list[tuple[str, int, int]]:
        out = []
        for raw in self.path.read_text().splitlines():
            event, pid, photo = raw.split()
            out.append((event, int(pid), int(photo)))
        return out

    def pids(self, event: str, photo_id: int) -> list[int]:
        return [pid for e, pid, p in self.lines() if e == event and p == photo_id]

    def count(self, event: str, photo_id: int) -> int:
        return len(self.pids(event, photo_id))

    def postruns(self, photo_id: int) -> list[str]:
        return [e for e, _pid, p in self.lines() if e.startswith("postrun-") and p == photo_id]


class KillableWorker:
    def __init__(
        self,
        name: str,
        *,
        queue: str,
        env: dict,
        markers: Markers,
        log_dir: Path,
        concurrency: int = 1,
    ):
        self.name, self.queue, self.markers = name, queue, markers
        self.log_path = log_dir / f"worker-{name}.log"
        self.env = {**os.environ, **env, MARKERS_ENV: str(markers.path), QUEUE_ENV: queue}
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    # lifecycle
    def start(self, timeout: float = 60) -> "KillableWorker":
        ready_before = len(self._ready_pids())
        cmd = [
            sys.executable,
            "-m",
            "tests.live.killable_worker",
            "worker",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "--loglevel=INFO",
            "-Q",
            self.queue,
            "-n",
            f"{self.name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(self.log_path, "ab") as log:
            # Its own process group: the pool children can be killed with the main process.
            self.proc = subprocess.Popen(
                cmd,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait(
            lambda: len(self._ready_pids()) > ready_before,
            f"worker {self.name} did not become ready",
            timeout,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill_all(self) -> None:
        """SIGKILL the whole worker, main process and pool children (an OOM kill, a crash)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown; anything still alive after 30 s, orphans included, is killed."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self.kill_all()

    # waiting
    def wait(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(
                    f"{what}: worker {self.name} exited with "
                    f"{self.proc.returncode}\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} within {timeout} s\nmarkers: {self.markers.lines()}\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no worker log)"
        return f"--- {self.log_path.name} (last {lines} lines) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )

    def _ready_pids(self) -> list[int]:
        return [pid for e, pid, _p in self.markers.lines() if e == "ready"]


def wait_until(condition, what: str, timeout: float = 60, *, workers=()) -> None:
    """Poll `condition` until true; on timeout fail with the workers' logs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(w.log_tail() for w in workers)
            raise AssertionError(f"{what} within {timeout} s\n{logs}")
        time.sleep(0.05)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
