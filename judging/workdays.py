"""Working days in China (工作日): public holidays and the adjusted working days (调休).

Order of authority for one day: the organizer's override (`WorkCalendarDay`, for a year the
library does not know yet or a local change), then the announced calendar of the
`chinese-calendar` library (the State Council's yearly notice, holidays and 调休 working
weekends), then the plain rule: Monday to Friday. The public notice (公示) is counted with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar

from .models import WorkCalendarDay


def _overrides(days: Iterable[dt.date]) -> dict[dt.date, bool]:
    days = list(days)
    if not days:
        return {}
    return dict(
        WorkCalendarDay.objects.filter(date__gte=min(days), date__lte=max(days)).values_list(
            "date", "is_workday"
        )
    )


def library_knows(year: int) -> bool:
    """Whether the holiday library has the announced calendar of `year`."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _by_library(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year not announced yet: weekdays work
        return day.weekday() < 5


def is_workday(day: dt.date, *, overrides: dict[dt.date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides([day])
    if day in overrides:
        return overrides[day]
    return _by_library(day)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (not counting `start` itself); n ≥ 1.

    A notice starting on `start` and lasting n working days counts `start` when it is a working
    day: use `notice_last_day` for that."""
    if n < 1:
        raise ValueError("n must be at least 1")
    horizon = start + dt.timedelta(days=n * 3 + 30)
    overrides = _overrides([start, horizon])
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day > horizon:  # an override calendar with a very long holiday
            horizon = day + dt.timedelta(days=n * 3 + 30)
            overrides |= _overrides([day, horizon])
        if is_workday(day, overrides=overrides):
            counted += 1
    return day


def workdays_between(a: dt.date, b: dt.date) -> int:
    """The number of working days from `a` to `b`, both included (0 when b < a)."""
    if b < a:
        return 0
    overrides = _overrides([a, b])
    days = (a + dt.timedelta(days=i) for i in range((b - a).days + 1))
    return sum(1 for d in days if is_workday(d, overrides=overrides))


def notice_last_day(start: dt.date, n: int) -> dt.date:
    """The last day of a notice that starts on `start` and lasts n working days: `start`
    counts when it is a working day."""
    if is_workday(start):
        return start if n == 1 else add_workdays(start, n - 1)
    return add_workdays(start, n)
