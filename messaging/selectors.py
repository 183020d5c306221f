"""Reads of the messaging app. One visibility policy: the outbox and the templates are the
organizers' (`messages_visible_to`); a person's own channel is read from the user."""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet

from accounts.roles import is_organizer

from . import events
from .models import Message, MessageTemplate


def messages_visible_to(user) -> QuerySet[Message]:
    if not is_organizer(user):
        return Message.objects.none()
    return Message.objects.all()


def messages_filter(
    qs: QuerySet[Message],
    *,
    status: str = "",
    channel: str = "",
    event: str = "",
    scope: tuple[type[models.Model], int] | None = None,
    q: str = "",
) -> QuerySet[Message]:
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if event:
        qs = qs.filter(event=event)
    if scope is not None:
        model, pk = scope
        qs = qs.filter(scope_type=ContentType.objects.get_for_model(model), scope_id=pk)
    if q:
        qs = qs.filter(
            Q(address__icontains=q)
            | Q(user__full_name__icontains=q)
            | Q(user__username__icontains=q)
        )
    return qs


def status_counts(qs: QuerySet[Message]) -> dict[str, int]:
    """Messages per status, every status named (0 when none)."""
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value, _label in Message.Status.choices}


def outbox_page_rows(qs: QuerySet[Message]) -> QuerySet[Message]:
    return qs.select_related("user").order_by("-created_at", "-id")


@dataclass(frozen=True)
class TemplateRow:
    event: events.Event
    own: MessageTemplate | None  # this scope's wording
    portal: MessageTemplate | None  # the portal's (for a call's list)

    @property
    def state(self) -> str:
        if self.own is not None:
            return "own"
        return "portal" if self.portal is not None else "default"


def template_rows(scope: models.Model | None) -> list[TemplateRow]:
    """The events one may word for `scope` (None: the whole portal), with their wording."""
    rows = MessageTemplate.objects.select_related("updated_by")
    site = {t.event: t for t in rows.filter(scope_type__isnull=True)}
    own: dict[str, Any]
    if scope is None:
        own, portal = site, {}
    else:
        own = {
            t.event: t
            for t in rows.filter(
                scope_type=ContentType.objects.get_for_model(scope), scope_id=scope.pk
            )
        }
        portal = site
    return [
        TemplateRow(ev, own.get(key), portal.get(key))
        for key, ev in events.EVENTS.items()
        if scope is None or key not in events.PORTAL_ONLY
    ]


def message_template(event: str, scope: models.Model | None) -> MessageTemplate | None:
    rows = MessageTemplate.objects.filter(event=event)
    if scope is None:
        return rows.filter(scope_type__isnull=True).first()
    return rows.filter(
        scope_type=ContentType.objects.get_for_model(scope), scope_id=scope.pk
    ).first()
