"""Tasks of the messaging app: send one outbox row, with Celery's rate limit and retries."""

from celery import shared_task
from django.conf import settings

from .models import Message


@shared_task(
    name="messaging.message_send",
    bind=True,
    rate_limit=settings.MESSAGES_RATE_LIMIT,
    max_retries=settings.MESSAGES_MAX_RETRIES,
    acks_late=True,
)
def message_send(self, message_id: int) -> bool:
    from .services import message_send as send
    from .services import retry_delay

    msg = Message.objects.filter(pk=message_id).first()
    if msg is None:
        return False
    final = self.request.retries >= self.max_retries
    sent = send(message=msg, final_attempt=final, actor=None)
    if not sent and not final:
        msg.refresh_from_db(fields=["status", "attempts"])
        if msg.status == Message.Status.RETRYING:
            raise self.retry(countdown=retry_delay(msg.attempts))
    return sent


@shared_task(name="messaging.messages_sweep")
def messages_sweep() -> int:
    """Queue again the messages whose task was lost (a broker down when they were queued, a
    worker gone with a pending retry). Every worker sends it at its start and every
    MESSAGES_SWEEP_SECONDS (settings.WORKER_SWEEPS): system work, no person acts."""
    from .services import messages_requeue_lost

    return len(messages_requeue_lost(actor=None))
