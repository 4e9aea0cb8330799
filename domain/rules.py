"""The rule table (legal clocks and thresholds) and the pure functions that count with it.

Data lives in ``rules.toml`` (one entry per DEADLINES.md rule) and ``defaults.toml`` (office hours,
warning leads, per-district thresholds); an operator's config file overrides either without code.
"""

from __future__ import annotations

import math
import os
import tomllib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.calendar import SHANGHAI, DayCount, WorkCalendar, at_local, last_day, shift_months

HERE = Path(__file__).parent


class Unit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MONTHS = "months"
    YEARS = "years"
    DAYS_BEFORE = "days_before"  # counted back from an event (the hearing)
    WORKING_DAYS_BEFORE = "working_days_before"  # the same, counting working days only
    ON_DATE = "on_date"  # a date set by an act (agreement, order)
    MINUTES = "minutes"  # what remains of a paused hours clock


# Periods counted over the calendar's days: a calendar revision can move their due moment.
DAY_COUNTED = frozenset({Unit.SAME_DAY, Unit.WORKING_DAYS, Unit.CALENDAR_DAYS, Unit.MONTHS, Unit.YEARS})

# How a remaining length reads in the event log: 3个工作日, 12日, 90分钟.
UNIT_WORDS = {Unit.WORKING_DAYS: "个工作日", Unit.CALENDAR_DAYS: "日", Unit.HOURS: "小时", Unit.MINUTES: "分钟",
              Unit.MONTHS: "个月", Unit.YEARS: "年", Unit.DAYS_BEFORE: "日", Unit.WORKING_DAYS_BEFORE: "个工作日"}
UNIT_WORDS_EN = {Unit.WORKING_DAYS: "working days", Unit.CALENDAR_DAYS: "days", Unit.HOURS: "hours",
                 Unit.MINUTES: "minutes", Unit.MONTHS: "months", Unit.YEARS: "years", Unit.DAYS_BEFORE: "days",
                 Unit.WORKING_DAYS_BEFORE: "working days"}


def period_text(length: int, unit: Unit, lang: str = "zh") -> str:
    """A period in words: 15日, 3个工作日, 24小时, 2年 / 15 days; 当日 for a same-day duty."""
    if unit == Unit.SAME_DAY:
        return "当日" if lang == "zh" else "the same day"
    if unit == Unit.ON_DATE:
        return "至指定日期" if lang == "zh" else "by the set date"
    return f"{length}{UNIT_WORDS[unit]}" if lang == "zh" else f"{length} {UNIT_WORDS_EN[unit]}"


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
    # A party's window: the only unit that may pause, resume, restart or extend it (顺延, CPL Art 86),
    # the body before which the window runs (an Agency value: court, arbitration, inspection, union).
    granted_by: str | None = None

    @property
    def end_of_day(self) -> Ends:
        if self.ends:
            return self.ends
        return Ends.CLOSE if self.unit in (Unit.SAME_DAY, Unit.WORKING_DAYS) else Ends.MIDNIGHT

    def period_text(self, lang: str = "zh") -> str:
        """The rule's period as staff read it (what an operator's override changes): '15日'."""
        return period_text(self.length, self.unit, lang)

    def extension_text(self, lang: str = "zh") -> str:
        """The longest extension in words ('30个工作日'), or '' when the rule has none."""
        return period_text(self.extension.length, self.extension.unit, lang) if self.extension else ""

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
    """Built-in defaults and rules, overridden by the operator's file (tables merge key by key).

    The holiday override file is ``calendar_file``, else the config's ``[calendar] override_file``
    (relative to the config file), else the packaged one. A file named explicitly must exist.
    """
    data = tomllib.loads((HERE / "defaults.toml").read_text(encoding="utf-8"))
    data["rules"] = tomllib.loads((HERE / "rules.toml").read_text(encoding="utf-8"))["rules"]
    override = HERE / data["calendar"]["override_file"]
    if path is not None:
        user = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = sorted(set(user.get("rules", {})) - set(data["rules"]))
        if unknown:
            raise ValueError(f"{path}: unknown rule id(s) {', '.join(unknown)}")
        data = _merge(data, user)
        if "override_file" in user.get("calendar", {}):
            override = path.parent / user["calendar"]["override_file"]
            if not override.exists():
                raise FileNotFoundError(f"{path}: calendar override file {override} does not exist")
    if calendar_file is not None:
        if not calendar_file.exists():
            raise FileNotFoundError(f"calendar override file {calendar_file} does not exist")
        override = calendar_file
    default_district = data["districts"]["default"]
    districts = {code: DistrictRules(**_merge(default_district, t)) for code, t in data["districts"].items()}
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
    """A computed deadline: the due moment, when to warn, and whether it is provisional.

    ``length`` and ``unit`` are the period actually counted (a resumed months period counts days).
    """

    due: datetime
    warn_at: datetime | None
    provisional: bool
    length: int
    unit: Unit


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


def count_back_workdays(cal: WorkCalendar, event: date, n: int) -> DayCount:
    """The day by which a duty "n working days before ``event``" is done: n working days lie
    between it and the event (the event's own day not counted)."""
    day, provisional, seen = event, False, 0
    while seen < n:
        day -= timedelta(days=1)
        works, prov = cal.is_workday(day)
        seen, provisional = seen + works, provisional or prov
    return DayCount(day, provisional)


def nominal_end(unit: Unit, start: date, n: int) -> date:
    """The last day of a calendar period before any roll past rest days (no holiday data needed)."""
    if unit == Unit.CALENDAR_DAYS:
        return start + timedelta(days=n)
    if unit in (Unit.MONTHS, Unit.YEARS):
        return shift_months(start, n * (12 if unit == Unit.YEARS else 1))
    raise ValueError(f"{unit} has no calendar end")


def compute_due(
    rule: Rule,
    start: datetime,
    settings: Settings,
    *,
    length: int | None = None,
    unit: Unit | None = None,
    on_date: date | None = None,
) -> Due:
    """When a clock of ``rule`` started at ``start`` falls due.

    ``length``/``unit`` override the rule's period (resuming with what remained, extensions);
    ``on_date`` is the act's own date (on_date rules), the event counted back from (days_before),
    or, for a forward period, the day it counts from when that is not the day it was started
    (CPL Art 250: from the last day of performance, known only once that day has passed).
    Only periods counted over the holiday data can be provisional.
    """
    cal = settings.calendar
    unit = unit or rule.unit
    n = rule.length if length is None else length
    provisional = False
    if unit in (Unit.HOURS, Unit.MINUTES):
        due = start + (timedelta(hours=n) if unit == Unit.HOURS else timedelta(minutes=n))
    elif unit == Unit.SAME_DAY:
        count = cal.same_day(start, settings.office_close)
        due, provisional = _end_moment(rule, settings, count.day), count.provisional
    elif unit == Unit.ON_DATE:
        if on_date is None:
            raise ValueError(f"rule {rule.id} needs the act's date")
        due = at_local(on_date, time(0, 0))
    elif unit in (Unit.DAYS_BEFORE, Unit.WORKING_DAYS_BEFORE):
        if on_date is None:
            raise ValueError(f"rule {rule.id} needs the event it counts back from")
        day = on_date - timedelta(days=n)
        if unit == Unit.WORKING_DAYS_BEFORE:
            count = count_back_workdays(cal, on_date, n)
            day, provisional = count.day, count.provisional
        due = _end_moment(rule, settings, day)
    else:
        count = count_forward(cal, unit, on_date or start.astimezone(SHANGHAI).date(), n)
        due, provisional = _end_moment(rule, settings, count.day), count.provisional
    warn_at = due - settings.warn_lead(rule)
    return Due(due=due, warn_at=warn_at if warn_at > start else None, provisional=provisional, length=n,
               unit=unit)


def remaining_period(rule: Rule, settings: Settings, *, at: datetime, due: datetime, start: datetime,
                     length: int | None = None, unit: Unit | None = None) -> tuple[int, Unit] | None:
    """What is left of the period (started at ``start``, due at ``due``) when paused at ``at``.

    Working days left are counted to the due day; calendar periods to their nominal end (the days a
    rest day added at the end are not time the law gave), in days, since a resumed period of months
    no longer starts on a corresponding day. None: the clock is fixed by a date or the same day,
    and resuming computes it afresh.
    """
    unit = unit or rule.unit
    n = rule.length if length is None else length
    if unit in (Unit.HOURS, Unit.MINUTES):
        return max(0, math.ceil((due - at).total_seconds() / 60)), Unit.MINUTES
    paused_on = at.astimezone(SHANGHAI).date()
    if unit == Unit.WORKING_DAYS:
        return settings.calendar.workdays_between(paused_on, last_day(due)), Unit.WORKING_DAYS
    if unit in (Unit.CALENDAR_DAYS, Unit.MONTHS, Unit.YEARS):
        end = nominal_end(unit, start.astimezone(SHANGHAI).date(), n)
        return max(0, (end - paused_on).days), Unit.CALENDAR_DAYS
    return None


def extended_due(rule: Rule, start: datetime, settings: Settings, *, length: int | None = None,
                 unit: Unit | None = None, on_date: date | None = None, by: int | None = None) -> Due:
    """The due moment after the rule's single extension: the same period, made longer by ``by``
    (in the extension's unit; default and maximum the rule's extension length: the law says "up
    to", e.g. LDMA Art 43 "延长期限不得超过十五日").

    Counting the whole period from its start (45 + 15 days, 3 + 1 months) keeps corresponding
    days right and rolls past rest days only at the final end.
    """
    ext = rule.extension
    if ext is None:
        raise ValueError(f"rule {rule.id} has no extension")
    by = ext.length if by is None else by
    if not 1 <= by <= ext.length:
        raise ValueError(f"rule {rule.id}: an extension is 1 to {ext.length} {ext.unit.value}, not {by}")
    unit = unit or rule.unit
    n = rule.length if length is None else length
    if ext.unit == unit:
        more = by
    elif unit == Unit.CALENDAR_DAYS and ext.unit in (Unit.MONTHS, Unit.YEARS):  # a resumed months period
        end = nominal_end(unit, start.astimezone(SHANGHAI).date(), n)
        more = (nominal_end(ext.unit, end, by) - end).days
    elif unit == Unit.MINUTES and ext.unit == Unit.HOURS:
        more = 60 * by
    else:
        raise ValueError(f"rule {rule.id}: cannot add {ext.unit} to a period of {unit}")
    return compute_due(rule, start, settings, length=n + more, unit=unit, on_date=on_date)
