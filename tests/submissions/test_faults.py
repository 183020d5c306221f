"""Nothing lost when the broker is down: the case saves, the photo waits, the sweep makes its
renditions once the broker is back."""

import csv
import io
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from submissions import importing, services, tasks
from submissions.models import Case, ImportJob, Photo

from ..factories import CaseFactory, jpeg_upload


def test_broker_down_case_still_saves_and_the_sweep_processes_its_photo_later(
    client, call, user_a, django_capture_on_commit_callbacks
):
    client.force_login(user_a)
    broker_down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(tasks.photo_process, "delay", side_effect=broker_down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("submissions:case_create", args=[call.slug]),
            {
                "title": "断网也不丢",
                "save": "1",
                "photos-TOTAL_FORMS": "1",
                "photos-INITIAL_FORMS": "0",
                "photos-0-image": jpeg_upload("a.jpg"),
                "photos-0-caption": "■说明",
                "photos-0-position": "1",
            },
        )

    assert response.status_code == 302
    photo = Photo.objects.get(case=Case.objects.get(title="断网也不丢"))
    assert (photo.processing, photo.web.name) == (Photo.Processing.PENDING, "")

    # The broker is back; the workers' sweep finds photos queued for more than five minutes
    # that never started.
    Photo.objects.filter(pk=photo.pk).update(
        processing_queued_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.photos_sweep() == 1
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.DONE
    assert photo.web.name.endswith("-web.jpg") and photo.thumb.name.endswith("-thumb.jpg")


# --- the sweep every worker runs (no beat): lost photos come back at once, exactly once ------


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """The photo ids the sweep sends to the broker."""
    ids: list[int] = []
    with mock.patch.object(tasks.photo_process, "delay", side_effect=ids.append):
        yield ids


def _staged(call, user_a) -> Photo:
    return services.photo_stage(upload=jpeg_upload("现场.jpg"), actor=user_a, call=call)


def _sweep(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.photos_sweep()


def test_sweep_sends_again_at_once_a_photo_whose_attempt_died_and_only_once(
    call, user_a, sent, django_capture_on_commit_callbacks
):
    died = _staged(call, user_a)
    queued = _staged(call, user_a)  # sent a moment ago, waiting in the queue
    # An attempt began (committed before the row lock) and its worker was killed: no lock left.
    Photo.objects.filter(pk=died.pk).update(processing_started_at=timezone.now())

    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert sent == [died.pk]
    died.refresh_from_db()
    assert died.processing_started_at is None  # sent again: freshly queued
    # The next sweep (another worker starting) sends nothing twice, nor the queued photo.
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert sent == [died.pk]
    assert Photo.objects.get(pk=queued.pk).processing == Photo.Processing.PENDING


def test_sweep_leaves_done_and_failed_photos_alone(
    call, user_a, sent, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(hours=1)
    for state in (Photo.Processing.DONE, Photo.Processing.FAILED):
        photo = _staged(call, user_a)
        Photo.objects.filter(pk=photo.pk).update(
            processing=state, processing_queued_at=old, processing_started_at=old
        )
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert sent == []


def test_photo_processing_records_that_its_attempt_started(call, user_a):
    photo = _staged(call, user_a)
    assert photo.processing_started_at is None
    with mock.patch.object(services, "photo_render_locked", side_effect=OSError("disk gone")):
        with pytest.raises(OSError):
            services.photo_process(photo=photo, actor=None)
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.PENDING
    assert photo.processing_started_at is not None  # the sweep will send it again


@pytest.mark.django_db(transaction=True)
def test_sweep_skips_a_photo_being_processed_and_sends_it_once_its_worker_is_gone(
    call, user_a, sent, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL: set DATABASE_URL=postgres://…")
    busy, lost = _staged(call, user_a), _staged(call, user_a)
    sent.clear()  # committed at once here: staging sent their first tasks
    Photo.objects.filter(pk__in=[busy.pk, lost.pk]).update(processing_started_at=timezone.now())
    locked, release = threading.Event(), threading.Event()

    def hold(pk: int) -> None:  # another worker's transaction holding the row lock
        try:
            with transaction.atomic():
                Photo.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=hold, args=(busy.pk,))
    worker.start()
    try:
        assert locked.wait(30)
        # The photo being processed is skipped; the lost one is sent.
        assert _sweep(django_capture_on_commit_callbacks) == 1
        assert sent == [lost.pk]
    finally:
        release.set()
        worker.join(30)
    # Once its worker is gone (lock released, attempt recorded), the next sweep sends it.
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert sent == [lost.pk, busy.pk]


def test_every_worker_queues_its_sweeps_at_start_and_then_periodically(settings):
    from civiccases.celery import Sweeps, sweep_send

    settings.WORKER_SWEEPS = {"submissions.photos_sweep": 300, "off.sweep": 0}
    parent = mock.Mock()
    step = Sweeps(parent)
    step.start(parent)
    parent.app.send_task.assert_called_once_with("submissions.photos_sweep")
    parent.timer.call_repeatedly.assert_called_once_with(
        300, sweep_send, (parent.app, "submissions.photos_sweep")
    )
    step.stop(parent)
    parent.timer.call_repeatedly.return_value.cancel.assert_called_once_with()


def test_staged_uploads_cleanup_removes_only_old_uploads_no_form_saved(
    call, user_a, django_capture_on_commit_callbacks
):
    old, recent, kept = (_staged(call, user_a) for _ in range(3))
    two_days_ago = timezone.now() - timedelta(days=2, minutes=1)
    Photo.objects.filter(pk__in=[old.pk, kept.pk]).update(created_at=two_days_ago)
    Photo.objects.filter(pk=kept.pk).update(case=CaseFactory(call=call))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.staged_uploads_cleanup() == 1
    assert set(Photo.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert not old.image.storage.exists(old.image.name)


# --- import jobs: a killed worker's import comes back at the next sweep, and imports once -------


def _csv_upload(*titles: str) -> SimpleUploadedFile:
    from .test_import import COLUMNS, case_row

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(case_row(title) for title in titles)
    return SimpleUploadedFile("cases.csv", buffer.getvalue().encode(), content_type="text/csv")


@pytest.fixture
def jobs_sent():
    """The import job ids the sweep sends to the broker."""
    ids: list[int] = []
    with mock.patch.object(tasks.import_job_run, "delay", side_effect=ids.append):
        yield ids


def _jobs_sweep(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.import_jobs_sweep()


def _job(call, organizer, titles=("口袋公园",), **fields) -> ImportJob:
    job = importing.import_job_create(call=call, upload=_csv_upload(*titles), actor=organizer)
    if fields:
        ImportJob.objects.filter(pk=job.pk).update(**fields)
    return job


def test_import_killed_after_creating_its_cases_leaves_none_and_the_sweep_imports_once(
    call, organizer, jobs_sent, django_capture_on_commit_callbacks
):
    job = _job(call, organizer, titles=("口袋公园", "老街换新颜"))
    real_update = QuerySet.update

    def killed_when_marking_done(self, **kwargs):  # the worker dies at the last step
        if self.model is ImportJob and kwargs.get("status") == ImportJob.Status.DONE:
            raise SystemExit("worker killed")
        return real_update(self, **kwargs)

    with mock.patch.object(QuerySet, "update", killed_when_marking_done):
        with pytest.raises(SystemExit):
            tasks.import_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, Case.objects.filter(call=call).count()) == (ImportJob.Status.RUNNING, 0)

    assert _jobs_sweep(django_capture_on_commit_callbacks) == 1
    assert jobs_sent == [job.pk]
    assert _jobs_sweep(django_capture_on_commit_callbacks) == 0  # sent once, not at every sweep
    tasks.import_job_run(job.pk)  # the worker that takes it
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 2)
    assert sorted(Case.objects.filter(call=call).values_list("title", flat=True)) == [
        "口袋公园",
        "老街换新颜",
    ]
    tasks.import_job_run(job.pk)  # the killed worker's own message, redelivered later
    assert Case.objects.filter(call=call).count() == 2


def test_import_sweep_sends_a_job_never_started_after_five_minutes_and_leaves_the_rest(
    call, organizer, jobs_sent, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(minutes=6)
    lost = _job(call, organizer, queued_at=old)  # created while the broker was down
    _job(call, organizer)  # sent a moment ago, waiting in the queue
    for status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        _job(call, organizer, status=status, queued_at=old, started_at=old)

    assert _jobs_sweep(django_capture_on_commit_callbacks) == 1
    assert jobs_sent == [lost.pk]
    assert _jobs_sweep(django_capture_on_commit_callbacks) == 0


@pytest.mark.django_db(transaction=True)
def test_import_sweep_skips_a_job_being_imported_and_sends_it_once_its_worker_is_gone(
    call, organizer, jobs_sent, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("attempt locks need PostgreSQL: set DATABASE_URL=postgres://…")
    busy = _job(call, organizer, status=ImportJob.Status.RUNNING, started_at=timezone.now())
    jobs_sent.clear()  # committed at once here: creating it sent its first task
    running, release = threading.Event(), threading.Event()

    def attempt(pk: int) -> None:  # another worker's attempt, holding the job's attempt lock
        try:
            with importing._attempt_lock(pk) as held:
                assert held
                running.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=attempt, args=(busy.pk,))
    worker.start()
    try:
        assert running.wait(30)
        assert _jobs_sweep(django_capture_on_commit_callbacks) == 0
        with importing._attempt_lock(busy.pk) as held:  # a second delivery does not run it
            assert not held
    finally:
        release.set()
        worker.join(30)
    assert _jobs_sweep(django_capture_on_commit_callbacks) == 1
    assert jobs_sent == [busy.pk]
