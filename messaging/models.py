"""Messages: the templates the organizer words and the outbox of every message sent.

This app sits below case collection (submissions imports it), so what a template or a message
belongs to (a call, usually) is a generic reference (`scope`), as the audit trail does."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import EVENT_CHOICES


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class MessageTemplate(models.Model):
    """The organizer's wording of one event: for one call (`scope`), or for the whole portal
    (no scope). Without one, the event's default wording is used (events.py)."""

    event = models.CharField(_("event"), max_length=32, choices=EVENT_CHOICES)
    scope_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(_("email text"))
    sms = models.CharField(_("text message"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "scope_type", "scope_id"], name="message_template_scope_unique"
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(scope_type__isnull=True),
                name="message_template_site_unique",
            ),
        ]

    def __str__(self):
        return self.get_event_display()


class Message(models.Model):
    """One message to one recipient by one channel: the outbox row. It is written before it is
    sent and kept whatever happens, so no message is ever lost: a refusal is retried, then shown
    as failed with its reason, and the organizer can send it again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Retrying")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.CharField(_("event"), max_length=32, choices=EVENT_CHOICES, db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages_received",
        verbose_name=_("recipient"),
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    # The text holds a secret (a password reset link or code): the outbox does not show it.
    sensitive = models.BooleanField(_("confidential"), default=False)
    scope_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    about = models.CharField(_("about"), max_length=300, blank=True)
    about_url = models.CharField(_("link"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "queued_at"]),
            models.Index(fields=["scope_type", "scope_id", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.address or self.user}"
