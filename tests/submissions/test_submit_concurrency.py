"""Units submitting to one call at the same time, and a call closed while a case is submitted.

Row locks only exist on PostgreSQL (SQLite runs one writing transaction at a time), so these tests
run there (CI does). One transaction is held open in a thread at a chosen write while the main
thread acts through its own connection; `lock_timeout` turns "would wait" into an error.
"""

import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models.signals import post_save, pre_save

from submissions import services
from submissions.models import Call, Case

from ..factories import CallFactory, UnitFactory, unit_user
from .casekit import case_with_photos

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="row locks: PostgreSQL only (SQLite serialises all writes)"),
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Held:
    """Runs `work()` in a thread and holds it inside its transaction at `signal` of `sender`."""

    def __init__(self, work, *, signal, sender):
        self.work, self.signal, self.sender = work, signal, sender
        self.inside, self.release = threading.Event(), threading.Event()
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run)

    def _hold(self, sender, instance, **kwargs):
        if threading.current_thread() is self.thread and not self.inside.is_set():
            self.inside.set()
            self.release.wait(timeout=30)

    def _run(self):
        try:
            self.work()
        except (ValidationError, OperationalError) as exc:  # the test asserts on it
            self.error = exc
        finally:
            connection.close()

    def __enter__(self):
        self.signal.connect(self._hold, sender=self.sender)
        self.thread.start()
        assert self.inside.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)
        self.signal.disconnect(self._hold, sender=self.sender)


@pytest.fixture
def lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")


@pytest.fixture
def two_drafts():
    call = CallFactory(slug="spike", min_photos=1, max_photos=5)
    drafts = []
    for name in ("甲街道", "乙街道"):
        unit = UnitFactory(name=name)
        user = unit_user(unit)
        drafts.append((case_with_photos(call=call, unit=unit, created_by=user), user))
    return call, drafts


def test_two_units_submit_to_one_call_at_the_same_time(two_drafts, lock_timeout):
    _call, [(case_a, user_a), (case_b, user_b)] = two_drafts
    with Held(lambda: services.case_submit(case=case_a, actor=user_a),
              signal=pre_save, sender=Case) as held:
        # Would raise OperationalError (lock timeout) if the held submission locked the call.
        services.case_submit(case=case_b, actor=user_b)
    assert held.error is None
    assert sorted(Case.objects.values_list("status", flat=True)) == [Case.Status.SUBMITTED] * 2


def test_a_case_submitted_while_the_call_is_being_closed_waits_and_is_refused(two_drafts):
    call, [(case_a, user_a), _b] = two_drafts
    outcome = {}

    def submit():
        try:
            services.case_submit(case=case_a, actor=user_a)
        except ValidationError as exc:
            outcome["error"] = exc.messages
        finally:
            connection.close()

    def close():  # the organizer's change is written, not yet committed, when the unit submits
        with transaction.atomic():
            services.call_set_status(call=Call.objects.get(pk=call.pk),
                                     status=Call.Status.CLOSED, actor=None)

    submitting = threading.Thread(target=submit)
    with Held(close, signal=post_save, sender=Call) as closing:
        submitting.start()
        waited = _a_session_waits_for_a_lock()
    submitting.join(timeout=30)
    assert closing.error is None
    assert waited is True  # the submission waited for the organizer's change to commit
    assert outcome["error"] == ["This call is not accepting submissions."]
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.DRAFT


def _a_session_waits_for_a_lock(attempts: int = 200) -> bool:
    """Polls (up to about 10 s) until another session of this database waits for a lock."""
    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
            threading.Event().wait(0.05)
    return False
