"""/healthz for a load balancer: is this node alive (liveness), and what it depends on is up
(readiness details), as JSON.

Liveness decides the answer: HTTP 200 when the process answers and the database does, 503
otherwise — a node that cannot reach the database can serve nothing. The broker, the Celery
workers and the shared cache are reported ("degraded" lists those not up) without failing the
check: every node shares them, so failing on them would take every node out of the load
balancer at once, while logging in, submitting cases and scoring go on without them (a task
that cannot be queued is logged and picked up by the sweeps, core/queue.py; a cache that is down
is a miss, core/cache.py). settings.HEALTHZ_REQUIRED names those that fail it too ("broker",
"worker", "cache"), for a deployment that prefers that. `app` is the project's Celery app
(civiccases/celery.py), the current one.
"""

from celery import current_app as app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from . import cache

#: What each readiness detail reads when it is up.
UP = {
    "broker": ("ok", "in-process"),
    "worker": ("ok", "in-process"),
    "cache": ("ok", "per-process"),
}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # noqa: BLE001 — any failure is "down", with its reason
        return f"down: {exc.__class__.__name__}"


def _broker() -> str:
    if app.conf.task_always_eager:
        return "in-process"
    try:
        with app.connection_for_write() as conn:
            # One attempt (no retry after a pause): bounded by the broker's connect timeout.
            conn.ensure_connection(max_retries=0, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"


def _worker(broker: str) -> str:
    if broker == "in-process":
        return "in-process"
    if broker != "ok":
        return "unknown"
    try:
        replies = app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"
    return f"ok ({len(replies)})" if replies else "down"


def _up(name: str, state: str) -> bool:
    return state.split(" ", 1)[0] in UP[name]


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    broker = _broker()
    details = {"broker": broker, "worker": _worker(broker), "cache": cache.status()}
    degraded = [name for name, state in details.items() if not _up(name, state)]
    healthy = database == "ok" and not set(degraded) & set(settings.HEALTHZ_REQUIRED)
    status = {
        "status": "ok" if healthy else "fail",
        "database": database,
        **details,
        "degraded": degraded,
    }
    return JsonResponse(status, status=200 if healthy else 503)
