"""A bulk of messages through the real stack: outbox rows → Redis → a live Celery worker →
a real (local) SMTP server. Every row ends sent, each message delivered once."""

import time

import pytest
from django.db import transaction

from messaging import events
from messaging.models import Message
from messaging.services import messages_dispatch
from tests import factories
from tests.messaging.servers import ACCEPT, smtp_server

pytestmark = [pytest.mark.live_stack, pytest.mark.django_db(transaction=True)]

BULK = 30


def test_a_bulk_of_messages_goes_through_the_worker_once_each(live_worker, settings):
    users = [factories.UserFactory(email=f"unit{i}@example.gov.cn") for i in range(BULK)]
    with smtp_server(settings, rcpt_answer=ACCEPT) as server:
        with transaction.atomic():
            rows = messages_dispatch(
                event=events.CALL_OPENED,
                recipients=users,
                context={
                    "call": "2026年度征集",
                    "deadline": "2026-06-30 17:00",
                    "link": "http://x/",
                },
                actor=None,
            )
        deadline = time.monotonic() + 60
        while Message.objects.exclude(status="sent").exists():
            assert time.monotonic() < deadline, list(
                Message.objects.values_list("status", "last_error")
            )
            time.sleep(0.2)
        assert server.delivered == BULK
    ours = {m.pk for m in rows}  # the session's worker also ran other tests' messages
    started = [
        s
        for s in live_worker.task_log.started
        if s["name"] == "messaging.message_send" and s["args"][0] in ours
    ]
    assert sorted(s["args"][0] for s in started) == sorted(ours)
    assert all(not s["eager"] for s in started)
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}
