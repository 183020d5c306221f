"""Finalizing the awards while another organizer records or answers an objection (issue 12,
finding 6).

Both take the call row's lock, so one waits for the other: an objection recorded (or an answer
changed) while the awards are being finalized waits and is then refused; finalizing while an
objection is being recorded waits and then refuses because of it. Never an objection that can
no longer be answered. Row locks only exist on PostgreSQL, so these tests run there
(`DATABASE_URL=postgres://… pytest tests/judging/test_finalize_concurrency.py`; CI does).
"""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import pre_save
from django.utils import timezone

from judging import importing
from judging.models import Notice, Objection, Round, Score
from judging.services import results
from submissions import lifecycle
from submissions.models import Call

from ..concurrency import POSTGRES_ONLY, Held, a_session_waits_for_a_lock
from ..factories import NoticeFactory, ObjectionFactory, UserFactory
from .results_kit import scored_round
from .test_import_scores import full_rows, write_csv

pytestmark = POSTGRES_ONLY


@pytest.fixture
def ended_notice() -> Notice:
    """A call in its notice period, which has ended: ready to be finalized."""
    now = timezone.now()
    return NoticeFactory.create(starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1))


def _organizer():
    return UserFactory(is_organizer=True)


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, dict[str, list[str]]]:
    """`work` in a thread of its own (its own connection); its refusal, if any, is kept."""
    outcome: dict[str, list[str]] = {}

    def run() -> None:
        try:
            work()
        except ValidationError as exc:
            outcome["error"] = exc.messages
        finally:
            connection.close()

    return threading.Thread(target=run), outcome


def _finalize(notice: Notice, actor) -> Callable[[], object]:
    return lambda: results.call_finalize(call=Call.objects.get(pk=notice.call_id), actor=actor)


def _record(notice: Notice, actor) -> Callable[[], object]:
    # A named objection received (by post) within the period, recorded now: it must be
    # answered before finalizing.
    return lambda: results.objection_record(
        notice=Notice.objects.get(pk=notice.pk),
        text="公示名单中的案例数据有误。",
        submitter="某居民",
        unit="某街道",
        contact="13812345678",
        received_at=notice.ends_at - timedelta(hours=2),
        actor=actor,
    )


def test_an_objection_recorded_while_finalizing_waits_and_is_refused(ended_notice):
    a, b = _organizer(), _organizer()
    recording, outcome = _in_thread(_record(ended_notice, b))
    # A's finalizing has checked the objections and is writing the notice, not yet committed.
    with Held(_finalize(ended_notice, a), signal=pre_save, sender=Notice) as finalizing:
        recording.start()
        waited = a_session_waits_for_a_lock()
    recording.join(timeout=30)
    assert finalizing.error is None
    assert waited is True  # B's objection waited for A's finalizing to commit
    assert outcome["error"] == ["The awards are final and locked."]
    assert Objection.objects.filter(notice=ended_notice).count() == 0
    assert Call.objects.get(pk=ended_notice.call_id).status == Call.Status.FINAL


def test_an_answer_changed_while_finalizing_waits_and_is_refused(ended_notice):
    a, b = _organizer(), _organizer()
    objection = ObjectionFactory(
        notice=ended_notice, answer="经核实，维持原结果。", answered_at=timezone.now()
    )

    def answer() -> object:
        return results.objection_answer(
            objection=Objection.objects.get(pk=objection.pk), answer="改过的答复", actor=b
        )

    answering, outcome = _in_thread(answer)
    with Held(_finalize(ended_notice, a), signal=pre_save, sender=Notice) as finalizing:
        answering.start()
        waited = a_session_waits_for_a_lock()
    answering.join(timeout=30)
    assert finalizing.error is None
    assert waited is True
    assert outcome["error"] == ["The awards are final and locked."]
    assert Objection.objects.get(pk=objection.pk).answer == "经核实，维持原结果。"
    assert Call.objects.get(pk=ended_notice.call_id).status == Call.Status.FINAL


def test_finalizing_while_an_objection_is_recorded_waits_and_refuses(ended_notice):
    a, b = _organizer(), _organizer()
    finalizing, outcome = _in_thread(_finalize(ended_notice, a))
    # B's objection is being written, not yet committed, when A finalizes.
    with Held(_record(ended_notice, b), signal=pre_save, sender=Objection) as recording:
        finalizing.start()
        waited = a_session_waits_for_a_lock()
    finalizing.join(timeout=30)
    assert recording.error is None
    assert waited is True  # A's finalizing waited for B's objection to commit
    assert outcome["error"] == ["Answer every objection before finalizing."]
    assert Objection.objects.get(notice=ended_notice).answer == ""
    assert Call.objects.get(pk=ended_notice.call_id).status == Call.Status.NOTICE
    assert Notice.objects.get(pk=ended_notice.pk).finalized_at is None


@pytest.fixture
def round_in_notice(call) -> tuple[Round, list, list, Notice]:
    """A closed round of 2 cases and 3 judges nobody has scored; its call in an ended notice."""
    rnd, judges, cases = scored_round(call, [[None] * 3] * 2, commit=False)
    lifecycle.call_place_for_setup(call=call, status=Call.Status.NOTICE)
    now = timezone.now()
    notice = NoticeFactory.create(
        call=call, starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1)
    )
    return rnd, judges, cases, notice


def test_results_computed_while_finalizing_wait_and_are_refused(round_in_notice):
    rnd, _judges, _cases, notice = round_in_notice
    computed_at = Round.objects.get(pk=rnd.pk).results_computed_at
    computing, outcome = _in_thread(
        lambda: results.results_compute(round=Round.objects.get(pk=rnd.pk), actor=None)
    )
    with Held(_finalize(notice, _organizer()), signal=pre_save, sender=Notice) as finalizing:
        computing.start()
        waited = a_session_waits_for_a_lock()
    computing.join(timeout=30)
    assert finalizing.error is None
    assert waited is True
    assert outcome["error"] == ["The awards are final and locked."]
    assert Round.objects.get(pk=rnd.pk).results_computed_at == computed_at
    assert Call.objects.get(pk=notice.call_id).status == Call.Status.FINAL


def test_scores_imported_while_finalizing_wait_and_are_refused(round_in_notice, tmp_path):
    rnd, judges, cases, notice = round_in_notice
    path = write_csv(tmp_path / "meeting.csv", full_rows(judges, cases))
    importing_, outcome = _in_thread(
        lambda: importing.scores_import(
            round=Round.objects.get(pk=rnd.pk), source=str(path), actor=None
        )
    )
    with Held(_finalize(notice, _organizer()), signal=pre_save, sender=Notice) as finalizing:
        importing_.start()
        waited = a_session_waits_for_a_lock()
    importing_.join(timeout=30)
    assert finalizing.error is None
    assert waited is True
    assert outcome["error"] == ["The awards are final and locked."]
    assert Score.objects.filter(assignment__round=rnd).count() == 0
    assert Call.objects.get(pk=notice.call_id).status == Call.Status.FINAL
