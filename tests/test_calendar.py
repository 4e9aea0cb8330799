"""The working-day calendar and DEADLINES.md's counting rules: worked examples, holiday edges,
the override file, and properties that must hold for any start and length."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import SHANGHAI, DayCount, WorkCalendar, at_local, last_day, local_text

CAL = WorkCalendar()
D = date.fromisoformat


def sh(text: str) -> datetime:
    """A Shanghai wall-clock moment, e.g. '2026-11-29 10:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# ---- DEADLINES.md's worked examples ---------------------------------------------------------------

def test_worked_examples() -> None:
    assert CAL.add_days(D("2026-09-18"), 15).day == D("2026-10-08")  # 10-03 is a holiday: rolls past 10-07
    assert CAL.add_days(D("2026-09-25"), 15).day == D("2026-10-10")  # an adjusted working Saturday
    assert CAL.add_workdays(D("2026-09-30"), 5).day == D("2026-10-13")


# ---- holiday edges --------------------------------------------------------------------------------

def test_spring_festival_2026_and_its_adjusted_saturdays() -> None:
    assert CAL.is_workday(D("2026-02-14")) == (True, False)  # Saturday, worked before the holiday
    assert CAL.is_workday(D("2026-02-28")) == (True, False)  # Saturday, worked after it
    assert all(not CAL.is_workday(D("2026-02-15") + timedelta(days=i))[0] for i in range(9))  # 02-15..02-23
    # Working days: Fri 02-13, Sat 02-14 (adjusted), then the holiday, then 02-24, 25, 26.
    assert CAL.add_workdays(D("2026-02-12"), 5).day == D("2026-02-26")
    assert CAL.add_workdays(D("2026-02-27"), 1).day == D("2026-02-28")
    # Calendar days ending inside the holiday roll to the first working day after it.
    assert CAL.add_days(D("2026-02-05"), 10).day == D("2026-02-24")
    assert CAL.add_days(D("2026-02-13"), 15).day == D("2026-02-28")  # ends on the adjusted Saturday


def test_national_day_2026() -> None:
    assert CAL.is_workday(D("2026-09-20")) == (True, False)  # Sunday worked for National Day
    assert CAL.is_workday(D("2026-10-10")) == (True, False)  # Saturday worked
    assert not any(CAL.is_workday(D("2026-10-01") + timedelta(days=i))[0] for i in range(7))
    assert CAL.add_workdays(D("2026-09-18"), 1).day == D("2026-09-20")
    assert CAL.add_days(D("2026-09-30"), 1).day == D("2026-10-08")


def test_period_starting_on_a_rest_day() -> None:
    # Mid-autumn Saturday: the start day is excluded whatever it is; counting begins on the next day.
    assert CAL.add_workdays(D("2026-09-26"), 5).day == D("2026-10-09")
    assert CAL.add_days(D("2026-10-03"), 7).day == D("2026-10-10")
    assert CAL.add_days(D("2026-10-04"), 3).day == D("2026-10-08")
    assert CAL.add_workdays(D("2026-11-29"), 1).day == D("2026-11-30")  # from a Sunday


@pytest.mark.parametrize("raised, due", [
    ("2026-11-29 10:00", "2026-11-30"),  # a Sunday: by close of Monday
    ("2026-10-03 09:00", "2026-10-08"),  # inside National Day
    ("2026-09-20 09:00", "2026-09-20"),  # an adjusted working Sunday is a working day
    ("2026-11-30 09:00", "2026-11-30"),  # a Monday morning: that day
    ("2026-11-30 18:00", "2026-12-01"),  # after closing time: the next working day
    ("2026-10-09 17:30", "2026-10-10"),  # at closing time on a Friday: the adjusted Saturday
])
def test_same_day_duty(raised: str, due: str) -> None:
    assert CAL.same_day(sh(raised), time(17, 30)).day == D(due)


def test_crossing_into_2027_is_provisional() -> None:
    assert CAL.add_workdays(D("2026-12-28"), 5) == DayCount(D("2027-01-05"), provisional=True)  # 01-01 rests
    assert CAL.add_days(D("2026-12-20"), 15).provisional  # 2027-01-04
    assert CAL.is_workday(D("2027-01-01")) == (False, True)  # 元旦 by regulation, flagged
    assert not CAL.add_days(D("2026-12-01"), 10).provisional
    assert not CAL.add_workdays(D("2026-12-01"), 10).provisional


def test_months_take_the_corresponding_day() -> None:
    assert CAL.add_months(D("2026-07-15"), 3).day == D("2026-10-15")
    assert CAL.add_months(D("2026-07-03"), 3).day == D("2026-10-08")  # 10-03 a holiday
    assert CAL.add_months(D("2026-01-31"), 1).day == D("2026-02-28")  # no 31st: month end (a worked Saturday)
    assert CAL.add_months(D("2025-10-01"), 12).day == D("2026-10-08")
    assert CAL.add_months(D("2024-02-29"), 12).day == D("2025-02-28")


def test_24_hours_and_close_of_business_moments() -> None:
    assert at_local(D("2026-10-08"), time(0, 0)) == sh("2026-10-09 00:00")
    assert local_text(sh("2026-10-09 00:00")) == "2026-10-08 24:00"
    assert local_text(at_local(D("2026-10-08"), time(17, 30))) == "2026-10-08 17:30"
    assert local_text(sh("2027-01-05 00:00"), provisional=True) == "2027-01-04 24:00（暂定）"
    assert local_text(sh("2027-01-05 00:00"), True, "en") == "2027-01-04 24:00 (provisional)"
    assert last_day(sh("2026-10-09 00:00")) == D("2026-10-08")
    assert last_day(sh("2026-10-08 17:30")) == D("2026-10-08")


def test_workdays_between() -> None:
    assert CAL.workdays_between(D("2026-09-30"), D("2026-10-13")) == 5
    assert CAL.workdays_between(D("2026-10-13"), D("2026-09-30")) == 0


# ---- the override file ----------------------------------------------------------------------------

def test_override_file_adds_a_year_and_corrects_a_covered_one(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-09"]\n'
        '[years.2026]\nholidays = [2026-12-31]\n', encoding="utf-8")
    cal = WorkCalendar.load(path)
    # 2027 is now data: no longer provisional, and its listed days count (12-29, 12-30, 01-04, 01-05, 01-06).
    assert cal.add_workdays(D("2026-12-28"), 5) == DayCount(D("2027-01-06"), provisional=False)
    assert cal.is_workday(D("2027-01-09")) == (True, False)  # a (fictional) worked Saturday
    assert cal.is_workday(D("2027-01-10")) == (False, False)
    assert cal.is_workday(D("2028-01-03"))[1]  # still past the data
    # A correction to a year the package covers leaves the package's other days alone.
    assert cal.is_workday(D("2026-12-31")) == (False, False)
    assert cal.is_workday(D("2026-10-01")) == (False, False)
    assert cal.is_workday(D("2026-10-10")) == (True, False)
    assert WorkCalendar.load(tmp_path / "missing.toml") == WorkCalendar()


# ---- properties -----------------------------------------------------------------------------------

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31))
lengths = st.integers(min_value=0, max_value=60)
fast = settings(max_examples=150, deadline=None)


@fast
@given(starts, st.integers(min_value=1, max_value=60))
def test_working_days_never_land_on_a_rest_day(start: date, n: int) -> None:
    end = CAL.add_workdays(start, n)
    assert CAL.is_workday(end.day)[0]
    assert end.day > start
    assert CAL.workdays_between(start, end.day) == n


@fast
@given(starts, lengths, lengths)
def test_working_days_add_up(start: date, a: int, b: int) -> None:
    first = CAL.add_workdays(start, a)
    both = CAL.add_workdays(start, a + b)
    assert CAL.add_workdays(first.day, b).day == both.day
    assert first.day <= both.day  # monotone in the length


@fast
@given(starts, starts, lengths)
def test_working_days_are_monotone_in_the_start(s1: date, s2: date, n: int) -> None:
    early, late = sorted((s1, s2))
    assert CAL.add_workdays(early, n).day <= CAL.add_workdays(late, n).day


@fast
@given(starts, lengths)
def test_a_calendar_period_ends_on_the_first_working_day_from_its_last_day(start: date, n: int) -> None:
    end = CAL.add_days(start, n).day
    assert CAL.is_workday(end)[0]
    nominal = start + timedelta(days=n)
    assert end >= nominal
    assert all(not CAL.is_workday(nominal + timedelta(days=i))[0] for i in range((end - nominal).days))


@fast
@given(starts, st.integers(min_value=1, max_value=24))
def test_a_months_period_never_ends_on_a_rest_day(start: date, months: int) -> None:
    assert CAL.is_workday(CAL.add_months(start, months).day)[0]


@fast
@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 31)), st.integers(min_value=0, max_value=40))
def test_inside_the_data_nothing_is_provisional(start: date, n: int) -> None:
    assert not CAL.add_workdays(start, n).provisional
    assert not CAL.add_days(start, n).provisional
