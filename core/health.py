"""/healthz for a load balancer: database, broker and worker status as JSON.

HTTP 200 when the database and the broker answer (the node can serve requests and queue work);
503 otherwise. A missing worker is reported ("worker": "down") without failing the node: queued
work waits for it and nothing is lost. `app` is the project's Celery app (civiccases/celery.py),
the current one.
"""

from celery import current_app as app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


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
            conn.ensure_connection(max_retries=1, timeout=2)
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


@never_cache
def healthz(request):
    database = _database()
    broker = _broker()
    status = {"database": database, "broker": broker, "worker": _worker(broker)}
    healthy = database == "ok" and broker in ("ok", "in-process")
    status["status"] = "ok" if healthy else "fail"
    return JsonResponse(status, status=200 if healthy else 503)
