"""Redis stopped: every role's main pages still answer, and /healthz keeps the node in.

Real stack for the part under test: a redis-server of the test's own (a free port, no
persistence) holds the broker (database 0) and the cache (database 1, as production defaults
to), and the portal's requests go through Django's test client in this process with the
settings pointing at it. The machine's own Redis is never touched. First every page is visited
with Redis up (so the caches hold copies), then Redis is stopped and each role walks its pages
again: a unit logs in (with the login lockout on) and creates and submits a case with a photo
(its tasks cannot be queued), a judge opens the scoring page and saves a review, the organizer
reads a round's results and statistics, a reader the public installment and the feed.

Promised: no answer is a 500 and every page shows what it showed with Redis up; the case and
the review are saved; the cache's outage is logged once, not per request; /healthz answers 200
(the node stays in the load balancer) with the broker and the cache reported down.
"""

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.test import Client
from django.urls import reverse

from civiccases.celery import app as celery_app
from judging.models import Assignment, Round
from submissions.models import Case

from ..factories import CallFactory, UserFactory, jpeg_upload, unit_user
from ..judging.results_kit import random_rows, scored_round
from ..judging.setupkit import accepted_case, form_data, judge_profile, make_round
from ..publishing import kit

IN_CI = os.environ.get("CI", "").strip().lower() == "true"
PASSWORD = "outage-proof-2026"
CALL = "civic-2026"

pytestmark = pytest.mark.django_db(transaction=True)  # the tasks are queued on commit


@dataclass
class OwnRedis:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the Redis outage test must run", pytrace=False)
        pytest.skip(reason)
    port = _free_port()
    log = tmp_path / "redis.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(tmp_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    own = OwnRedis(port, proc, log)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, socket_connect_timeout=1).ping()
                break
            except redis.RedisError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "redis-server did not answer in 10 s"
                time.sleep(0.05)
        yield own
    finally:
        if proc.poll() is None:
            own.stop()


def _use_broker(url: str, variable: str | None) -> None:
    """Point the Celery app at `url` (its connection pools are made again on first use).
    Celery reads the CELERY_BROKER_URL variable before its own setting (CI sets it), so both
    change: `variable` is the variable's value (None: absent)."""
    if variable is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = variable
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def portal_on_own_redis(own_redis: OwnRedis, settings) -> Iterator[OwnRedis]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url(1),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    conf = celery_app.conf
    saved = conf.broker_url, os.environ.get("CELERY_BROKER_URL"), conf.task_always_eager
    _use_broker(own_redis.url(0), own_redis.url(0))
    conf.task_always_eager = False
    try:
        yield own_redis
    finally:
        conf.task_always_eager = saved[2]
        _use_broker(saved[0], saved[1])


@dataclass
class World:
    unit: Client
    judge: Client
    organizer: Client
    reader: Client
    results_round: Round
    review: Assignment


def _client(user=None) -> Client:
    c = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        c.force_login(user)
    return c


def _world() -> World:
    """Built with tasks in-process (the results computed), before the portal uses the Redis."""
    organizer = UserFactory(is_organizer=True, username="organizer")
    unit_user(username="unit1", password=PASSWORD)  # logs in through the login page, below
    CallFactory(slug=CALL)
    results_round, _, _ = scored_round(CallFactory(slug="scored"), random_rows(3, 2, seed=5))
    judge = judge_profile("judge1")
    scoring_call = CallFactory(slug="scoring")
    scoring = make_round(scoring_call, judges=[judge], cases=[accepted_case(scoring_call)])
    kit.published_series(cases=1, slug="xunli")
    return World(
        unit=_client(),
        judge=_client(judge.user),
        organizer=_client(organizer),
        reader=_client(),
        results_round=results_round,
        review=Assignment.objects.get(round=scoring),
    )


def _pages(w: World) -> dict[str, tuple[Client, str, str]]:
    """Each role's main pages: (client, path, a text the page shows)."""
    rnd = w.results_round.pk
    return {
        "unit: case list": (w.unit, reverse("submissions:case_list"), "My cases"),
        "judge: scoring page": (
            w.judge,
            reverse("judging:review", kwargs={"pk": w.review.pk}),
            w.review.case.title,
        ),
        "organizer: results": (
            w.organizer,
            reverse("judging:round_results", kwargs={"pk": rnd}),
            w.results_round.name,
        ),
        "organizer: statistics": (
            w.organizer,
            reverse("judging:results_stats", kwargs={"pk": rnd}),
            w.results_round.name,
        ),
        "reader: installment": (w.reader, "/series/xunli/1/", "邻里守望 温暖同行"),
        "reader: feed": (w.reader, "/series/xunli/feed/atom/", "邻里守望 温暖同行"),
    }


def _walk(w: World) -> dict[str, tuple[int, bool]]:
    seen = {}
    for name, (client, path, text) in _pages(w).items():
        response = client.get(path)
        seen[name] = (response.status_code, text in response.content.decode())
    return seen


def _login(w: World) -> int:
    return w.unit.post(
        reverse("accounts:login"), {"username": "unit1", "password": PASSWORD}
    ).status_code


def _healthz(c: Client) -> tuple[int, dict]:
    response = c.get("/healthz")
    return response.status_code, response.json()


def test_redis_stopped_pages_are_computed_and_healthz_keeps_the_node(
    portal_on_own_redis: OwnRedis, settings, caplog
):
    started = time.monotonic()
    w = _world()
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"] + [
        "accounts.backends.UserBackend"
    ]
    settings.AXES_ENABLED = True
    everything_shown = {name: (200, True) for name in _pages(w)}

    # Redis up: every page, twice (the second from the caches), and the node is healthy.
    assert _login(w) == 302
    assert _walk(w) == everything_shown
    assert _walk(w) == everything_shown
    status, health = _healthz(w.reader)
    assert (status, health["broker"], health["cache"]) == (200, "ok", "ok")

    portal_on_own_redis.stop()
    caplog.set_level(logging.INFO)

    # Redis down: a new login, the same pages showing the same things, nothing a 500.
    w.unit = _client()
    assert _login(w) == 302
    assert _walk(w) == everything_shown

    # A unit creates and submits a case with a photo: saved, though its tasks cannot be queued.
    response = w.unit.post(
        reverse("submissions:case_create", kwargs={"slug": CALL}),
        {
            "title": "断网也能报送",
            "contact_name": "张某某",
            "contact_phone": "13812345678",
            "summary": "缓存和队列都停了。",
            "body": "正文第一段。",
            "submit": "1",
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-0-image": jpeg_upload("a.jpg"),
            "photos-0-caption": "■说明",
            "photos-0-position": "1",
        },
    )
    case = Case.objects.get(title="断网也能报送")
    assert (response.status_code, response["Location"]) == (302, case.get_absolute_url())
    assert case.status == Case.Status.SUBMITTED
    assert "could not enqueue submissions.photo_process" in caplog.text

    # A judge saves a review.
    rnd = w.review.round
    response = w.judge.post(
        reverse("judging:review", kwargs={"pk": w.review.pk}), form_data(rnd, "30", "50")
    )
    assert response.status_code == 302
    w.review.refresh_from_db()
    assert w.review.scores.count() == 2

    # Alive: 200, with what is down said.
    status, health = _healthz(w.reader)
    assert status == 200
    assert health == {
        "status": "ok",
        "database": "ok",
        "broker": "down: OperationalError",
        "worker": "unknown",
        "cache": "down: ConnectionError",
        "degraded": ["broker", "worker", "cache"],
    }

    # The cache's outage is one warning, not one per page.
    outage = [r for r in caplog.records if r.getMessage().startswith("cache unavailable")]
    assert len(outage) == 1, [r.getMessage() for r in outage]
    assert time.monotonic() - started < 60
