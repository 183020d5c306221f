import pytest
from django.core import mail

from messaging import events
from messaging.models import Message
from messaging.services import messages_dispatch
from tests import factories

pytestmark = pytest.mark.django_db


def test_dispatch_writes_the_outbox_and_sends_the_default_wording(
    django_capture_on_commit_callbacks,
):
    user = factories.UserFactory(full_name="王芳")
    with django_capture_on_commit_callbacks(execute=True):
        rows = messages_dispatch(
            event=events.CASE_ACCEPTED,
            recipients=[user],
            context={"case": "口袋公园", "code": "1-0001", "call": "征集", "unit": "某街道"},
            actor=None,
        )
    assert [m.status for m in Message.objects.all()] == ["sent"]
    assert rows[0].address == user.email
    assert len(mail.outbox) == 1
    assert "口袋公园" in mail.outbox[0].body
    assert mail.outbox[0].body.startswith("王芳")


def test_dispatch_without_an_address_keeps_the_message_as_failed():
    user = factories.UserFactory(email="")
    messages_dispatch(event=events.CASE_ACCEPTED, recipients=[user], context={}, actor=None)
    msg = Message.objects.get()
    assert (msg.status, msg.last_error) == ("failed", "No email address.")


def test_render_leaves_unknown_braces_alone():
    assert events.render("{case}：{unknown} { x }", {"case": "甲"}) == "甲：{unknown} { x }"
    assert events.unknown_placeholders(events.CASE_ACCEPTED, "{case}{bogus}") == {"bogus"}


def test_a_title_with_line_breaks_gives_a_one_line_subject(django_capture_on_commit_callbacks):
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        messages_dispatch(
            event=events.CASE_ACCEPTED,
            recipients=[user],
            context={"case": "第一行\r\n第二行\u2028第三行", "code": "1-0001"},
            actor=None,
        )
    assert Message.objects.get().status == "sent"
    assert mail.outbox[0].subject == "Case 1-0001 “第一行 第二行 第三行” accepted"
