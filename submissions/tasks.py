"""Tasks: another entry point to the services. Primitive ids in, quiet return when gone."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import images, services
from .models import CaseEvent, ImportJob, Photo

log = logging.getLogger(__name__)


@shared_task(
    name="submissions.photo_process",
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    acks_late=True,
)
def photo_process(self, photo_id: int) -> None:
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.processing == Photo.Processing.DONE:
        return
    try:
        services.photo_process(photo=photo, actor=None)  # system work
    except images.ImageRejected as exc:
        services.photo_mark_failed(photo=photo, error=str(exc), actor=None)
    except OSError as exc:
        if self.request.retries >= self.max_retries:
            services.photo_mark_failed(photo=photo, error=repr(exc), actor=None)
            return
        raise
    except Exception as exc:  # noqa: BLE001 — the organizer sees the failure on the case
        log.exception("photo %s failed", photo_id)
        services.photo_mark_failed(photo=photo, error=repr(exc), actor=None)


@shared_task(name="submissions.photos_sweep")
def photos_sweep() -> int:
    """Send again the photos whose processing was lost (a worker killed mid-photo, a broker down
    when the photo was saved). Every worker sends it at its start and every
    PHOTOS_SWEEP_SECONDS (settings.WORKER_SWEEPS): system work, no person acts."""
    return len(services.photos_requeue_lost(actor=None))


@shared_task(name="submissions.import_jobs_sweep")
def import_jobs_sweep() -> int:
    """Send again the import jobs whose run was lost (a worker killed mid-import, a broker down
    when the job was created). Every worker sends it at its start and every
    IMPORT_JOBS_SWEEP_SECONDS (settings.WORKER_SWEEPS): system work, no person acts."""
    from .importing import import_jobs_requeue_lost

    return len(import_jobs_requeue_lost(actor=None))


@shared_task(name="submissions.staged_uploads_cleanup")
def staged_uploads_cleanup() -> int:
    """System work (every worker, at its start and hourly): no person acts."""
    return services.staged_uploads_cleanup(
        older_than=timezone.now() - timedelta(hours=settings.UPLOAD_ABANDONED_HOURS), actor=None
    )


@shared_task(name="submissions.chunked_uploads_sweep")
def chunked_uploads_sweep() -> int:
    """Remove chunked uploads not continued for UPLOAD_ABANDONED_HOURS with their partial files
    (services_uploads.chunked_uploads_cleanup). System work (every worker, at its start and
    hourly): no person acts."""
    from . import services_uploads

    return services_uploads.chunked_uploads_cleanup(
        older_than=timezone.now() - timedelta(hours=settings.UPLOAD_ABANDONED_HOURS), actor=None
    )


@shared_task(name="submissions.storage_orphans_sweep")
def storage_orphans_sweep() -> int:
    """Remove the upload files no row points to, a day old or more (left by a process killed
    between writing a file and committing its row). System work (every worker, at its start
    and daily): no person acts."""
    return len(services.storage_orphans_remove(actor=None))


@shared_task(name="submissions.case_status_notify")
def case_status_notify(event_id: int) -> int:
    """Kept for tasks queued before screening messages went through the outbox: writes the
    unit's messages of the decision (messaging sends them). Returns how many."""
    from .messages import case_screened

    event = CaseEvent.objects.select_related("case__unit", "case__call").filter(pk=event_id).first()
    if event is None:
        return 0
    return case_screened(event=event, actor=None)


@shared_task(name="submissions.deadline_reminders_sweep")
def deadline_reminders_sweep() -> int:
    """Remind (催交) the units with no submitted case of calls whose deadline is near, once per
    call and unit. Every worker sends it at its start and every DEADLINE_REMINDERS_SWEEP_SECONDS
    (settings.WORKER_SWEEPS): system work, no person acts."""
    from .messages import deadline_reminders_send

    return deadline_reminders_send(actor=None)


@shared_task(name="submissions.import_job_run", soft_time_limit=3600, time_limit=3700)
def import_job_run(job_id: int) -> None:
    from .importing import import_job_execute

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return
    import_job_execute(job=job, actor=job.created_by)  # the organizer who started the import
