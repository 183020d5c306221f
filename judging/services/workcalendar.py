"""The organizer's overrides of the working calendar (judging/workdays.py)."""

import datetime as dt

from django.db import transaction

from accounts.models import User
from audit.context import acts

from ..models import WorkCalendarDay


@acts
@transaction.atomic
def workday_set(
    *, date: dt.date, is_workday: bool, note: str, actor: User | None
) -> WorkCalendarDay:
    """Record whether a day is a working day (wins over the holiday library)."""
    day, _created = WorkCalendarDay.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "note": note.strip()}
    )
    return day


@acts
@transaction.atomic
def workday_delete(*, day: WorkCalendarDay, actor: User | None) -> None:
    day.delete()
