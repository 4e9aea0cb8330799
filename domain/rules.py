"""The rule table (legal clocks and thresholds) and the pure functions that count with it.

Data lives in ``rules.toml`` (one entry per DEADLINES.md rule) and ``defaults.toml`` (office hours,
warning leads, per-district thresholds); an operator's config file overrides either without code.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.calendar import SHANGHAI, DayCount, WorkCalendar, at_local

HERE = Path(__file__).parent


class Unit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MONTHS = "months"
    YEARS = "years"
    DAYS_BEFORE = "days_before"  # counted back from an event (the hearing)
    ON_DATE = "on_date"  # a date set by an act (agreement, order)


class Ends(StrEnum):
    CLOSE = "close"  # close of business: an act done at an office
    MIDNIGHT = "midnight"


class Extension(BaseModel):
    length: int
    unit: Unit


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    title_en: str
    length: int
    unit: Unit
    ends: Ends | None = None
    starts: str
    on_lapse: str  # escalate | inform | none
    leads_to: str
    responsible: str  # an Agency value, or "party"
    source: str
    mark: str
    note: str | None = None
    kind: str = "clock"  # clock | threshold | event_rule
    extension: Extension | None = None
    warn_before_hours: float | None = None

    @property
    def end_of_day(self) -> Ends:
        if self.ends:
            return self.ends
        return Ends.CLOSE if self.unit in (Unit.SAME_DAY, Unit.WORKING_DAYS) else Ends.MIDNIGHT

    def describe(self) -> str:
        """The length in words, e.g. '15 calendar_days (+15)'."""
        ext = f" (+{self.extension.length})" if self.extension else ""
        return f"{self.length} {self.unit.value}{ext}"


class DistrictRules(BaseModel):
    minimum_wage: Decimal
    malicious_single: Decimal
    malicious_group: Decimal
    major_amount: Decimal
    major_workers: int
    group_workers: int


class Settings(BaseModel):
    """Everything an operator may configure; see defaults.toml."""

    office_close: time
    warn_hours: dict[str, float]
    rules: dict[str, Rule]
    districts: dict[str, DistrictRules]
    calendar: WorkCalendar

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule {rule_id!r}") from None

    def district(self, code: str) -> DistrictRules:
        return self.districts.get(code) or self.districts["default"]

    def warn_lead(self, rule: Rule) -> timedelta:
        if rule.warn_before_hours is not None:
            return timedelta(hours=rule.warn_before_hours)
        hours = self.warn_hours.get(rule.unit.value, self.warn_hours["default"])
        return timedelta(hours=hours)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def config_path() -> Path | None:
    """The operator's config file: $WEIQUAN_CONFIG, else ./weiquan.toml when present."""
    env = os.environ.get("WEIQUAN_CONFIG")
    if env:
        return Path(env)
    local = Path("weiquan.toml")
    return local if local.exists() else None


def load_settings(path: Path | None = None, *, calendar_file: Path | None = None) -> Settings:
    data = tomllib.loads((HERE / "defaults.toml").read_text(encoding="utf-8"))
    data["rules"] = tomllib.loads((HERE / "rules.toml").read_text(encoding="utf-8"))["rules"]
    user_dir = HERE
    if path is not None:
        data = _merge(data, tomllib.loads(path.read_text(encoding="utf-8")))
        user_dir = path.parent
    default_district = data["districts"]["default"]
    districts = {code: DistrictRules(**_merge(default_district, t)) for code, t in data["districts"].items()}
    override = calendar_file or (user_dir / data["calendar"]["override_file"])
    if not override.exists():
        override = HERE / data["calendar"]["override_file"]
    return Settings(
        office_close=time.fromisoformat(data["office"]["close"]),
        warn_hours=data["warnings"],
        rules={rid: Rule(id=rid, **spec) for rid, spec in data["rules"].items()},
        districts=districts,
        calendar=WorkCalendar.load(override),
    )


@cache
def settings() -> Settings:
    """The process-wide settings (activities and CLI); workflows never call this."""
    return load_settings(config_path())


class Due(BaseModel):
    """A computed deadline: the due moment, when to warn, and whether it is provisional."""

    due: datetime
    warn_at: datetime | None
    provisional: bool
    length: int


def _end_moment(rule: Rule, settings: Settings, day: date) -> datetime:
    close = settings.office_close if rule.end_of_day == Ends.CLOSE else time(0, 0)
    return at_local(day, close)


def count_forward(cal: WorkCalendar, unit: Unit, start: date, n: int) -> DayCount:
    """Add ``n`` units of a day-based rule to ``start`` under the counting rules."""
    if unit == Unit.WORKING_DAYS:
        return cal.add_workdays(start, n)
    if unit == Unit.CALENDAR_DAYS:
        return cal.add_days(start, n)
    if unit == Unit.MONTHS:
        return cal.add_months(start, n)
    if unit == Unit.YEARS:
        return cal.add_months(start, 12 * n)
    raise ValueError(f"{unit} is not counted forward from a day")


def compute_due(
    rule: Rule,
    start: datetime,
    settings: Settings,
    *,
    length: int | None = None,
    on_date: date | None = None,
) -> Due:
    """When a clock of ``rule`` started at ``start`` falls due.

    ``length`` overrides the rule's length (resume with the remaining units, extensions);
    ``on_date`` is the act's own date (on_date rules) or the event counted back from (days_before).
    """
    cal = settings.calendar
    n = rule.length if length is None else length
    local_day = start.astimezone(SHANGHAI).date()
    if rule.unit == Unit.HOURS:
        due = start + timedelta(hours=n)
        provisional = cal.is_workday(due.astimezone(SHANGHAI).date())[1]
    elif rule.unit == Unit.SAME_DAY:
        count = cal.same_day(start)
        due, provisional = _end_moment(rule, settings, count.day), count.provisional
    elif rule.unit == Unit.ON_DATE:
        if on_date is None:
            raise ValueError(f"rule {rule.id} needs the act's date")
        due, provisional = at_local(on_date, time(0, 0)), cal.is_workday(on_date)[1]
    elif rule.unit == Unit.DAYS_BEFORE:
        if on_date is None:
            raise ValueError(f"rule {rule.id} needs the event it counts back from")
        day = on_date - timedelta(days=n)
        due, provisional = _end_moment(rule, settings, day), cal.is_workday(day)[1]
    else:
        count = count_forward(cal, rule.unit, local_day, n)
        due, provisional = _end_moment(rule, settings, count.day), count.provisional
    warn_at = due - settings.warn_lead(rule)
    return Due(due=due, warn_at=warn_at if warn_at > start else None, provisional=provisional, length=n)


def remaining_units(rule: Rule, at: datetime, due: datetime, settings: Settings) -> int:
    """Whole units of ``rule`` left between ``at`` and ``due`` (for resuming a paused clock)."""
    if rule.unit == Unit.HOURS:
        return max(0, int((due - at).total_seconds() // 3600))
    start_day = at.astimezone(SHANGHAI).date()
    # A due moment at 24:00 is represented as 00:00 the next day: its last day is the day before.
    due_local = due.astimezone(SHANGHAI)
    last_day = due_local.date() - timedelta(days=1) if due_local.time() == time(0, 0) else due_local.date()
    if rule.unit == Unit.WORKING_DAYS:
        return settings.calendar.workdays_between(start_day, last_day)
    if rule.unit in (Unit.CALENDAR_DAYS, Unit.MONTHS, Unit.YEARS):
        return max(0, (last_day - start_day).days)
    return 0


def extended_due(rule: Rule, due: datetime, settings: Settings) -> Due:
    """The due moment after the rule's single extension, counted on from the current due day."""
    if rule.extension is None:
        raise ValueError(f"rule {rule.id} has no extension")
    due_local = due.astimezone(SHANGHAI)
    last_day = due_local.date() - timedelta(days=1) if due_local.time() == time(0, 0) else due_local.date()
    count = count_forward(settings.calendar, rule.extension.unit, last_day, rule.extension.length)
    new_due = _end_moment(rule, settings, count.day)
    warn_at = new_due - settings.warn_lead(rule)
    return Due(due=new_due, warn_at=warn_at, provisional=count.provisional, length=rule.length + rule.extension.length)
