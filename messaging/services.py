"""Writes of the messaging app: put messages in the outbox, send them, send them again.

Every other app sends a message through `messages_dispatch`: it renders the event's template
(the call's wording, else the portal's, else the default: `templates_selectors.template_for`),
writes one outbox row per recipient and channel, and queues each for sending once the
transaction commits. Sending (`message_send`, run by the task) never loses a row: a refusal is
recorded on it and retried; the last refusal leaves it failed with the reason.
"""

import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core.queue import enqueue_on_commit
from core.text import one_line

from . import events, sms
from .models import Channel, Message, MessageTemplate

log = logging.getLogger(__name__)


def template_for(*, event: str, scope: models.Model | None) -> tuple[str, str, str]:
    """(subject, body, sms) of `event` for `scope`: the scope's template, else the portal's,
    else the default wording (in the portal's language)."""
    rows = MessageTemplate.objects.filter(event=event)
    if scope is not None:
        own = rows.filter(
            scope_type=ContentType.objects.get_for_model(scope), scope_id=scope.pk
        ).first()
        if own is not None:
            return own.subject, own.body, own.sms
    site = rows.filter(scope_type__isnull=True).first()
    if site is not None:
        return site.subject, site.body, site.sms
    ev = events.EVENTS[event]
    with translation.override(settings.LANGUAGE_CODE):
        return str(ev.subject), str(ev.body), str(ev.sms)


def channels_for(user: User) -> list[str]:
    """The channels a user receives messages by: his or her choice, email when no SMS backend
    is configured."""
    choice = getattr(user, "message_channel", "email")
    wanted = {"email": [Channel.EMAIL], "sms": [Channel.SMS], "both": [Channel.EMAIL, Channel.SMS]}
    chosen = wanted.get(choice, [Channel.EMAIL])
    if not sms.enabled():
        return [Channel.EMAIL]
    return list(chosen)


def address_for(user: User, channel: str) -> str:
    return (user.email if channel == Channel.EMAIL else user.phone or "").strip()


@acts
@transaction.atomic
def messages_dispatch(
    *,
    event: str,
    recipients: Iterable[User],
    context: Mapping[str, Any],
    scope: models.Model | None = None,
    about: str = "",
    about_url: str = "",
    per_recipient: Callable[[User], Mapping[str, Any]] | None = None,
    channels: Sequence[str] | None = None,
    actor: User | None,
) -> list[Message]:
    """Write one outbox row per recipient and channel and queue it for sending.

    `context` fills the event's placeholders (events.py); `per_recipient(user)` adds those that
    differ by recipient; `{name}` and `{portal}` are filled in here. `channels` overrides the
    recipients' choice (a reset code goes by text message whatever they chose). A recipient
    without an address for a channel still gets a row, failed at once with the reason (nothing
    is lost silently). Returns the rows.
    """
    ev = events.EVENTS[event]
    subject_t, body_t, sms_t = template_for(event=event, scope=scope)
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    now = timezone.now()
    rows = []
    for user in recipients:
        ctx = {
            "portal": settings.PORTAL_NAME,
            "name": user.display_name,
            **context,
            **(per_recipient(user) if per_recipient else {}),
        }
        for channel in channels if channels is not None else channels_for(user):
            address = address_for(user, channel)
            msg = Message(
                event=event,
                channel=channel,
                user=user,
                address=address,
                # one line: a value with a line break (a case title) must not break the header
                subject=one_line(events.render(subject_t, ctx))[:300]
                if channel == Channel.EMAIL
                else "",
                body=events.render(body_t if channel == Channel.EMAIL else sms_t or body_t, ctx),
                sensitive=ev.sensitive,
                scope_type=scope_type,
                scope_id=scope.pk if scope is not None else None,
                about=about[:300],
                about_url=about_url[:500],
                created_by=actor,
                created_at=now,
                queued_at=now,
            )
            if not address:
                msg.status = Message.Status.FAILED
                msg.last_error = (
                    _("No email address.") if channel == Channel.EMAIL else _("No phone number.")
                )
            rows.append(msg)
    Message.objects.bulk_create(rows)
    from .tasks import message_send

    for msg in rows:
        if msg.status == Message.Status.QUEUED:
            enqueue_on_commit(message_send, msg.pk)
    return rows


def _deliver(msg: Message) -> None:
    """Hand one message to its channel; raises what the channel raises."""
    if msg.channel == Channel.EMAIL:
        EmailMessage(msg.subject, msg.body, settings.DEFAULT_FROM_EMAIL, [msg.address]).send()
    else:
        sms.send(to=msg.address, text=msg.body)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try of a message refused `attempts` times: 10, 20, 40 … at
    most ten minutes (the task's countdown, and when the sweep may look at it again)."""
    return min(600, 10 * 2 ** max(0, attempts - 1))


def refusal_reason(exc: BaseException) -> str:
    """What a person reads in the outbox: the server's own answer when there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, said) in exc.recipients.items():
            answer = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
            parts.append(f"{code} {answer} ({address})")
        return _("The mail server refused the recipient: %(answer)s") % {"answer": "; ".join(parts)}
    if isinstance(exc, smtplib.SMTPResponseException):
        raw: bytes | str = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return _("The mail server refused the message: %(answer)s") % {
            "answer": f"{exc.smtp_code} {text}"
        }
    if isinstance(exc, sms.SmsRefused):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@acts
def message_send(*, message: Message, final_attempt: bool, actor: User | None) -> bool:
    """Send one queued message (the send task: system work). Records the attempt; on a refusal
    records the reason and returns False: the row is `retrying` (due again after
    `retry_delay`, kept in `queued_at`), or `failed` after the last attempt. A message already
    sent or failed is left alone: the row lock makes a second task for the same row (a resend
    clicked twice, the sweep) wait, then find it sent, so no message goes out twice."""
    with transaction.atomic():
        msg = Message.objects.select_for_update().filter(pk=message.pk).first()
        if msg is None or msg.status in (Message.Status.SENT, Message.Status.FAILED):
            return False
        try:
            with translation.override(settings.LANGUAGE_CODE):
                _deliver(msg)
        except Exception as exc:  # noqa: BLE001 — any refusal is recorded, never lost
            msg.attempts += 1
            with translation.override(settings.LANGUAGE_CODE):
                msg.last_error = refusal_reason(exc)[:2000]
            if final_attempt:
                msg.status = Message.Status.FAILED
            else:
                msg.status = Message.Status.RETRYING
                msg.queued_at = timezone.now() + timedelta(seconds=retry_delay(msg.attempts))
            msg.save(update_fields=["attempts", "last_error", "status", "queued_at"])
            log.warning("message %s not sent (%s)", msg.pk, msg.last_error)
            return False
        msg.attempts += 1
        msg.status = Message.Status.SENT
        msg.sent_at = timezone.now()
        msg.save(update_fields=["attempts", "status", "sent_at"])
        return True


def messages_requeue_lost(*, actor: User | None) -> list[int]:
    """Queue again the messages whose task was lost (the broker down when they were queued, or
    a worker gone with a retry): rows `queued` or `retrying` that were due more than
    MESSAGES_SWEEP_AFTER seconds ago. Each is marked due now, so the next sweep leaves it alone
    while its new task waits; the send itself locks the row and skips a sent one, so a task that
    was only late, not lost, never sends it a second time. System work (the sweep)."""
    cutoff = timezone.now() - timedelta(seconds=settings.MESSAGES_SWEEP_AFTER)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[Message.Status.QUEUED, Message.Status.RETRYING],
                queued_at__lt=cutoff,
            )
            .order_by("queued_at", "pk")
            .values_list("pk", flat=True)[:5000]
        )
        Message.objects.filter(pk__in=ids).update(queued_at=timezone.now())
        from .tasks import message_send as task

        for pk in ids:
            enqueue_on_commit(task, pk)
    return ids


@acts
@transaction.atomic
def message_resend(*, message: Message, actor: User | None) -> Message:
    """Queue a message again (the outbox's resend button): a failed one, or a sent one that did
    not arrive. The row keeps its count of attempts and its last reason until it is sent."""
    msg = Message.objects.select_for_update().get(pk=message.pk)
    if not msg.address:
        raise ValidationError(
            _("This message has no address: give the recipient one, then send a new message.")
        )
    msg.status = Message.Status.QUEUED
    msg.queued_at = timezone.now()
    msg.save(update_fields=["status", "queued_at"])
    from .tasks import message_send as task

    enqueue_on_commit(task, msg.pk)
    return msg


@acts
@transaction.atomic
def messages_resend_failed(*, messages: models.QuerySet[Message], actor: User | None) -> int:
    """Queue again every failed message of `messages` (the outbox's "resend all failed" of the
    current filter) that has an address. The send task's rate limit spaces them out."""
    ids = list(
        messages.filter(status=Message.Status.FAILED)
        .exclude(address="")
        .order_by()
        .values_list("pk", flat=True)
    )
    Message.objects.filter(pk__in=ids).update(
        status=Message.Status.QUEUED, queued_at=timezone.now()
    )
    from .tasks import message_send as task

    for pk in ids:
        enqueue_on_commit(task, pk)
    return len(ids)


def _scope_filter(scope: models.Model | None) -> dict[str, Any]:
    if scope is None:
        return {"scope_type__isnull": True, "scope_id__isnull": True}
    return {"scope_type": ContentType.objects.get_for_model(scope), "scope_id": scope.pk}


def _check_placeholders(event: str, **texts: str) -> None:
    errors = {}
    for field, text in texts.items():
        unknown = events.unknown_placeholders(event, text)
        if unknown:
            errors[field] = _(
                "Unknown placeholders: %(names)s. This message knows only those listed."
            ) % {"names": "、".join(f"{{{n}}}" for n in sorted(unknown))}
    if errors:
        raise ValidationError(errors)


@acts
@transaction.atomic
def message_template_save(
    *,
    event: str,
    scope: models.Model | None,
    subject: str,
    body: str,
    sms: str,
    actor: User | None,
) -> MessageTemplate:
    """Word `event` for `scope` (a call) or, with no scope, for the whole portal. A placeholder
    the event does not know is refused, naming it."""
    if event not in events.EVENTS or (scope is not None and event in events.PORTAL_ONLY):
        raise ValidationError(_("This message cannot be worded here."))
    _check_placeholders(event, subject=subject, body=body, sms=sms)
    row = (
        MessageTemplate.objects.select_for_update()
        .filter(event=event, **_scope_filter(scope))
        .first()
    )
    if row is None:
        row = MessageTemplate(event=event, scope=scope)
    row.subject, row.body, row.sms, row.updated_by = subject, body, sms, actor
    row.save()
    return row


@acts
@transaction.atomic
def message_template_restore(*, event: str, scope: models.Model | None, actor: User | None) -> int:
    """Drop the wording of `event` for `scope`: the portal's wording (for a call) or the
    default one is used again. Returns how many rows went (0 or 1)."""
    deleted = 0
    for row in MessageTemplate.objects.filter(event=event, **_scope_filter(scope)):
        row.delete()  # one by one: the audit trail records the deletion
        deleted += 1
    return deleted


@acts
@transaction.atomic
def user_channel_set(*, user: User, channel: str, actor: User | None) -> User:
    """A person chooses how to receive messages: email, text message or both. The text
    message choices need an SMS backend and a phone number."""
    allowed = {"email", "sms", "both"} if sms.enabled() else {"email"}
    if channel not in allowed:
        raise ValidationError(_("This portal cannot send text messages."))
    if channel != "email" and not (user.phone or "").strip():
        raise ValidationError(
            _("Your account has no phone number: ask the organizer to add it first.")
        )
    user.message_channel = channel
    user.save(update_fields=["message_channel"])
    return user
