"""The Celery app: `celery -A civiccases worker` and `celery -A civiccases beat`.

Every worker sends the sweeps of `settings.WORKER_SWEEPS` (by task name) at its start and then
every so many seconds, so a worker alone recovers lost work — photos whose worker was killed are
redone when the next worker starts, not an hour later, and beat is needed only for the schedule
of publication (CELERY_BEAT_SCHEDULE). The sweeps are safe to run from several workers at once.
"""

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.worker import WorkController

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civiccases.settings")

log = logging.getLogger(__name__)

app = Celery("civiccases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def sweep_send(celery: Celery, name: str) -> None:
    """Queue one sweep; a broker that is down is logged, and the next tick tries again."""
    try:
        celery.send_task(name)
    except Exception:  # noqa: BLE001 — never stop a worker (or its timer) over a sweep
        log.exception("could not queue the sweep %s; the broker may be down", name)


class Sweeps(bootsteps.StartStopStep):
    """A step of every worker: each sweep now, then every so many seconds (0: never)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent: WorkController, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.entries: list[Any] = []

    def start(self, parent: WorkController) -> None:
        from django.conf import settings

        for name, seconds in settings.WORKER_SWEEPS.items():
            if seconds <= 0:
                continue
            sweep_send(parent.app, name)
            self.entries.append(
                parent.timer.call_repeatedly(seconds, sweep_send, (parent.app, name))
            )

    def stop(self, parent: WorkController) -> None:
        for entry in self.entries:
            entry.cancel()
        self.entries = []


app.steps["worker"].add(Sweeps)
