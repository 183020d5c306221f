"""Judging tasks: reminders and results computation."""

from celery import shared_task

from .models import Judge, Round
from .services import results as results_services
from .services.rounds import judges_with_open_work


@shared_task(name="judging.judge_reminder_send")
def judge_reminder_send(round_id: int, judge_id: int) -> int:
    """Kept for tasks queued before reminders went through the outbox: writes the judge's
    reminder (messaging sends it)."""
    from . import messages

    rnd = Round.objects.select_related("call").filter(pk=round_id).first()
    judge = Judge.objects.select_related("user").filter(pk=judge_id).first()
    if rnd is None or judge is None:
        return 0
    open_counts = dict((j.pk, n) for j, n in judges_with_open_work(round=rnd))
    if judge.pk not in open_counts:
        return 0
    return messages.reminder(round=rnd, judge=judge, open_count=open_counts[judge.pk], actor=None)


# Kept for tasks queued before judging.results_refresh replaced it.
@shared_task(name="judging.results_compute")
def results_compute(round_id: int, stability_samples: int = 0) -> int:
    """A queued recomputation: system work (derived rows), no person acts."""
    rnd = Round.objects.select_related("call").filter(pk=round_id).first()
    if rnd is None:
        return 0
    return results_services.results_compute(
        round=rnd, stability_samples=stability_samples, actor=None
    )


@shared_task(name="judging.results_refresh")
def results_refresh(round_id: int) -> int:
    """Recompute a round's stale results (queued by judging.services.results)."""
    return results_services.results_refresh_queued(round_id=round_id)


@shared_task(name="judging.results_sweep")
def results_sweep() -> int:
    """Send again the recomputations whose task was lost (a worker killed mid-recomputation, a
    broker that lost the message). Every worker sends it at its start and every
    RESULTS_SWEEP_SECONDS (settings.WORKER_SWEEPS): system work, no person acts."""
    return len(results_services.results_requeue_lost(actor=None))


@shared_task(name="judging.invitation_send")
def invitation_send(invitation_id: int) -> int:
    """Kept for tasks queued before invitations went through the outbox: writes the expert's
    invitation (messaging sends it)."""
    from . import messages
    from .models import Invitation

    inv = (
        Invitation.objects.select_related("round__call", "judge__user")
        .filter(pk=invitation_id, status=Invitation.Status.INVITED)
        .first()
    )
    if inv is None:
        return 0
    return messages.invitation(invitation=inv, actor=None)


@shared_task(name="judging.invitations_sweep")
def invitations_sweep() -> int:
    """Invitations not answered in time expire and the next backups are invited. Every worker
    sends it at its start and every INVITATIONS_SWEEP_SECONDS (settings.WORKER_SWEEPS): system
    work, no person acts."""
    from .services.invitations import invitations_expire

    return invitations_expire(actor=None)


@shared_task(name="judging.signatures_sweep")
def signatures_sweep() -> int:
    """Record the judges who neither signed nor refused their score sheet by the round's
    signing deadline as deemed to agree (judging/services/signing.py). Every worker sends it at
    its start and every SIGNATURES_SWEEP_SECONDS (settings.WORKER_SWEEPS): system work."""
    from .services import signing

    return signing.signatures_deem_due(actor=None)
