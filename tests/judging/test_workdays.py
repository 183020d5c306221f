"""Working days on the announced calendars (State Council notices for 2025 and 2026): the
Spring Festival, National Day and the adjusted working weekends (调休); the organizer's override
wins over the library."""

from datetime import date

import pytest

from judging import workdays
from tests.factories import WorkCalendarDayFactory

pytestmark = pytest.mark.django_db


def test_spring_festival_2026_is_off_and_its_saturdays_work():
    # 2026: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
    assert [workdays.is_workday(date(2026, 2, d)) for d in (13, 14, 15, 16, 23, 24, 28)] == [
        True,
        True,
        False,
        False,
        False,
        True,
        True,
    ]


def test_national_day_2025_and_its_adjusted_weekends():
    # 2025: 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
    assert workdays.is_workday(date(2025, 9, 28)) is True
    assert workdays.is_workday(date(2025, 10, 1)) is False
    assert workdays.is_workday(date(2025, 10, 8)) is False
    assert workdays.is_workday(date(2025, 10, 9)) is True
    assert workdays.is_workday(date(2025, 10, 11)) is True
    assert workdays.is_workday(date(2025, 10, 12)) is False


def test_spring_festival_2025():
    # 2025: 1月28日至2月4日放假；1月26日（周日）、2月8日（周六）上班。
    assert workdays.is_workday(date(2025, 1, 26)) is True
    assert workdays.is_workday(date(2025, 1, 28)) is False
    assert workdays.is_workday(date(2025, 2, 4)) is False
    assert workdays.is_workday(date(2025, 2, 8)) is True


def test_five_working_days_across_the_2026_spring_festival():
    # From Thursday 12 Feb: 13, 14 (adjusted Saturday), 24, 25, 26.
    assert workdays.add_workdays(date(2026, 2, 12), 5) == date(2026, 2, 26)
    assert workdays.workdays_between(date(2026, 2, 12), date(2026, 2, 26)) == 6


def test_five_working_days_across_national_day_2025():
    # From Friday 26 Sep: 28 (Sunday, worked), 29, 30, then 9 and 10 Oct.
    assert workdays.add_workdays(date(2025, 9, 26), 5) == date(2025, 10, 10)
    assert workdays.workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0


def test_a_notice_starting_on_a_working_day_counts_it():
    # Monday 2 Mar 2026 + 5 working days: 2–6 March.
    assert workdays.notice_last_day(date(2026, 3, 2), 5) == date(2026, 3, 6)
    # Starting on Sunday 1 Mar: Monday to Friday too.
    assert workdays.notice_last_day(date(2026, 3, 1), 5) == date(2026, 3, 6)


def test_override_wins_over_the_library():
    WorkCalendarDayFactory(date=date(2026, 3, 4), is_workday=False, note="地方假日")
    WorkCalendarDayFactory(date=date(2026, 3, 7), is_workday=True, note="调休上班")
    assert workdays.is_workday(date(2026, 3, 4)) is False
    assert workdays.is_workday(date(2026, 3, 7)) is True
    assert workdays.notice_last_day(date(2026, 3, 2), 5) == date(2026, 3, 7)


def test_a_year_the_library_does_not_know_counts_weekdays_and_overrides():
    assert workdays.library_knows(2026) is True
    assert workdays.library_knows(2031) is False
    WorkCalendarDayFactory(date=date(2031, 1, 1), is_workday=False, note="元旦")
    # Wednesday 1 Jan 2031 off by the override; 2, 3, 6, 7, 8 January.
    assert workdays.add_workdays(date(2030, 12, 31), 5) == date(2031, 1, 8)
