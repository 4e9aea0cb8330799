"""The rule table and the pure functions that count with it: due moments, pause and resume,
the single extension, and an operator's overrides."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from domain import rules as rules_module
from domain.calendar import SHANGHAI, last_day, local_text
from domain.rules import Ends, Settings, Unit, compute_due, extended_due, load_settings, remaining_period
from starters.cli import app
from tests.factories import SHARED

DEADLINES = SHARED.parent / "mission" / "DEADLINES.md"


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def due_text(settings: Settings, rule_id: str, start: str, **kw: object) -> str:
    due = compute_due(settings.rule(rule_id), sh(start), settings, **kw)  # type: ignore[arg-type]
    return local_text(due.due, due.provisional)


def test_every_rule_of_deadlines_md_is_in_the_table(settings: Settings) -> None:
    rows = [line for line in DEADLINES.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    ids = {rid for row in rows for rid in re.findall(r"`([a-z_.]+)`", row.split("|")[1])}
    assert len(ids) > 30
    assert ids <= set(settings.rules), ids - set(settings.rules)
    for rule in settings.rules.values():
        assert rule.source and rule.mark in "✔◐✖"
        if rule.mark == "✖":
            assert rule.note, f"{rule.id}: an unverified rule says so in its note"


def test_due_moments_by_unit(settings: Settings) -> None:
    # Calendar days end at 24:00 unless the act is an office's (close of business).
    assert due_text(settings, "mediation.window", "2026-09-18 10:00") == "2026-10-08 24:00"
    assert due_text(settings, "legal_aid.review", "2026-09-28 10:00") == "2026-10-08 17:30"  # 10-05 rolls
    # Working days end at close of business.
    assert due_text(settings, "arb.one_time_notice", "2026-09-30 10:00") == "2026-10-10 17:30"
    assert due_text(settings, "arb.accept", "2026-09-30 10:00") == "2026-10-13 17:30"
    # Same day: by close, or the next working day's close.
    assert due_text(settings, "legal_aid.same_day_review", "2026-11-29 10:00") == "2026-11-30 17:30"
    assert due_text(settings, "arb.same_day_filing", "2026-11-30 19:00") == "2026-12-01 17:30"
    # Months and years: the corresponding day, rolled past rest days.
    assert due_text(settings, "court.simplified", "2026-07-03 10:00") == "2026-10-08 24:00"
    assert due_text(settings, "arb.limitation", "2025-10-01 10:00") == "2026-10-08 24:00"
    assert due_text(settings, "enforce.apply", "2024-09-30 10:00") == "2026-09-30 24:00"
    # Hours run round the clock and never depend on holidays.
    hours = compute_due(settings.rule("police.transfer.send"), sh("2026-12-31 12:00"), settings)
    assert hours.due == sh("2027-01-01 12:00") and not hours.provisional
    # A date set by an act, and a period counted back from an event.
    assert due_text(settings, "mediation.performance", "2026-11-29 10:00", on_date=date(2026, 12, 31)) \
        == "2026-12-31 24:00"
    assert due_text(settings, "arb.hearing_notice", "2026-09-29 10:00", on_date=date(2026, 10, 15)) \
        == "2026-10-10 24:00"
    with pytest.raises(ValueError):
        compute_due(settings.rule("mediation.performance"), sh("2026-11-29 10:00"), settings)


def test_periods_into_2027_are_provisional(settings: Settings) -> None:
    assert due_text(settings, "arb.award", "2026-12-01 10:00") == "2027-01-15 17:30（暂定）"
    assert due_text(settings, "arb.accept", "2026-12-28 10:00") == "2027-01-05 17:30（暂定）"  # 01-01 rests
    assert due_text(settings, "arb.accept", "2026-12-01 10:00") == "2026-12-08 17:30"


def test_warning_lead(settings: Settings) -> None:
    rule = settings.rule("arb.accept")
    due = compute_due(rule, sh("2026-09-30 10:00"), settings)
    assert due.due - due.warn_at == timedelta(hours=24)  # type: ignore[operator]
    same_day = compute_due(settings.rule("legal_aid.same_day_review"), sh("2026-11-30 09:00"), settings)
    assert same_day.warn_at == sh("2026-11-30 15:30")
    late = compute_due(settings.rule("legal_aid.same_day_review"), sh("2026-11-30 16:00"), settings)
    assert late.warn_at is None  # less time than the lead: no warning at the start


# ---- pause and resume -----------------------------------------------------------------------------

def test_paused_calendar_period_keeps_the_days_the_law_gave(settings: Settings) -> None:
    rule = settings.rule("mediation.window")  # 15 calendar days
    start = sh("2026-09-18 10:00")
    due = compute_due(rule, start, settings)
    assert local_text(due.due) == "2026-10-08 24:00"  # nominally 10-03, rolled past National Day
    left = remaining_period(rule, settings, at=sh("2026-09-20 10:00"), due=due.due, start=start)
    assert left == (13, Unit.CALENDAR_DAYS)  # to 10-03, not to the rolled 10-08
    resumed = compute_due(rule, sh("2026-10-20 10:00"), settings, length=13, unit=Unit.CALENDAR_DAYS)
    assert local_text(resumed.due) == "2026-11-02 24:00"


def test_paused_working_day_period(settings: Settings) -> None:
    rule = settings.rule("arb.accept")  # 5 working days: 09-29, 09-30, 10-08, 10-09, 10-10 (a worked Saturday)
    start = sh("2026-09-28 10:00")
    due = compute_due(rule, start, settings)
    assert local_text(due.due) == "2026-10-10 17:30"
    left = remaining_period(rule, settings, at=sh("2026-09-30 10:00"), due=due.due, start=start)
    assert left == (3, Unit.WORKING_DAYS)  # the pause day is spent; 10-08, 10-09, 10-10 remain
    resumed = compute_due(rule, sh("2026-10-12 10:00"), settings, length=3, unit=Unit.WORKING_DAYS)
    assert local_text(resumed.due) == "2026-10-15 17:30"


def test_paused_months_period_resumes_in_days(settings: Settings) -> None:
    rule = settings.rule("court.simplified")  # 3 months
    start = sh("2026-01-31 10:00")
    due = compute_due(rule, start, settings)
    assert local_text(due.due) == "2026-04-30 24:00"
    left = remaining_period(rule, settings, at=sh("2026-03-01 10:00"), due=due.due, start=start)
    assert left == (60, Unit.CALENDAR_DAYS)
    resumed = compute_due(rule, sh("2026-03-11 10:00"), settings, length=60, unit=Unit.CALENDAR_DAYS)
    assert local_text(resumed.due) == "2026-05-11 24:00"  # 05-10 is a Sunday
    assert resumed.due.astimezone(SHANGHAI).time().hour == 0  # still ends at 24:00, as the rule says


def test_paused_hours_keep_their_minutes(settings: Settings) -> None:
    rule = settings.rule("police.transfer.send")
    start = sh("2026-12-01 10:00")
    due = compute_due(rule, start, settings)
    left = remaining_period(rule, settings, at=sh("2026-12-01 20:30"), due=due.due, start=start)
    assert left == (13 * 60 + 30, Unit.MINUTES)
    resumed = compute_due(rule, sh("2026-12-03 08:00"), settings, length=left[0], unit=left[1])
    assert resumed.due == sh("2026-12-03 21:30")


def test_fixed_dates_are_recomputed_not_measured(settings: Settings) -> None:
    rule = settings.rule("mediation.performance")
    assert remaining_period(rule, settings, at=sh("2026-12-01 10:00"), due=sh("2027-01-01 00:00"),
                            start=sh("2026-11-29 10:00")) is None


@hyp_settings(max_examples=80, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 10, 1)),
       st.integers(min_value=0, max_value=30),
       st.sampled_from(["mediation.window", "arb.accept", "inspect.investigate", "court.simplified"]))
def test_pause_and_immediate_resume_changes_nothing(start_day: date, after: int, rule_id: str) -> None:
    settings = load_settings()
    rule = settings.rule(rule_id)
    start = datetime.combine(start_day, datetime.min.time(), SHANGHAI) + timedelta(hours=10)
    due = compute_due(rule, start, settings)
    pause = start + timedelta(days=after)
    if pause >= due.due or (rule.unit != Unit.WORKING_DAYS and pause.date() > _nominal(rule, start_day)):
        return  # paused after the time ran out: nothing to keep
    left = remaining_period(rule, settings, at=pause, due=due.due, start=start)
    assert left is not None
    assert compute_due(rule, pause, settings, length=left[0], unit=left[1]).due == due.due


DAY_RULES = sorted(r.id for r in load_settings().rules.values()
                   if r.kind == "clock" and r.unit in (Unit.CALENDAR_DAYS, Unit.WORKING_DAYS, Unit.SAME_DAY,
                                                       Unit.MONTHS, Unit.YEARS))


@hyp_settings(max_examples=80, deadline=None)
@given(st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2028, 6, 30)), st.sampled_from(DAY_RULES))
def test_a_counted_deadline_never_falls_on_a_rest_day(start: datetime, rule_id: str) -> None:
    settings = load_settings()
    rule = settings.rule(rule_id)
    due = compute_due(rule, start.replace(tzinfo=SHANGHAI), settings)
    assert settings.calendar.is_workday(last_day(due.due))[0]
    assert due.due > start.replace(tzinfo=SHANGHAI)


def _nominal(rule: rules_module.Rule, start: date) -> date:
    return rules_module.nominal_end(rule.unit, start, rule.length)


# ---- the single extension -------------------------------------------------------------------------

def test_extension_counts_the_whole_period_from_its_start(settings: Settings) -> None:
    rule = settings.rule("arb.award")  # 45 (+15) calendar days
    start = sh("2026-08-20 10:00")
    assert local_text(compute_due(rule, start, settings).due) == "2026-10-08 17:30"  # 10-04 rolled
    # 60 days from 08-20 is 10-19; counting 15 on from the rolled 10-08 would give 10-23.
    assert local_text(extended_due(rule, start, settings).due) == "2026-10-19 17:30"
    months = settings.rule("court.small_claims")  # 2 (+1) months
    start = sh("2025-12-31 10:00")
    assert local_text(compute_due(months, start, settings).due) == "2026-02-28 24:00"  # a worked Saturday
    assert local_text(extended_due(months, start, settings).due) == "2026-03-31 24:00"  # not 03-28 → 03-30
    working = settings.rule("inspect.investigate")  # 60 (+30) working days
    start = sh("2026-09-01 10:00")
    assert extended_due(working, start, settings).due == compute_due(working, start, settings, length=90).due
    with pytest.raises(ValueError):
        extended_due(settings.rule("arb.accept"), start, settings)


def test_extension_of_a_resumed_months_period(settings: Settings) -> None:
    rule = settings.rule("court.simplified")  # resumed with 60 days left, extended by a month
    due = extended_due(rule, sh("2026-03-11 10:00"), settings, length=60, unit=Unit.CALENDAR_DAYS)
    assert local_text(due.due) == "2026-06-10 24:00"  # 05-10 + 1 month
    assert (due.length, due.unit) == (91, Unit.CALENDAR_DAYS)


# ---- an operator's overrides ----------------------------------------------------------------------

def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "weiquan.toml"
    path.write_text(
        '[rules."arb.accept"]\nunit = "calendar_days"\n'
        '[rules."confirm.arbitral.review"]\nlength = 3\n'
        '[warnings]\ndefault = 48\n'
        '[districts.default]\nmalicious_single = 20000.00\n'
        '[districts."360111"]\nminimum_wage = 2100.00\n' + extra, encoding="utf-8")
    return path


def test_config_file_overrides_rules_and_thresholds(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path))
    accept = settings.rule("arb.accept")
    assert accept.unit == Unit.CALENDAR_DAYS and accept.end_of_day == Ends.CLOSE  # an office act stays so
    # 5 calendar days from 09-30 end on 10-05, a holiday: 10-08 (working days would give 10-13).
    assert due_text(settings, "arb.accept", "2026-09-30 10:00") == "2026-10-08 17:30"
    assert settings.rule("confirm.arbitral.review").length == 3
    assert due_text(settings, "confirm.arbitral.review", "2026-09-30 10:00") == "2026-10-10 17:30"
    assert settings.rule("arb.award").length == 45  # everything not named stays
    assert settings.warn_lead(accept) == timedelta(hours=48)
    assert settings.district("360111").minimum_wage == Decimal("2100.00")
    assert settings.district("360111").malicious_single == Decimal("20000.00")  # from the new default
    assert settings.district("360121").minimum_wage == Decimal("1870.00")  # built-in district kept
    assert settings.district("999999").malicious_single == Decimal("20000.00")


def test_config_file_names_the_calendar_override(tmp_path: Path) -> None:
    (tmp_path / "cal.toml").write_text('[years.2027]\nholidays = ["2027-01-01", "2027-01-04"]\n', encoding="utf-8")
    settings = load_settings(write_config(tmp_path, '[calendar]\noverride_file = "cal.toml"\n'))
    assert due_text(settings, "arb.award", "2026-12-01 10:00") == "2027-01-15 17:30"  # no longer provisional
    assert due_text(settings, "confirm.arbitral.review", "2026-12-29 10:00") == "2027-01-05 17:30"
    explicit = load_settings(calendar_file=tmp_path / "cal.toml")
    assert not explicit.calendar.is_workday(date(2027, 1, 4))[0]


def test_config_mistakes_fail_loudly(tmp_path: Path) -> None:
    bad_id = tmp_path / "a.toml"
    bad_id.write_text('[rules."arb.acept"]\nunit = "calendar_days"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="arb.acept"):
        load_settings(bad_id)
    bad_unit = tmp_path / "b.toml"
    bad_unit.write_text('[rules."arb.accept"]\nunit = "calender_days"\n', encoding="utf-8")
    with pytest.raises(ValidationError):
        load_settings(bad_unit)
    with pytest.raises(FileNotFoundError):
        load_settings(write_config(tmp_path, '[calendar]\noverride_file = "nope.toml"\n'))
    with pytest.raises(FileNotFoundError):
        load_settings(calendar_file=tmp_path / "nope.toml")


def test_weiquan_config_is_what_activities_and_the_cli_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cal.toml").write_text('[years.2027]\nholidays = ["2027-01-01"]\n', encoding="utf-8")
    monkeypatch.setenv("WEIQUAN_CONFIG", str(write_config(tmp_path, '[calendar]\noverride_file = "cal.toml"\n')))
    rules_module.settings.cache_clear()
    try:
        assert rules_module.settings().rule("arb.accept").unit == Unit.CALENDAR_DAYS
        added = CliRunner().invoke(app, ["calendar", "add", "--from", "2026-12-28", "--workdays", "5"])
        assert added.stdout.strip() == "2027-01-05"  # 2027 is data now: 01-01 off, and not provisional
        assert CliRunner().invoke(app, ["calendar", "is-workday", "2027-01-01"]).stdout.strip() == "休息日"
    finally:
        monkeypatch.delenv("WEIQUAN_CONFIG")
        rules_module.settings.cache_clear()
    assert rules_module.settings().rule("arb.accept").unit == Unit.WORKING_DAYS
    assert CliRunner().invoke(app, ["calendar", "is-workday", "2027-01-01"]).stdout.strip() == "休息日（暂定）"
