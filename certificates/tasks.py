"""Background work of the certificates app: the generating job and its sweep."""

from celery import shared_task

from .models import CertificateJob


@shared_task(name="certificates.job_run", soft_time_limit=6 * 3600, time_limit=6 * 3600 + 60)
def job_run(job_id: int) -> None:
    """Make every certificate of a job's call (services.job_execute)."""
    from .services import job_execute

    job = CertificateJob.objects.filter(pk=job_id).select_related("call", "created_by").first()
    if job is None or job.finished:
        return
    job_execute(job=job, actor=job.created_by)  # the organizer who started it


@shared_task(name="certificates.jobs_sweep")
def jobs_sweep() -> int:
    """Send again the jobs whose run was lost (a worker killed mid-job, a broker down when the
    job was started). Every worker sends it at its start and every CERTIFICATE_JOBS_SWEEP_SECONDS
    (settings.WORKER_SWEEPS): system work, no person acts."""
    from .services import jobs_requeue_lost

    return len(jobs_requeue_lost(actor=None))
