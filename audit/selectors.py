"""Reads of the audit trail. `log_visible` is the app's one visibility policy.

Organizers see every entry; nobody else sees any. A unit user, judge or editor is not shown even
their own entries: the trail names other people (a judge's scores in a blind round, who screened a
case), so it stays with the organizers who answer for the process.
"""

from datetime import date, datetime, time, timedelta

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_organizer

from .registry import tracked_models


def log_visible(user: User | AnonymousUser) -> QuerySet[LogEntry]:
    if is_organizer(user):
        return LogEntry.objects.all()
    return LogEntry.objects.none()


def kinds() -> list[tuple[int, str]]:
    """(content type id, label) of every tracked model, for the filter."""
    models = tracked_models()
    types = ContentType.objects.get_for_models(*models, for_concrete_models=False)
    from .display import model_label

    return sorted(((types[m].pk, model_label(m)) for m in models), key=lambda kv: kv[1])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def log_filter(
    qs: QuerySet[LogEntry],
    *,
    actor: str = "",
    kind: int | None = None,
    action: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet[LogEntry]:
    """Narrow the visible entries; dates are whole days in the portal's time zone."""
    if actor:
        users = (
            get_user_model()
            .objects.filter(
                Q(username__iexact=actor)
                | Q(full_name__icontains=actor)
                | Q(username__icontains=actor)
            )
            .values("pk")
        )
        qs = qs.filter(actor__in=users)
    if kind:
        qs = qs.filter(content_type_id=kind)
    if action is not None:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(timestamp__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(timestamp__lt=_day_start(date_to + timedelta(days=1)))
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(changes_text__icontains=q))
    return qs


def log_page_rows(qs: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
    """The columns a page or an export shows, newest first, with actor and kind joined."""
    return qs.select_related("actor", "content_type").order_by("-timestamp", "-id")


def deleted_fields(model: type, pk: int | str) -> dict[str, str] | None:
    """The field values a tracked object had when it was deleted, as its deletion entry
    recorded them (text; None when no deletion of it is recorded). For a page that tells its
    own user what became of something of theirs (a judge's review moved to another judge),
    never shown as it stands: the trail itself stays with the organizers."""
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_pk=str(pk),
            action=LogEntry.Action.DELETE,
        )
        .order_by("-timestamp")
        .only("changes")
        .first()
    )
    if entry is None:
        return None
    changes = entry.changes_dict
    return {name: values[0] for name, values in changes.items() if values}
