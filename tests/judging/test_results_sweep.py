"""A recomputation whose worker was killed comes back at the next worker sweep, not after the
broker's visibility timeout (an hour)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from judging import tasks
from judging.models import Round
from judging.services import results as services

from .results_kit import random_rows, scored_round


def _capture(monkeypatch) -> list[int]:
    """From now on, the round ids sent to judging.results_refresh."""
    ids: list[int] = []
    monkeypatch.setattr(
        tasks.results_refresh, "apply_async", lambda args, countdown=None: ids.append(args[0])
    )
    return ids


def _lost_since() -> object:
    return (
        timezone.now()
        - timedelta(seconds=30)
        - services.RESULTS_REQUEUE_AFTER
        - timedelta(seconds=1)
    )


def _sweep(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.results_sweep()


def test_sweep_sends_again_a_lost_recomputation_once_and_it_makes_the_results_fresh(
    call, monkeypatch, django_capture_on_commit_callbacks
):
    rnd, _j, _c = scored_round(call, random_rows(2, 2), commit=False)
    Round.objects.filter(pk=rnd.pk).update(results_queued_at=_lost_since())  # its worker died
    sent = _capture(monkeypatch)

    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert sent == [rnd.pk]
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "queued"  # the mark renewed
    assert _sweep(django_capture_on_commit_callbacks) == 0  # sent once, not at every sweep
    assert tasks.results_refresh.run(rnd.pk) == 2  # what the worker runs
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert (services.results_state(round=rnd), rnd.results_queued_at) == ("fresh", None)


def test_sweep_leaves_fresh_results_and_recently_queued_ones_alone(
    call, monkeypatch, django_capture_on_commit_callbacks
):
    fresh, _j, _c = scored_round(call, random_rows(2, 2))  # computed, nothing queued
    waiting, _j, _c = scored_round(call, random_rows(2, 2), name="复评", commit=False)
    Round.objects.filter(pk=waiting.pk).update(results_queued_at=timezone.now())  # in countdown
    sent = _capture(monkeypatch)

    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert sent == []
    assert Round.objects.get(pk=fresh.pk).results_queued_at is None


@pytest.mark.django_db(transaction=True)
def test_sweep_skips_a_round_being_recomputed_and_sends_it_once_its_worker_is_gone(
    call, monkeypatch, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL: set DATABASE_URL=postgres://…")
    rnd, _j, _c = scored_round(call, random_rows(2, 2), commit=False)
    Round.objects.filter(pk=rnd.pk).update(results_queued_at=_lost_since())
    sent = _capture(monkeypatch)
    locked, release = threading.Event(), threading.Event()

    def hold(pk: int) -> None:  # results_compute in another worker holds the round's row lock
        try:
            with transaction.atomic():
                Round.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=hold, args=(rnd.pk,))
    worker.start()
    try:
        assert locked.wait(30)
        assert _sweep(django_capture_on_commit_callbacks) == 0
        assert sent == []
    finally:
        release.set()
        worker.join(30)
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert sent == [rnd.pk]
