"""/healthz: liveness (the process and its database) decides the answer; the broker, the workers
and the cache are readiness details, reported without failing it unless HEALTHZ_REQUIRED says."""

import pytest
from django.test import override_settings

from civiccases.celery import app as celery_app

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/1",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The broker and the cache both in a Redis that does not answer (as in production, where
    the cache defaults to the broker's Redis). Celery reads CELERY_BROKER_URL before its own
    setting (CI sets it): both change."""
    monkeypatch.setenv("CELERY_BROKER_URL", NOTHING_LISTENS)
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = NOTHING_LISTENS, False
    try:
        with override_settings(CACHES=CACHE_DOWN):
            yield
    finally:
        conf.broker_url, conf.task_always_eager = saved


def test_redis_down_keeps_the_node_in_the_load_balancer_and_says_what_is_down(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "down: OperationalError",
        "worker": "unknown",
        "cache": "down: ConnectionError",
        "degraded": ["broker", "worker", "cache"],
    }


@pytest.mark.parametrize("required", [["cache"], ["broker"], ["worker"]])
def test_healthz_required_makes_those_fail_the_check(client, redis_down, settings, required):
    settings.HEALTHZ_REQUIRED = required
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"


def test_healthz_required_names_nothing_by_default(settings):
    assert settings.HEALTHZ_REQUIRED == []
