"""The rules of the public notice (公示): counted in working days, never in the past, never
shorter than the call's minimum; named objections.

A notice lasts at least `Call.notice_min_workdays` working days (judging/workdays.py: China's
public holidays and 调休 working days, with the organizer's overrides). The start day counts
when it is a working day; the notice runs to the end of its last working day (23:59, Beijing
time). It cannot start in the past (a few minutes of clock skew allowed), so the period cannot
be skipped by backdating it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from submissions.models import Call

from .. import workdays
from ..models import Notice, Objection

#: The longest minimum a call may set.
MAX_WORKDAYS = 30
#: How far in the past a start may lie (the organizer's clock against the server's).
CLOCK_SKEW = dt.timedelta(minutes=5)
#: The last minute of a notice's last working day.
DAY_END = dt.time(23, 59)


def earliest_end(starts_at: dt.datetime, n: int) -> dt.datetime:
    """The earliest end of a notice starting at `starts_at` and lasting `n` working days."""
    last = workdays.notice_last_day(timezone.localtime(starts_at).date(), n)
    return timezone.make_aware(dt.datetime.combine(last, DAY_END))


def period_problems(
    *,
    call: Call,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    current: Notice | None,
    now: dt.datetime | None = None,
) -> list[str]:
    """What is wrong with a notice period (empty: nothing)."""
    now = now or timezone.now()
    problems: list[str] = []
    unchanged_start = current is not None and current.starts_at == starts_at
    if starts_at < now - CLOCK_SKEW and not unchanged_start:
        problems.append(_("The notice cannot start in the past: choose a start from now on."))
    n = call.notice_min_workdays
    minimum = earliest_end(starts_at, n)
    if ends_at < minimum:
        problems.append(
            _(
                "The notice lasts at least %(n)d working days: from this start it ends on "
                "%(end)s at the earliest."
            )
            % {"n": n, "end": timezone.localtime(minimum).strftime("%Y-%m-%d %H:%M")}
        )
    return problems


def refuse_bad_period(
    *,
    call: Call,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    current: Notice | None,
    now: dt.datetime | None = None,
) -> None:
    problems = period_problems(
        call=call, starts_at=starts_at, ends_at=ends_at, current=current, now=now
    )
    if problems:
        raise ValidationError(problems)


@dataclass
class ObjectionFlags:
    anonymous: bool
    late: bool
    accepted: bool
    answer: str  # the reason it is not accepted, recorded as its answer


def objection_flags(
    *, notice: Notice, submitter: str, unit: str, contact: str, received_at: dt.datetime
) -> ObjectionFlags:
    """The flags of a new objection: anonymous (without a name, unit and contact) or late
    (received after the notice ended); either is recorded but not accepted, with the reason as
    its answer."""
    anonymous = not (submitter.strip() and unit.strip() and contact.strip())
    late = received_at > notice.ends_at
    reasons = []
    if anonymous:
        reasons.append(
            _("Not accepted: an objection must give the name, unit and contact of its author.")
        )
    if late:
        reasons.append(_("Not accepted: received after the notice period ended."))
    return ObjectionFlags(anonymous, late, not reasons, " ".join(reasons))


def waiting_objections(notice: Notice) -> int:
    return Objection.objects.filter(notice=notice, answer="").count()
