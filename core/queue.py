"""Enqueue Celery tasks after the transaction commits, without failing the request when the
broker is down: the data is already saved, the failure is logged, and sweeps (see
WORKER_SWEEPS, which every worker runs) pick up what they can."""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def _send(task, args) -> None:
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 — broker unreachable; never fail a saved request
        log.exception("could not enqueue %s%r; the broker may be down", task.name, args)


def enqueue_on_commit(task, *args) -> None:
    transaction.on_commit(lambda: _send(task, args))
