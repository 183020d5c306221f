"""The demo's outbox: what the demo's actions sent, plus one message refused by the mail
server (failed, with its reason) and one waiting for a retry, and the open call's own wording
of the "returned for revision" message. Idempotent: a second run changes nothing."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import User

from . import events
from .models import Channel, Message, MessageTemplate
from .services import message_template_save


def build_messaging(open_call, *, call_url: str) -> list[str]:
    organizer = User.objects.get(username="organizer")
    report = []
    if not MessageTemplate.objects.filter(
        event=events.CASE_RETURNED,
        scope_type=ContentType.objects.get_for_model(open_call),
        scope_id=open_call.pk,
    ).exists():
        message_template_save(
            event=events.CASE_RETURNED,
            scope=open_call,
            subject="【请修改】案例{code}退回修改",
            body=(
                "{name}：\n\n贵单位报送的案例“{case}”（{code}）需要修改后重新提交。\n"
                "修改意见：{reason}\n\n请在截止时间前登录平台修改：{link}\n\n{portal}"
            ),
            sms="{portal}：案例{code}退回修改：{reason}",
            actor=organizer,
        )
        report.append("messaging: the open call's wording of “returned for revision”")
    now = timezone.now()
    ct = ContentType.objects.get_for_model(open_call)
    for username, status, reason in (
        (
            "unit2",
            Message.Status.FAILED,
            "The mail server refused the recipient: 550 5.1.1 <unit2@example.gov.cn>: "
            "Recipient address rejected: User unknown (unit2@example.gov.cn)",
        ),
        (
            "unit3",
            Message.Status.RETRYING,
            "SMTPServerDisconnected: Connection unexpectedly closed",
        ),
    ):
        user = User.objects.get(username=username)
        if Message.objects.filter(user=user, event=events.CALL_OPENED, last_error=reason).exists():
            continue
        Message.objects.create(
            event=events.CALL_OPENED,
            channel=Channel.EMAIL,
            status=status,
            user=user,
            address=user.email or f"{username}@example.gov.cn",
            subject=f"征集通知：{open_call.title}",
            body=f"{user.display_name}：\n\n“{open_call.title}”正在征集案例。",
            scope_type=ct,
            scope_id=open_call.pk,
            about=open_call.title,
            about_url=call_url,
            attempts=5 if status == Message.Status.FAILED else 2,
            last_error=reason,
            created_by=organizer,
            created_at=now - timedelta(hours=2),
            queued_at=now + timedelta(minutes=10) if status == Message.Status.RETRYING else now,
        )
        report.append(f"messaging: a {status} message to {username}")
    return report
