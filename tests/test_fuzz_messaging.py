"""The messaging forms with hostile input: the template editor (placeholders, braces, huge and
odd text), the outbox's filters and the channel choice. Never a server error: the page, a
redirect after a save, or the page again (400) saying what to correct."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from messaging import events
from messaging.forms import ChannelForm, MessageTemplateForm, OutboxFilterForm
from messaging.models import MessageTemplate

from .factories import CallFactory, MessageFactory, UserFactory
from .fuzzkit import (
    FUZZ_FEW,
    assert_form_error,
    fuzzes,
    get_ok,
    hostile,
    hostile_small,
    post_ok,
)

braces = st.one_of(
    hostile_small,
    st.sampled_from(
        ["{case}", "{name}：{reason}", "{bogus}", "{", "}", "{ case }", "{{code}}", "{CASE}"]
    ),
    st.lists(st.sampled_from(["{case}", "{code}", "{x_y}", "文字", "{", "\n"]), max_size=8).map(
        "".join
    ),
)


@pytest.fixture
def outbox_rows(db):
    MessageFactory(status="failed", last_error="550 User unknown")
    MessageFactory(status="sent")


@fuzzes(MessageTemplateForm)
@FUZZ_FEW
@given(subject=braces, body=st.one_of(braces, hostile), sms=braces, action=hostile_small)
def test_template_edit(org_client, subject, body, sms, action):
    call = CallFactory(slug="civic-2026") if not CallFactory._meta.model.objects.exists() else None
    url = reverse(
        "messaging:scope_template_edit", args=["call", "civic-2026", events.CASE_RETURNED]
    )
    data = {"subject": subject, "body": body, "sms": sms, "action": action}
    response = post_ok(org_client, url, data)
    if response.status_code == 400:
        assert_form_error(response)
    del call
    for row in MessageTemplate.objects.all():  # whatever was saved names only known placeholders
        for text in (row.subject, row.body, row.sms):
            assert events.unknown_placeholders(events.CASE_RETURNED, text) == set()


@fuzzes(OutboxFilterForm)
@FUZZ_FEW
@given(
    status=hostile_small,
    channel=hostile_small,
    event=hostile_small,
    scope=hostile_small,
    q=hostile,
    page=hostile_small,
)
def test_outbox_filter(org_client, outbox_rows, status, channel, event, scope, q, page):
    params = {"status": status, "channel": channel, "event": event, "scope": scope, "q": q}
    response = get_ok(org_client, reverse("messaging:outbox"), params | {"page": page})
    if response.status_code == 400:
        assert_form_error(response)
    resend = post_ok(org_client, reverse("messaging:outbox_resend_failed") + "?" + _qs(params))
    assert resend.status_code == 302


def _qs(params):
    from urllib.parse import urlencode

    return urlencode(params)


@fuzzes(ChannelForm)
@FUZZ_FEW
@given(choice=st.one_of(hostile_small, st.sampled_from(["email", "sms", "both"])))
def test_channel(client, db, choice):
    user = UserFactory(phone="")
    client.force_login(user)
    response = post_ok(client, reverse("messaging:channel"), {"message_channel": choice})
    user.refresh_from_db()
    assert user.message_channel == "email"  # no SMS backend: nothing else can be chosen
    if response.status_code == 400:
        assert_form_error(response)
