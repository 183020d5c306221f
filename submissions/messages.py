"""The messages case collection sends, all through messaging.services.messages_dispatch (the
outbox): a call opened, a case screened, a deadline approaching (催交). The rows are written in
the caller's transaction and sent once it commits."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from audit.context import acts
from messaging import events
from messaging.services import messages_dispatch

from .models import Call, Case, CaseEvent, DeadlineReminder, Unit

#: A case in these states was submitted: its unit is not reminded.
NOT_SUBMITTED = (Case.Status.DRAFT, Case.Status.WITHDRAWN)


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def when(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def unit_members(units: Iterable[Unit] | QuerySet[Unit]) -> QuerySet[User]:
    """The active members of `units`: who a message about their cases goes to."""
    return (
        User.objects.filter(is_active=True, memberships__unit__in=units).distinct().order_by("pk")
    )


def call_opened(*, call: Call, actor: User | None) -> int:
    """Tell every active unit member that `call` takes submissions."""
    rows = messages_dispatch(
        event=events.CALL_OPENED,
        recipients=unit_members(Unit.objects.all()),
        context={
            "call": call.title,
            "deadline": when(call.closes_at),
            "link": absolute(call.get_absolute_url()),
        },
        scope=call,
        about=call.title,
        about_url=absolute(call.get_absolute_url()),
        actor=actor,
    )
    return len(rows)


SCREENING_EVENTS = {
    Case.Status.RETURNED: events.CASE_RETURNED,
    Case.Status.ACCEPTED: events.CASE_ACCEPTED,
    Case.Status.REJECTED: events.CASE_REJECTED,
}


def case_screened(*, event: CaseEvent, actor: User | None) -> int:
    """Tell the case's unit that it was returned, accepted or rejected."""
    key = SCREENING_EVENTS.get(event.to_status)  # type: ignore[call-overload]
    if key is None:
        return 0
    case = event.case
    link = absolute(case.get_absolute_url())
    rows = messages_dispatch(
        event=key,
        recipients=unit_members([case.unit]),
        context={
            "case": case.title,
            "code": case.code,
            "call": case.call.title,
            "unit": case.unit.name,
            "reason": event.reason,
            "link": link,
        },
        scope=case.call,
        about=f"{case.code} {case.title}",
        about_url=link,
        actor=actor,
    )
    return len(rows)


@acts
@transaction.atomic
def deadline_reminders_send(*, actor: User | None, now=None) -> int:
    """Remind (催交) the units with no submitted case of each open call whose deadline is
    within its `remind_days_before` days: once per call and unit (a DeadlineReminder row,
    unique, written with the messages), never after the deadline. A unit with an extension
    is reminded against its own deadline. Returns how many units were reminded."""
    from . import lifecycle

    now = now or timezone.now()
    reminded = 0
    calls = Call.objects.filter(remind_days_before__gt=0, closes_at__gt=now - timedelta(days=60))
    for call in calls.select_for_update().order_by("pk"):
        if not call.allows(lifecycle.SUBMIT):
            continue
        submitted = Case.objects.filter(call=call).exclude(status__in=NOT_SUBMITTED)
        done = DeadlineReminder.objects.filter(call=call)
        units = list(
            Unit.objects.filter(memberships__user__is_active=True)
            .exclude(pk__in=submitted.values("unit_id"))
            .exclude(pk__in=done.values("unit_id"))
            .distinct()
            .order_by("pk")
        )
        for unit in units:
            deadline = max(call.closes_at, _extension(call, unit) or call.closes_at)
            if not (deadline - timedelta(days=call.remind_days_before) <= now < deadline):
                continue
            DeadlineReminder.objects.create(call=call, unit=unit, sent_at=now)
            days = max(1, (deadline - now).days + (1 if (deadline - now).seconds else 0))
            link = absolute(call.get_absolute_url())
            messages_dispatch(
                event=events.DEADLINE_APPROACHING,
                recipients=unit_members([unit]),
                context={
                    "call": call.title,
                    "unit": unit.name,
                    "deadline": when(deadline),
                    "days": days,
                    "link": link,
                },
                scope=call,
                about=unit.name,
                about_url=link,
                actor=actor,
            )
            reminded += 1
    return reminded


def _extension(call: Call, unit: Unit):
    from .models import DeadlineExtension

    return (
        DeadlineExtension.objects.filter(call=call, unit=unit)
        .values_list("until", flat=True)
        .first()
    )
