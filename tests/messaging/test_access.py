"""Who reaches the messaging pages, in the access-table style of tests/access.py: the outbox
and the templates are the organizers'; everyone signed in chooses his or her own channel."""

import pytest

from messaging import events
from messaging.models import Message, MessageTemplate
from messaging.urls import urlpatterns

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import CallFactory, MessageFactory, UserFactory, unit_user
from ..judging.setupkit import judge_profile

ROLES = ("organizer", "unit", "judge", "editor", "outsider", "anonymous")


def _only_organizer(ok) -> dict:
    return {"organizer": ok, "unit": 403, "judge": 403, "editor": 403, "outsider": 403} | {
        "anonymous": LOGIN
    }


def _msg(w):
    return {"pk": w["message"].pk}


def _call_event(w):
    return {"kind": "call", "key": w["call"].slug, "event": events.CASE_RETURNED}


TEMPLATE_POST = {
    "subject": "退回：{code}",
    "body": "{name}：{reason}",
    "sms": "{case}",
    "action": "save",
}

TABLE = [
    Row("messaging:outbox", _only_organizer(200)),
    Row("messaging:outbox_resend_failed", _only_organizer(REDIRECT), method="post"),
    Row("messaging:message_detail", _only_organizer(200), kwargs=_msg),
    Row("messaging:message_resend", _only_organizer(REDIRECT), kwargs=_msg, method="post"),
    Row("messaging:templates", _only_organizer(200)),
    Row(
        "messaging:template_edit",
        _only_organizer(200),
        kwargs=lambda w: {"event": events.PASSWORD_RESET},
    ),
    Row(
        "messaging:template_edit",
        _only_organizer(REDIRECT),
        kwargs=lambda w: {"event": events.CALL_OPENED},
        method="post",
        data=lambda w: TEMPLATE_POST | {"subject": "{call}", "body": "{name}：{call}", "sms": ""},
        label="save",
    ),
    Row(
        "messaging:scope_templates",
        _only_organizer(200),
        kwargs=lambda w: {"kind": "call", "key": w["call"].slug},
    ),
    Row("messaging:scope_template_edit", _only_organizer(200), kwargs=_call_event),
    Row(
        "messaging:scope_template_edit",
        _only_organizer(REDIRECT),
        kwargs=_call_event,
        method="post",
        data=lambda w: TEMPLATE_POST,
        label="save",
    ),
    Row(
        "messaging:scope_template_edit",
        _only_organizer(404),
        kwargs=lambda w: {"kind": "call", "key": "no-such-call", "event": events.CASE_RETURNED},
        label="unknown call",
    ),
    Row(
        "messaging:scope_template_edit",
        _only_organizer(404),
        kwargs=lambda w: {"kind": "call", "key": w["call"].slug, "event": events.PASSWORD_RESET},
        label="portal-only event",
    ),
    Row(
        "messaging:channel",
        {r: 200 for r in ROLES if r != "anonymous"} | {"anonymous": LOGIN},
    ),
    Row(
        "messaging:channel",
        {r: REDIRECT for r in ROLES if r != "anonymous"} | {"anonymous": LOGIN},
        method="post",
        data=lambda w: {"message_channel": "email"},
    ),
]


def test_access_table_covers_every_url():
    assert access.missing_rows(TABLE, "messaging", urlpatterns) == []


@pytest.fixture
def world(organizer, unit_a):
    people = {
        "organizer": organizer,
        "unit": unit_user(unit_a, username="u"),
        "judge": judge_profile("j").user,
        "editor": UserFactory(username="e", is_editor=True),
        "outsider": UserFactory(username="nobody"),
        "anonymous": None,
    }
    message = MessageFactory(status="failed", last_error="550 User unknown")
    return {"people": people, "call": CallFactory(slug="civic-2026"), "message": message}


def _state(world):
    return (
        sorted(Message.objects.values_list("pk", "status")),
        sorted(MessageTemplate.objects.values_list("event", "subject")),
    )


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_access(client, world, row, role):
    access.check(client, world, row, role, state=_state)
