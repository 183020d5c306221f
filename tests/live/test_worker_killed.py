"""A Celery worker killed while it processes a photo: the task comes back and the photo is
processed exactly once (one committed rendering, one set of renditions, nothing half-written).

Real stack: a `celery worker` subprocess with a prefork pool (tests/live/killable_worker.py) on
the real Redis broker and the PostgreSQL test database, which the worker shares with this test
(an in-memory SQLite test database cannot be shared, and SQLite has no row locks: these tests
need DATABASE_URL=postgres://…). Each test uses its own queue.

Settings exercised: task_acks_late and task_reject_on_worker_lost (a killed pool child's task is
requeued at once); the Redis visibility timeout, CELERY_VISIBILITY_TIMEOUT (a task taken by a
worker that died altogether comes back after it), here 3 s with the sweep every second
(CELERY_UNACKED_RESTORE_INTERVAL=1, CELERY_UNACKED_RESTORE_THROTTLE=1); and the per-photo row
lock with the "already done" check in submissions.services.photo_process.
"""

import json
import os
import signal
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery.exceptions import AlwaysEagerIgnored
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from civiccases.celery import app as celery_app
from submissions import services
from submissions.models import Photo

from .conftest import IN_CI
from .killable_worker import KillableWorker, Markers, pid_alive, wait_until
from .test_photo_worker import exif_jpeg

pytestmark = [pytest.mark.live_stack]

SHORT_VISIBILITY = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}
# The stack's own Redis database: Redis keeps one list of unacknowledged messages per database,
# and any consumer of it restores the messages older than its own visibility timeout, so this
# stack's killed message must not share it with the rest of the suite's workers.
STACK_BROKER = (
    celery_app.conf.broker_url.rsplit("/", 1)[0] + "/12"
    if celery_app.conf.broker_url.startswith("redis")
    else celery_app.conf.broker_url
)
# A worker that never sweeps photos: only the visibility timeout can bring a lost task back.
NO_SWEEP = {"PHOTOS_SWEEP_SECONDS": "0"}


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = quote(s["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _pooler_settings() -> dict[str, str]:
    """The settings of a worker behind PgBouncer (tests/live/conftest.py routes the test
    database through it): no startup option, no server-side cursors."""
    s = connection.settings_dict
    if s.get("DISABLE_SERVER_SIDE_CURSORS") and "options" not in s.get("OPTIONS", {}):
        return {"DATABASE_RANDOM_PAGE_COST": "", "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true"}
    return {}


class Stack:
    """One test's queue, probe files and workers; everything is cleaned up at the end."""

    def __init__(self, tmp_path: Path, media_root: str):
        self.queue = f"faults-{uuid.uuid4().hex[:12]}"
        self.markers = Markers(tmp_path / "markers.txt")
        self.hold = tmp_path / "hold"
        self.hold.touch()  # tasks wait after their web rendition until the test lets them go
        self.tmp_path = tmp_path
        self.env = {
            "DATABASE_URL": _database_url(),
            **_pooler_settings(),
            "CONN_MAX_AGE": "0",
            "MEDIA_ROOT": media_root,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "FAULTS_HOLD": str(self.hold),
            "CELERY_BROKER_URL": STACK_BROKER,
        }
        self.workers: list[KillableWorker] = []
        self.redis = redis.Redis.from_url(STACK_BROKER)
        self.redis.flushdb()

    def worker(self, name: str, **env) -> KillableWorker:
        w = KillableWorker(
            name,
            queue=self.queue,
            env={**self.env, **env},
            markers=self.markers,
            log_dir=self.tmp_path,
        )
        self.workers.append(w)
        return w.start()

    def send(self, photo_id: int) -> None:
        with warnings.catch_warnings():  # the suite's eager mode is for .delay(), not this
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            with celery_app.connection_for_write(STACK_BROKER) as conn:
                celery_app.send_task(
                    "submissions.photo_process", args=[photo_id], queue=self.queue, connection=conn
                )

    def release(self) -> None:
        self.hold.unlink(missing_ok=True)

    # broker state of this test's queue
    def queued(self) -> int:
        return self.redis.llen(self.queue)

    def unacked(self) -> list[bytes | str]:  # bytes unless the client decodes responses
        tags = []
        for tag, raw in self.redis.hgetall("unacked").items():
            _payload, exchange, routing_key = json.loads(raw)
            if self.queue in (exchange, routing_key):
                tags.append(tag)
        return tags

    def settled(self) -> bool:
        return self.queued() == 0 and not self.unacked()

    def wait(self, condition, what: str, timeout: float = 60) -> None:
        wait_until(condition, what, timeout, workers=self.workers)

    def close(self) -> None:
        self.release()
        for w in self.workers:
            w.stop()
        for tag in self.unacked():
            self.redis.zrem("unacked_index", tag)
            self.redis.hdel("unacked", tag)
        # The queue and the exchange named after it: leave no keys behind in Redis.
        self.redis.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )


@pytest.fixture
def stack(transactional_db, tmp_path, settings):
    if connection.vendor != "postgresql":
        reason = (
            "the killable-worker tests share the test database with a worker process: "
            "set DATABASE_URL=postgres://…"
        )
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so they must run, not skip", pytrace=False)
        pytest.skip(reason)
    s = Stack(tmp_path, str(settings.MEDIA_ROOT))
    yield s  # torn down before the test database is flushed (no worker holds a lock then)
    s.close()


@pytest.fixture
def pending_photo(call, user_a, monkeypatch):
    """A stored photo whose processing has not started; the test sends its task itself."""
    monkeypatch.setattr(services, "enqueue_on_commit", lambda task, *args: None)
    with transaction.atomic():
        photo = services.photo_stage(
            upload=SimpleUploadedFile("现场照片.jpg", exif_jpeg((2400, 1600)), "image/jpeg"),
            actor=user_a,
            call=call,
        )
    assert photo.processing == Photo.Processing.PENDING
    return photo


def assert_processed_once(stack: Stack, photo: Photo, media_root: str) -> None:
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.DONE, photo.processing_error
    assert stack.markers.count("committed", photo.pk) == 1, stack.markers.lines()
    media = Path(media_root)
    hex_ = photo.uid.hex
    # One set of renditions under their own names: nothing left over from the killed attempt,
    # no "-web_AbC123.jpg" duplicate made because a file of that name was already there.
    assert photo.web.name == f"renditions/{hex_[:2]}/{hex_}-web.jpg"
    assert photo.thumb.name == f"renditions/{hex_[:2]}/{hex_}-thumb.jpg"
    renditions = sorted(p.name for p in (media / photo.web.name).parent.iterdir())
    assert renditions == [f"{hex_}-thumb.jpg", f"{hex_}-web.jpg"]
    assert photo.image.name is not None
    original = media / photo.image.name
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]
    # The message was acknowledged in the end: nothing waits in the queue or unacknowledged.
    stack.wait(stack.settled, "the task was not acknowledged", timeout=30)


def test_killed_pool_child_task_is_redelivered_and_processed_once(stack, pending_photo, settings):
    photo = pending_photo
    worker = stack.worker("a")
    stack.send(photo.pk)
    stack.wait(
        lambda: stack.markers.count("web-written", photo.pk) == 1,
        "the task did not reach the middle of its processing",
    )
    (child,) = stack.markers.pids("web-written", photo.pk)
    assert child != worker.pid  # the pool child, not the main process
    # Mid-processing: a rendition is on disk but nothing is committed.
    assert Photo.objects.get(pk=photo.pk).processing == Photo.Processing.PENDING
    hex_ = photo.uid.hex
    assert (Path(settings.MEDIA_ROOT) / "renditions" / hex_[:2] / f"{hex_}-web.jpg").is_file()

    os.kill(child, signal.SIGKILL)
    stack.wait(lambda: not pid_alive(child), "the pool child did not die", timeout=10)
    stack.release()
    stack.wait(
        lambda: stack.markers.count("committed", photo.pk) == 1,
        "the task was not redelivered and processed after its child was killed",
    )

    assert worker.alive()  # the main process survived and started a new child
    runs = stack.markers.pids("prerun", photo.pk)
    assert len(runs) == 2 and runs[0] == child and runs[1] != child, stack.markers.lines()
    assert stack.markers.count("render", photo.pk) == 2  # the killed attempt, then the retry
    assert_processed_once(stack, photo, settings.MEDIA_ROOT)
    assert stack.markers.postruns(photo.pk) == ["postrun-SUCCESS"]


def test_whole_worker_killed_task_comes_back_after_the_visibility_timeout(
    stack, pending_photo, settings
):
    photo = pending_photo
    # The first worker keeps the default hour-long visibility timeout, so it never hands the
    # task out again itself: after its death, only the second worker's short timeout does.
    first = stack.worker("first", **NO_SWEEP)
    stack.send(photo.pk)
    stack.wait(
        lambda: stack.markers.count("web-written", photo.pk) == 1,
        "the task did not reach the middle of its processing",
    )
    (child,) = stack.markers.pids("web-written", photo.pk)

    first.kill_all()  # main process and pool child at once: nobody can requeue the task
    assert not pid_alive(first.pid)
    stack.wait(lambda: not pid_alive(child), "the orphaned pool child did not die", timeout=10)
    # The message is neither done nor lost: Redis keeps it as unacknowledged.
    assert stack.queued() == 0 and len(stack.unacked()) == 1
    assert Photo.objects.get(pk=photo.pk).processing == Photo.Processing.PENDING

    stack.release()
    second = stack.worker("second", **SHORT_VISIBILITY, **NO_SWEEP)
    stack.wait(
        lambda: stack.markers.count("committed", photo.pk) == 1,
        "the task did not come back after the visibility timeout",
        timeout=60,
    )

    runs = stack.markers.pids("prerun", photo.pk)
    assert len(runs) == 2 and runs[0] == child and runs[1] != child, stack.markers.lines()
    assert stack.markers.count("render", photo.pk) == 2
    assert second.alive()
    assert_processed_once(stack, photo, settings.MEDIA_ROOT)
    assert stack.markers.postruns(photo.pk) == ["postrun-SUCCESS"]


def test_whole_worker_killed_without_beat_the_next_worker_redoes_the_photo_at_start(
    stack, pending_photo, settings
):
    """No beat runs and every worker keeps the hour-long visibility timeout: the worker started
    after the kill sweeps at its start and processes the photo within seconds, exactly once."""
    photo = pending_photo
    first = stack.worker("first")
    stack.send(photo.pk)
    stack.wait(
        lambda: stack.markers.count("web-written", photo.pk) == 1,
        "the task did not reach the middle of its processing",
    )
    (child,) = stack.markers.pids("web-written", photo.pk)
    first.kill_all()
    stack.wait(lambda: not pid_alive(child), "the orphaned pool child did not die", timeout=10)
    assert stack.queued() == 0 and len(stack.unacked()) == 1
    assert Photo.objects.get(pk=photo.pk).processing == Photo.Processing.PENDING

    stack.release()
    started = time.monotonic()
    second = stack.worker("second")  # as the README starts it: no beat, default timeouts
    stack.wait(
        lambda: stack.markers.count("committed", photo.pk) == 1,
        "the worker started after the kill did not process the photo",
        timeout=30,
    )
    assert time.monotonic() - started < 30

    runs = stack.markers.pids("prerun", photo.pk)
    assert len(runs) == 2 and runs[0] == child and runs[1] != child, stack.markers.lines()
    assert stack.markers.count("render", photo.pk) == 2  # the killed attempt, then the redo
    stack.wait(
        lambda: stack.markers.postruns(photo.pk) == ["postrun-SUCCESS"],
        "the redo did not finish",
        timeout=30,
    )
    assert second.alive()
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.DONE, photo.processing_error
    hex_ = photo.uid.hex
    renditions = Path(settings.MEDIA_ROOT) / "renditions" / hex_[:2]
    assert sorted(p.name for p in renditions.iterdir()) == [f"{hex_}-thumb.jpg", f"{hex_}-web.jpg"]
    # The sweeps' own messages were acknowledged; the killed worker's message stays
    # unacknowledged until the visibility timeout (an hour), when its run finds the photo done.
    # One worker process takes the dozen sweeps one after another (WORKER_SWEEPS): on a busy
    # CI machine that took over 30 s once, hence the longer wait.
    stack.wait(
        lambda: stack.queued() == 0 and len(stack.unacked()) == 1,
        "the sweep's messages were not acknowledged",
        timeout=90,
    )


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_redelivery_while_the_first_attempt_holds_the_photo_lock_processes_once(
    stack, pending_photo, settings
):
    photo = pending_photo
    stack.worker("one", **SHORT_VISIBILITY)
    stack.worker("two", **SHORT_VISIBILITY)
    stack.send(photo.pk)
    stack.wait(
        lambda: stack.markers.count("web-written", photo.pk) == 1,
        "the task did not reach the middle of its processing",
    )
    (first,) = stack.markers.pids("web-written", photo.pk)
    # The first attempt runs past the visibility timeout: Redis hands the task to the other
    # worker, whose attempt must wait for the first one's row lock on the photo.
    stack.wait(
        lambda: len(stack.markers.pids("prerun", photo.pk)) >= 2,
        "the task was not redelivered after the visibility timeout",
        timeout=60,
    )
    stack.wait(
        lambda: _lock_waiters() >= 1,
        "the second attempt is not waiting on the photo's row lock",
        timeout=30,
    )
    assert stack.markers.count("render", photo.pk) == 1  # the second one has not rendered

    stack.release()
    stack.wait(
        lambda: stack.markers.count("committed", photo.pk) == 1, "the first attempt did not commit"
    )
    stack.wait(
        lambda: (
            len(stack.markers.postruns(photo.pk)) == len(stack.markers.pids("prerun", photo.pk))
        ),
        "not every attempt finished",
        timeout=60,
    )

    # Every later attempt found the photo done under the lock and left it alone.
    assert stack.markers.pids("render", photo.pk) == [first]
    assert set(stack.markers.postruns(photo.pk)) == {"postrun-SUCCESS"}
    assert_processed_once(stack, photo, settings.MEDIA_ROOT)
