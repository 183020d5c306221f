"""Messages through a real browser, as the organizer: words the call's "returned for
revision" message with a preview (an unknown placeholder is refused first), screens a case and
finds the message in the outbox with the new wording, then sends a failed message again.
Screenshots in Chinese at phone and desktop widths.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import pytest
from django.core import mail

from messaging.models import Message
from submissions import services as submission_services
from submissions.models import Case

from ..factories import CaseFactory, MessageFactory, unit_user
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def _both(page, screenshot, name):
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1280")


def test_organizer_words_a_message_screens_and_resends_a_failed_one(
    browsing, screenshot, live_server, call, organizer, unit_a
):
    base = live_server.url
    member = unit_user(unit_a, username="wangfang", full_name="王芳", email="wangfang@x.cn")
    case = CaseFactory(
        call=call, unit=unit_a, title="背街小巷“微更新”", status=Case.Status.SUBMITTED
    )
    failed = MessageFactory(
        user=member,
        event="call_opened",
        subject="征集通知",
        status="failed",
        attempts=5,
        last_error="邮件服务器拒收该收件人：550 5.1.1 User unknown (wangfang@x.cn)",
    )
    page = browsing.new_page()
    login(page, base, organizer.username)

    # ---- the call's page leads to its message templates; "returned for revision" is edited
    page.goto(f"{base}/collect/calls/{call.slug}/")
    _submit(page, "#call-messages")
    assert page.locator("#templates tr[data-event='case_returned']").count() == 1
    _both(page, screenshot, "messaging-01-templates")
    assert_accessible(page)
    _submit(page, "#templates tr[data-event='case_returned'] a")
    assert page.locator("#placeholders code", has_text="{reason}").count() == 1
    page.fill("#id_subject", "【请修改】案例{code}退回修改{title}")
    page.fill("#id_body", "{name}：\n\n案例“{case}”需要修改。\n修改意见：{reason}\n{link}")
    page.fill("#id_sms", "")
    _submit(page, "#template-save")
    assert "{title}" in page.inner_text("#template-form .invalid-feedback")
    page.fill("#id_subject", "【请修改】案例{code}退回修改")
    _submit(page, "#template-preview")
    assert page.inner_text("#preview-subject").startswith("【请修改】案例2026-0007")
    _both(page, screenshot, "messaging-02-template-preview")
    assert_accessible(page)
    _submit(page, "#template-save")
    assert (
        page.locator("#templates tr[data-event='case_returned'] .badge.text-bg-primary").count()
        == 1
    )

    # ---- a screening sends it: the outbox shows it sent with the new wording
    submission_services.cases_screen(
        cases=[case], actor=organizer, action="return", reason="请补充两张照片"
    )
    returned = Message.objects.get(event="case_returned")
    assert returned.status == "sent"
    assert mail.outbox[-1].subject == f"【请修改】案例{case.code}退回修改"
    page.goto(f"{base}/messages/outbox/")
    assert page.locator(f"tr[data-message='{returned.pk}'] .badge.text-bg-success").count() == 1
    assert page.locator(f"tr[data-message='{failed.pk}'] .outbox-reason").count() == 1
    _both(page, screenshot, "messaging-03-outbox")
    assert_accessible(page)

    # ---- the failed message, opened and sent again
    page.goto(f"{base}/messages/outbox/?status=failed")
    assert page.locator("#outbox tbody tr[data-message]").count() == 1
    _submit(page, f"tr[data-message='{failed.pk}'] a")
    assert "550 5.1.1" in page.inner_text("#message-reason")
    _both(page, screenshot, "messaging-04-failed-message")
    _submit(page, "#resend")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 6)
    assert mail.outbox[-1].to == ["wangfang@x.cn"]
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
