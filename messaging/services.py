"""Writes of the messaging app: put messages in the outbox, send them, send them again.

Every other app sends a message through `messages_dispatch`: it renders the event's template
(the call's wording, else the portal's, else the default: `templates_selectors.template_for`),
writes one outbox row per recipient and channel, and queues each for sending once the
transaction commits. Sending (`message_send`, run by the task) never loses a row: a refusal is
recorded on it and retried; the last refusal leaves it failed with the reason.
"""

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.context import acts
from core.queue import enqueue_on_commit

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
                subject=events.render(subject_t, ctx)[:300] if channel == Channel.EMAIL else "",
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


@acts
def message_send(*, message: Message, final_attempt: bool, actor: User | None) -> bool:
    """Send one queued message (the send task: system work). Records the attempt; on a refusal
    records the reason and returns False (the task retries; the last attempt leaves it failed).
    A message already sent is left alone."""
    with transaction.atomic():
        msg = Message.objects.select_for_update().filter(pk=message.pk).first()
        if msg is None or msg.status in (Message.Status.SENT, Message.Status.FAILED):
            return False
        try:
            _deliver(msg)
        except Exception as exc:  # noqa: BLE001 — any refusal is recorded, never lost
            msg.attempts += 1
            msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            msg.status = Message.Status.FAILED if final_attempt else Message.Status.RETRYING
            msg.save(update_fields=["attempts", "last_error", "status"])
            log.warning("message %s not sent (%s)", msg.pk, msg.last_error)
            return False
        msg.attempts += 1
        msg.status = Message.Status.SENT
        msg.sent_at = timezone.now()
        msg.save(update_fields=["attempts", "status", "sent_at"])
        return True


@acts
@transaction.atomic
def message_resend(*, message: Message, actor: User | None) -> Message:
    """Queue a message again (the outbox's resend button): a failed one, or a sent one that did
    not arrive. The row keeps its history of attempts."""
    msg = Message.objects.select_for_update().get(pk=message.pk)
    msg.status = Message.Status.QUEUED
    msg.queued_at = timezone.now()
    msg.save(update_fields=["status", "queued_at"])
    from .tasks import message_send as task

    enqueue_on_commit(task, msg.pk)
    return msg
