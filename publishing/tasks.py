"""Tasks: another entry point to the services. Primitive ids in, quiet return when gone."""

from celery import shared_task

from . import services


@shared_task(name="publishing.publish_due")
def publish_due() -> int:
    """Beat: hand every scheduled installment whose time has come to its own task."""
    ids = services.installments_due()
    for pk in ids:
        installment_publish_scheduled.delay(pk)
    return len(ids)


@shared_task(
    name="publishing.installment_publish_scheduled",
    autoretry_for=(OSError,),
    retry_backoff=5,
    max_retries=5,
    acks_late=True,
)
def installment_publish_scheduled(installment_id: int) -> int | None:
    """Publish one scheduled installment (idempotent: a second run finds it published).
    System work: no person acts."""
    version = services.installment_publish_scheduled(installment_id=installment_id, actor=None)
    return version.number if version else None
