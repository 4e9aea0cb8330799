"""The holiday calendar as versioned data: each year's notice stored as a revision, and the calendar
clocks count with — the packaged data (chinesecalendar and the override file) overlaid with the
newest revision of each year."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func
from sqlmodel import col, select

from domain.calendar import SHANGHAI, WorkCalendar
from domain.holiday_notice import HolidayNotice
from domain.rules import Settings
from registry.store import Registry
from registry.tables import CalendarRevision, DeadlineRecord

# Clocks whose due moment a calendar change can move (a lapsed one has had its effect).
REDERIVABLE_STATES = ("running", "warning", "paused")


def to_notice(row: CalendarRevision) -> HolidayNotice:
    return HolidayNotice(row.year, tuple(date.fromisoformat(d) for d in row.holidays),
                         tuple(date.fromisoformat(d) for d in row.workdays), row.notice)


def latest(registry: Registry) -> dict[int, CalendarRevision]:
    """The newest revision of each year."""
    with registry.session() as s:
        rows = s.exec(select(CalendarRevision).order_by(col(CalendarRevision.id))).all()
    return {row.year: row for row in rows}


def history(registry: Registry, year: int) -> list[CalendarRevision]:
    with registry.session() as s:
        return list(s.exec(select(CalendarRevision).where(CalendarRevision.year == year)
                           .order_by(col(CalendarRevision.id))).all())


def newest_id(registry: Registry) -> int:
    with registry.session() as s:
        return s.exec(select(func.max(CalendarRevision.id))).one() or 0


def overlay(calendar: WorkCalendar, revisions: dict[int, CalendarRevision]) -> WorkCalendar:
    return calendar.with_years({year: to_notice(row).days() for year, row in revisions.items()})


@dataclass(frozen=True)
class Stored:
    revision: CalendarRevision
    created: bool  # False: the year's newest revision already said exactly this
    changed: list[date]  # days whose answer (working day, provisional) the revision changed


def store(registry: Registry, notice: HolidayNotice, source: str, base: WorkCalendar) -> Stored:
    """Store ``notice`` as a new revision of its year (``base``: the packaged calendar)."""
    with registry.writing() as s:
        rows = {row.year: row for row in s.exec(select(CalendarRevision).order_by(col(CalendarRevision.id)))}
        before = overlay(base, rows)
        current = rows.get(notice.year)
        holidays = [d.isoformat() for d in notice.holidays]
        workdays = [d.isoformat() for d in notice.workdays]
        if current is not None and (current.holidays, current.workdays) == (holidays, workdays):
            return Stored(current, False, [])
        row = CalendarRevision(year=notice.year, notice=notice.notice, holidays=holidays, workdays=workdays,
                               source=source, loaded_at=datetime.now(UTC))
        s.add(row)
        s.commit()
        s.refresh(row)
    after = before.with_years({notice.year: notice.days()})
    changed = [d for d in notice.days() if before.is_workday(d) != after.is_workday(d)]
    return Stored(row, True, changed)


def affected_scopes(registry: Registry, changed: list[date]) -> list[str]:
    """Cases and meetings with a clock a change of these days can move: one still counting (or
    paused) whose due moment is not before the first changed day."""
    if not changed:
        return []
    since = datetime.combine(min(changed), time(0, 0), SHANGHAI).astimezone(UTC)
    with registry.session() as s:
        return sorted(s.exec(select(DeadlineRecord.case_number).distinct().where(
            col(DeadlineRecord.state).in_(REDERIVABLE_STATES), DeadlineRecord.due >= since)).all())


class LiveCalendar:
    """The settings activities count with: the process's own, with the calendar overlaid by the
    registry's revisions. One cheap query per use tells whether a new revision arrived."""

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry, self.base = registry, settings
        self._lock = threading.Lock()
        self._seen, self._settings = 0, settings

    def settings(self) -> tuple[Settings, int]:
        """The settings to count with and the calendar revision they include (0: none loaded)."""
        newest = newest_id(self.registry)
        with self._lock:
            if newest != self._seen:
                calendar = overlay(self.base.calendar, latest(self.registry))
                self._settings = self.base.model_copy(update={"calendar": calendar})
                self._seen = newest
            return self._settings, self._seen
