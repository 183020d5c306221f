"""Sending for real: a refusing SMTP server, the file and 云MAS text-message backends, the
retries and the sweep for lost tasks."""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import events, services, tasks
from messaging.backends.sms import cmcc_mas
from messaging.models import Message
from messaging.services import messages_dispatch
from tests import factories

from .servers import ACCEPT, http_server, smtp_server

pytestmark = pytest.mark.django_db

CTX = {"case": "口袋公园", "code": "1-0001", "call": "征集", "unit": "某街道", "link": "http://x/"}


def _dispatch(user, **kwargs):
    return messages_dispatch(
        event=events.CASE_ACCEPTED, recipients=[user], context=CTX, actor=None, **kwargs
    )


def test_a_refused_email_is_retried_then_failed_with_the_servers_reason(
    settings, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(email="nobody@example.gov.cn")
    with smtp_server(settings) as server, django_capture_on_commit_callbacks(execute=True):
        _dispatch(user)
    msg = Message.objects.get()
    tries = tasks.message_send.max_retries + 1
    assert server.rcpt_count == tries
    assert server.delivered == 0
    assert (msg.status, msg.attempts) == ("failed", tries)
    assert msg.last_error == (
        "The mail server refused the recipient: 550 5.1.1 <nobody@example.gov.cn>: Recipient "
        "address rejected: User unknown (nobody@example.gov.cn)"
    )
    assert msg.sent_at is None


def test_a_refusal_leaves_the_row_retrying_with_the_reason_and_when_it_is_due(settings):
    user = factories.UserFactory(email="nobody@example.gov.cn")
    (msg,) = _dispatch(user)
    before = timezone.now()
    with smtp_server(settings):
        sent = services.message_send(message=msg, final_attempt=False, actor=None)
    msg.refresh_from_db()
    assert sent is False
    assert (msg.status, msg.attempts) == ("retrying", 1)
    assert msg.last_error.startswith("The mail server refused the recipient: 550 5.1.1")
    assert before + timedelta(seconds=9) < msg.queued_at < timezone.now() + timedelta(seconds=11)


def test_a_failed_message_resent_to_a_server_that_accepts_it_is_sent(
    settings, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(email="nobody@example.gov.cn")
    with smtp_server(settings), django_capture_on_commit_callbacks(execute=True):
        _dispatch(user)
    msg = Message.objects.get()
    assert msg.status == "failed"
    with smtp_server(settings, rcpt_answer=ACCEPT) as server:
        with django_capture_on_commit_callbacks(execute=True):
            services.message_resend(message=msg, actor=None)
    msg.refresh_from_db()
    assert server.delivered == 1
    assert (msg.status, msg.attempts) == ("sent", tasks.message_send.max_retries + 2)


def test_a_sent_message_is_never_sent_again_by_a_late_task(settings):
    user = factories.UserFactory(email="a@example.gov.cn")
    (msg,) = _dispatch(user)
    with smtp_server(settings, rcpt_answer=ACCEPT) as server:
        assert services.message_send(message=msg, final_attempt=False, actor=None) is True
        assert services.message_send(message=msg, final_attempt=False, actor=None) is False
        tasks.message_send.apply(args=[msg.pk])
    assert server.delivered == 1
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == ("sent", 1)


def test_the_sweep_queues_again_only_messages_whose_task_was_lost(
    settings, django_capture_on_commit_callbacks
):
    settings.MESSAGES_SWEEP_AFTER = 600
    users = factories.UserFactory.create_batch(3)
    rows = messages_dispatch(  # the broker was down: no task ran (callbacks not executed)
        event=events.CASE_ACCEPTED, recipients=users, context=CTX, actor=None
    )
    lost, recent, sent = rows
    long_ago = timezone.now() - timedelta(hours=1)
    Message.objects.filter(pk=lost.pk).update(queued_at=long_ago)
    Message.objects.filter(pk=sent.pk).update(queued_at=long_ago, status="sent", attempts=1)
    with smtp_server(settings, rcpt_answer=ACCEPT) as server:
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.messages_sweep.apply().get() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.messages_sweep.apply().get() == 0  # the first sweep sent it
    assert server.delivered == 1
    assert dict(Message.objects.values_list("pk", "status")) == {
        lost.pk: "sent",
        recent.pk: "queued",
        sent.pk: "sent",
    }


def test_the_sweep_is_a_worker_sweep(settings):
    assert settings.WORKER_SWEEPS["messaging.messages_sweep"] == 300


def test_the_file_backend_writes_one_file_per_text_message(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "messaging.backends.sms.filebased.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    users = [
        factories.UserFactory(phone="13800000001", message_channel="sms"),
        factories.UserFactory(phone="13800000002", message_channel="both"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        messages_dispatch(event=events.CASE_ACCEPTED, recipients=users, context=CTX, actor=None)
    texts = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "sms").iterdir())
    body = "{portal}: case 1-0001 “口袋公园” passed screening.".replace(
        "{portal}", settings.PORTAL_NAME
    )
    assert texts == [f"To: 13800000001\n\n{body}\n", f"To: 13800000002\n\n{body}\n"]
    assert sorted(Message.objects.values_list("channel", "status")) == [
        ("email", "sent"),
        ("sms", "sent"),
        ("sms", "sent"),
    ]


def _cmcc(settings, url):
    settings.SMS_BACKEND = "messaging.backends.sms.cmcc_mas.SmsBackend"
    settings.SMS_GATEWAY_URL = url
    settings.SMS_EC_NAME = "某某区文明办"
    settings.SMS_AP_ID = "portal"
    settings.SMS_SECRET_KEY = "s3cret"
    settings.SMS_SIGN = "AbC123xyz"
    settings.SMS_ADD_SERIAL = ""
    settings.SMS_TIMEOUT = 5


def test_the_cmcc_gateway_gets_a_base64_json_body_with_the_mac(
    settings, django_capture_on_commit_callbacks
):
    ok = json.dumps({"rspcod": "success", "msgGroup": "0826112130001000330441", "success": True})
    with http_server((200, ok.encode())) as gateway:
        _cmcc(settings, gateway.url)
        user = factories.UserFactory(phone="13800138000", message_channel="sms")
        with django_capture_on_commit_callbacks(execute=True):
            _dispatch(user)
    (request,) = gateway.requests
    assert request["path"] == "/sms/norsubmit"
    fields = json.loads(base64.b64decode(request["body"]).decode("utf-8"))
    content = f"{settings.PORTAL_NAME}: case 1-0001 “口袋公园” passed screening."
    expected_mac = hashlib.md5(  # noqa: S324 — the gateway's checksum
        f"某某区文明办portals3cret13800138000{content}AbC123xyz".encode()
    ).hexdigest()
    assert fields == {
        "ecName": "某某区文明办",
        "apId": "portal",
        "mobiles": "13800138000",
        "content": content,
        "sign": "AbC123xyz",
        "addSerial": "",
        "mac": expected_mac,
    }
    assert "s3cret" not in request["body"].decode() + base64.b64decode(request["body"]).decode()
    msg = Message.objects.get()
    assert (msg.channel, msg.status, msg.address) == ("sms", "sent", "13800138000")


def test_a_gateway_refusal_shows_its_reason_in_the_outbox(
    settings, django_capture_on_commit_callbacks
):
    refused = json.dumps({"rspcod": "IllegalMac", "msgGroup": "", "success": False})
    with http_server((200, refused.encode())) as gateway:
        _cmcc(settings, gateway.url)
        user = factories.UserFactory(phone="13800138000", message_channel="sms")
        with django_capture_on_commit_callbacks(execute=True):
            _dispatch(user)
    msg = Message.objects.get()
    assert len(gateway.requests) == tasks.message_send.max_retries + 1
    assert (msg.status, msg.last_error) == (
        "failed",
        "云MAS refused the message: IllegalMac",
    )


def test_a_gateway_http_error_is_the_reason(settings):
    with http_server((503, b"busy")) as gateway:
        _cmcc(settings, gateway.url)
        with pytest.raises(cmcc_mas.GatewayError, match="云MAS HTTP 503"):
            cmcc_mas.SmsBackend().send_one(cmcc_mas.TextMessage(to="13800138000", text="x"))


def test_the_cmcc_backend_names_missing_settings(settings):
    settings.SMS_GATEWAY_URL = ""
    settings.SMS_SECRET_KEY = ""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY_URL, .*SMS_SECRET_KEY"):
        cmcc_mas.SmsBackend()
