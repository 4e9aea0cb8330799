"""The Chinese working-day calendar and the counting rules of DEADLINES.md (pure functions).

Working days: weekdays that are not statutory holidays, plus adjusted working weekends (调休).
Data: ``chinesecalendar`` for the years it covers, and an override file for newer years. Outside the
data the rest days are the weekends and the holidays fixed by national regulation
(domain/statutory_holidays.py); the 调休 is unknown, so such a result is *provisional* and says so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from domain.statutory_holidays import statutory_holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DayCount:
    """A computed date and whether any day on the way fell outside the holiday data."""

    day: date
    provisional: bool = False


@dataclass
class WorkCalendar:
    """Holiday data: chinesecalendar plus overrides ({date: is_workday}) for listed years."""

    overrides: dict[date, bool] = field(default_factory=dict)
    override_years: frozenset[int] = frozenset()

    @classmethod
    def load(cls, path: Path | None) -> WorkCalendar:
        """Read an override file: one table per year with ``holidays`` and ``workdays`` lists."""
        if path is None or not path.exists():
            return cls()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        overrides: dict[date, bool] = {}
        years: set[int] = set()
        for year, table in data.get("years", {}).items():
            years.add(int(year))
            for day in table.get("holidays", []):
                overrides[date.fromisoformat(str(day))] = False
            for day in table.get("workdays", []):
                overrides[date.fromisoformat(str(day))] = True
        return cls(overrides, frozenset(years))

    def with_years(self, years: dict[int, dict[date, bool]]) -> WorkCalendar:
        """This calendar with whole years replaced ({year: {day: is_workday}} for every day, e.g. a
        loaded notice): those years' answers are final, whatever the package or override file said."""
        overrides = {d: w for d, w in self.overrides.items() if d.year not in years}
        for days in years.values():
            overrides.update(days)
        return WorkCalendar(overrides, self.override_years | frozenset(years))

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, provisional). Listed days win; a listed year needs no package data;
        outside all data weekends and the statutory holidays rest, and the answer is provisional."""
        if day in self.overrides:
            return self.overrides[day], False
        try:
            return bool(chinese_calendar.is_workday(day)), False
        except NotImplementedError:
            works = day.weekday() < 5 and day not in statutory_holidays(day.year)
            return works, day.year not in self.override_years

    def next_workday(self, day: date, *, include: bool) -> DayCount:
        """The first working day from ``day`` (itself when ``include`` and it is one)."""
        provisional = False
        current = day if include else day + timedelta(days=1)
        while True:
            works, prov = self.is_workday(current)
            provisional |= prov
            if works:
                return DayCount(current, provisional)
            current += timedelta(days=1)

    def add_workdays(self, start: date, n: int) -> DayCount:
        """The n-th working day after ``start`` (the start day itself is not counted)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        provisional = False
        current = start
        for _ in range(n):
            step = self.next_workday(current, include=False)
            current, provisional = step.day, provisional or step.provisional
        return DayCount(current, provisional)

    def add_days(self, start: date, n: int) -> DayCount:
        """n calendar days after ``start``; a last day on a rest day rolls to the next working day
        (CPL Art 85, 民法典 Art 203)."""
        end = start + timedelta(days=n)
        return self.next_workday(end, include=True)

    def add_months(self, start: date, months: int) -> DayCount:
        """The corresponding day ``months`` later (month end when there is none, 民法典 Art 202),
        rolled like a day period."""
        return self.next_workday(shift_months(start, months), include=True)

    def same_day(self, moment: datetime, close: time | None = None) -> DayCount:
        """The working day by whose close a same-day duty is due: the day itself, or the next
        working day when raised on a rest day or (given the office's ``close``) after closing time."""
        local = moment.astimezone(SHANGHAI)
        after_hours = close is not None and close != time(0, 0) and local.time() >= close
        return self.next_workday(local.date(), include=not after_hours)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)[0]
        return count


def shift_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day when it has none."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def at_local(day: date, clock: time) -> datetime:
    """A wall-clock moment in Shanghai on ``day``; 24:00 is represented as 00:00 the next day."""
    if clock == time(0, 0):
        return datetime.combine(day + timedelta(days=1), time(0, 0), SHANGHAI)
    return datetime.combine(day, clock, SHANGHAI)


PROVISIONAL = {"zh": "（暂定）", "en": " (provisional)"}


def local_text(moment: datetime, provisional: bool = False, lang: str = "zh") -> str:
    """'2026-12-01 17:30' in Shanghai time; '（暂定）' marks a date computed past the holiday data."""
    local = moment.astimezone(SHANGHAI)
    if local.time() == time(0, 0):  # a period ending at 24:00 shows on its own last day
        text = (local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    else:
        text = local.strftime("%Y-%m-%d %H:%M")
    return text + PROVISIONAL[lang] if provisional else text


def last_day(due: datetime) -> date:
    """The calendar day a due moment closes (24:00 is stored as 00:00 of the next day)."""
    local = due.astimezone(SHANGHAI)
    return local.date() - timedelta(days=1) if local.time() == time(0, 0) else local.date()
