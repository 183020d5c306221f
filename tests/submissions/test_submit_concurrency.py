"""Units submitting to one call at the same time, and a call closed while a case is submitted.

Row locks only exist on PostgreSQL (SQLite runs one writing transaction at a time), so these tests
run there (CI does). One transaction is held open in a thread at a chosen write while the main
thread acts through its own connection; `lock_timeout` turns "would wait" into an error.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save

from submissions import services
from submissions.models import Call, Case

from ..concurrency import POSTGRES_ONLY, Held, a_session_waits_for_a_lock
from ..factories import CallFactory, UnitFactory, unit_user
from .casekit import case_with_photos

pytestmark = POSTGRES_ONLY


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
    with Held(
        lambda: services.case_submit(case=case_a, actor=user_a), signal=pre_save, sender=Case
    ) as held:
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
            services.call_set_status(
                call=Call.objects.get(pk=call.pk), status=Call.Status.CLOSED, actor=None
            )

    submitting = threading.Thread(target=submit)
    with Held(close, signal=post_save, sender=Call) as closing:
        submitting.start()
        waited = a_session_waits_for_a_lock()
    submitting.join(timeout=30)
    assert closing.error is None
    assert waited is True  # the submission waited for the organizer's change to commit
    assert outcome["error"] == ["This call is not accepting submissions."]
    assert Case.objects.get(pk=case_a.pk).status == Case.Status.DRAFT
