"""The events reach the outbox from the services that do the thing."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from submissions import services as submission_services
from submissions.messages import deadline_reminders_send
from submissions.models import Call, Case, DeadlineReminder
from submissions.tasks import case_status_notify, deadline_reminders_sweep
from tests import factories

pytestmark = pytest.mark.django_db


def _outbox():
    return sorted(Message.objects.values_list("event", "address", "status"))


def test_returning_a_case_messages_its_units_active_members_with_the_reason(
    organizer, unit_a, django_capture_on_commit_callbacks
):
    a1 = factories.unit_user(unit_a, username="a1", email="a1@x.cn")
    factories.unit_user(unit_a, username="a2", email="a2@x.cn", is_active=False)
    factories.unit_user(factories.UnitFactory(), username="b1", email="b1@x.cn")
    case = factories.CaseFactory(unit=unit_a, status=Case.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.cases_screen(
            cases=[case], actor=organizer, action="return", reason="请补充两张照片"
        )
    assert _outbox() == [("case_returned", "a1@x.cn", "sent")]
    msg = Message.objects.get()
    assert (msg.user, msg.created_by, msg.scope) == (a1, organizer, case.call)
    assert msg.about_url == f"http://127.0.0.1:8000/collect/cases/{case.pk}/"
    assert "Reason: 请补充两张照片" in mail.outbox[0].body
    assert mail.outbox[0].subject == f"Case {case.code} “{case.title}” returned for revision"


def test_the_old_task_name_still_writes_the_message(unit_a, django_capture_on_commit_callbacks):
    factories.unit_user(unit_a, email="a1@x.cn")
    case = factories.CaseFactory(unit=unit_a, status=Case.Status.ACCEPTED)
    event = factories.CaseEventFactory(case=case, to_status=Case.Status.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert case_status_notify.apply(args=[event.pk]).get() == 1
    assert _outbox() == [("case_accepted", "a1@x.cn", "sent")]


def test_opening_a_draft_call_tells_every_unit_member(
    organizer, unit_a, unit_b, django_capture_on_commit_callbacks
):
    factories.unit_user(unit_a, email="a@x.cn")
    factories.unit_user(unit_b, email="b@x.cn")
    call = factories.CallFactory(status=Call.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.call_set_status(call=call, status=Call.Status.OPEN, actor=organizer)
    assert _outbox() == [("call_opened", "a@x.cn", "sent"), ("call_opened", "b@x.cn", "sent")]


def test_deadline_reminders_go_once_to_units_without_a_submitted_case(
    unit_a, unit_b, django_capture_on_commit_callbacks
):
    now = timezone.now()
    call = factories.CallFactory(closes_at=now + timedelta(days=2), remind_days_before=3)
    factories.unit_user(unit_a, email="a@x.cn")
    factories.unit_user(unit_b, email="b@x.cn")
    factories.CaseFactory(call=call, unit=unit_b, status=Case.Status.SUBMITTED)
    factories.CaseFactory(call=call, unit=unit_a, status=Case.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_sweep.apply().get() == 1
        assert deadline_reminders_sweep.apply().get() == 0
    assert _outbox() == [("deadline_approaching", "a@x.cn", "sent")]
    assert list(DeadlineReminder.objects.values_list("unit__name", flat=True)) == ["甲街道"]
    assert mail.outbox[0].subject == f"2 days left to submit to “{call.title}”"


def test_no_reminder_before_the_window_nor_when_switched_off(unit_a):
    factories.unit_user(unit_a, email="a@x.cn")
    now = timezone.now()
    factories.CallFactory(closes_at=now + timedelta(days=5), remind_days_before=3)
    factories.CallFactory(closes_at=now + timedelta(days=1), remind_days_before=0)
    assert deadline_reminders_send(actor=None) == 0
    assert deadline_reminders_send(actor=None, now=now + timedelta(days=2, hours=1)) == 1
    assert _outbox() == [("deadline_approaching", "a@x.cn", "queued")]


def test_the_call_form_offers_the_reminder_days_and_a_copy_keeps_them(org_client, call):
    from submissions.services import CALL_COPIED_FIELDS

    page = org_client.get(reverse("submissions:call_edit", args=[call.slug])).content.decode()
    assert re.search(r'<input[^>]*name="remind_days_before"[^>]*value="3"', page)
    assert "remind_days_before" in CALL_COPIED_FIELDS
