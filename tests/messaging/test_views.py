"""The organizer's outbox and template editor, and a person's channel page, as a user sees
them."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from messaging import events
from messaging.models import Message, MessageTemplate
from messaging.services import messages_dispatch
from tests import factories

pytestmark = pytest.mark.django_db

OUTBOX = reverse("messaging:outbox")


def _rows(response) -> list[str]:
    return re.findall(r'data-message="(\d+)"', response.content.decode())


def test_outbox_filters_and_counts_per_status(org_client, call):
    a = factories.UserFactory(full_name="王芳", email="wang@x.cn")
    b = factories.UserFactory(full_name="李雷", email="li@x.cn")
    sent = factories.MessageFactory(user=a, status="sent", attempts=1)
    failed = factories.MessageFactory(
        user=b, status="failed", attempts=5, last_error="550 User unknown", scope=call
    )
    factories.MessageFactory(user=b, status="retrying", attempts=2, event="call_opened")
    response = org_client.get(OUTBOX)
    assert len(_rows(response)) == 3
    text = response.content.decode()
    counts = dict(re.findall(r'data-status="(\w+)".*?badge[^>]*>(\d+)<', text))
    assert counts == {"queued": "0", "retrying": "1", "sent": "1", "failed": "1"}
    assert "550 User unknown" in text
    assert _rows(org_client.get(OUTBOX, {"status": "failed"})) == [str(failed.pk)]
    assert _rows(org_client.get(OUTBOX, {"q": "王芳"})) == [str(sent.pk)]
    assert _rows(org_client.get(OUTBOX, {"q": "li@x"})) == sorted(
        [str(m.pk) for m in Message.objects.filter(user=b)], reverse=True
    )
    assert _rows(org_client.get(OUTBOX, {"scope": f"call:{call.pk}"})) == [str(failed.pk)]
    assert _rows(org_client.get(OUTBOX, {"event": "call_opened", "channel": "email"})) == [
        str(Message.objects.get(event="call_opened").pk)
    ]
    assert org_client.get(OUTBOX, {"status": "lost"}).status_code == 400


def test_outbox_costs_the_same_queries_for_one_row_and_for_many(
    org_client, call, django_assert_num_queries
):
    factories.MessageFactory(scope=call)
    with django_assert_num_queries(7) as one:
        org_client.get(OUTBOX, {"status": "queued"})
    factories.MessageFactory.create_batch(60, scope=call)
    with django_assert_num_queries(len(one.captured_queries)):
        response = org_client.get(OUTBOX, {"status": "queued"})
    assert len(_rows(response)) == 50  # the first page of 61


def test_a_sensitive_message_is_not_shown_and_says_why(org_client):
    msg = factories.MessageFactory(event="password_reset", sensitive=True, body="code 123456")
    response = org_client.get(reverse("messaging:message_detail", args=[msg.pk]))
    text = response.content.decode()
    assert "123456" not in text
    assert "The text is not shown: it holds a secret" in text


def test_resend_one_and_all_failed_of_the_filter(
    org_client, organizer, django_capture_on_commit_callbacks
):
    failed = factories.MessageFactory.create_batch(2, status="failed", last_error="550")
    other = factories.MessageFactory(status="failed", event="call_opened", last_error="550")
    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post(
            reverse("messaging:outbox_resend_failed") + "?event=case_accepted"
        )
    assert response["Location"] == OUTBOX + "?event=case_accepted"
    assert [Message.objects.get(pk=m.pk).status for m in failed] == ["sent", "sent"]
    assert Message.objects.get(pk=other.pk).status == "failed"
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        org_client.post(reverse("messaging:message_resend", args=[other.pk]))
    other.refresh_from_db()
    assert (other.status, other.attempts) == ("sent", 1)


def _edit_url(call):
    return reverse("messaging:scope_template_edit", args=["call", call.slug, "case_returned"])


def test_unknown_placeholders_are_refused_naming_them(org_client, call):
    response = org_client.post(
        _edit_url(call),
        {"subject": "{code} {title}", "body": "{name}{reason}", "sms": "{oops}", "action": "save"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Unknown placeholders: {title}. This message knows only those listed." in text
    assert "Unknown placeholders: {oops}." in text
    assert MessageTemplate.objects.count() == 0


def test_preview_save_and_restore_a_calls_wording(org_client, organizer, call):
    url = _edit_url(call)
    data = {"subject": "退回：{code}", "body": "{name}：{case}，{reason}", "sms": ""}
    preview = org_client.post(url, data | {"action": "preview"})
    assert preview.status_code == 200
    assert "退回：2026-0007" in preview.content.decode()
    assert "Zhang Wei：A pocket park run by the neighbours" in preview.content.decode()
    assert MessageTemplate.objects.count() == 0
    saved = org_client.post(url, data | {"action": "save"})
    assert saved["Location"] == reverse("messaging:scope_templates", args=["call", call.slug])
    row = MessageTemplate.objects.get()
    assert (row.scope, row.subject, row.updated_by) == (call, "退回：{code}", organizer)
    listing = org_client.get(saved["Location"]).content.decode()
    assert listing.count("Customised") == 1
    user = factories.unit_user(factories.UnitFactory(), email="u@x.cn")
    (msg,) = messages_dispatch(
        event=events.CASE_RETURNED,
        recipients=[user],
        context={"code": "1-0001", "case": "甲", "reason": "乙"},
        scope=call,
        actor=None,
    )
    assert (msg.subject, msg.body) == ("退回：1-0001", f"{user.display_name}：甲，乙")
    org_client.post(url, {"action": "restore"})
    assert MessageTemplate.objects.count() == 0
    assert "退回" not in org_client.get(url).content.decode()


def test_the_channel_page_offers_text_messages_only_with_a_backend(client, settings):
    user = factories.UserFactory(phone="13800138000", email="me@x.cn")
    client.force_login(user)
    url = reverse("messaging:channel")
    page = client.get(url).content.decode()
    assert 'value="sms"' not in page
    assert "13800138000" in page and "me@x.cn" in page
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    assert 'value="both"' in client.get(url).content.decode()
    assert client.post(url, {"message_channel": "both"}).status_code == 302
    user.refresh_from_db()
    assert user.message_channel == "both"


def test_no_phone_no_text_messages(client, settings):
    settings.SMS_BACKEND = "messaging.backends.sms.locmem.SmsBackend"
    user = factories.UserFactory(phone="")
    client.force_login(user)
    response = client.post(reverse("messaging:channel"), {"message_channel": "sms"})
    assert response.status_code == 400
    assert "Your account has no phone number" in response.content.decode()
