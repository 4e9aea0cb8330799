"""A calendar corrected while cases run: `weiquan calendar load` of a year's notice re-derives the
running clocks (same rule, start and length; the new calendar) and they lapse on the new date."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.calendar import SHANGHAI, WorkCalendar, at_local, local_text
from domain.holiday_notice import NoticeError, parse_notice, read_notice
from domain.models import CaseIntake, DeadlineView
from domain.rules import Settings, compute_due, extended_due
from domain.statutory_holidays import statutory_holidays
from registry import calendar_revisions
from registry.store import Registry
from starters.cases import case_state, send_event
from starters.cli import app
from tests import factories
from tests.clock_harness import ClockHarness, StartClock, harness_worker, start_harness
from tests.helpers import TODAY, actor, settle
from workers.build import activities_for

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

ROOT = Path(__file__).parent.parent
runner = CliRunner()


def cli(monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setenv("COLUMNS", "250")
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def use(monkeypatch: pytest.MonkeyPatch, registry: Registry, env: WorkflowEnvironment | None = None) -> None:
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", registry.engine.url.render_as_string(hide_password=False))
    if env is not None:
        monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)


def utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# ---- the notice file -----------------------------------------------------------------------------

def test_the_example_notice_makes_the_issues_appeal_window_end_on_the_fourth(settings: Settings) -> None:
    """An appeal window served 2026-12-17 ends 2027-01-01, a holiday, then a weekend: 2027-01-04."""
    notice = read_notice(ROOT / "examples" / "calendar-2027.toml")
    live = settings.model_copy(update={"calendar": settings.calendar.with_years({2027: notice.days()})})
    due = compute_due(settings.rule("court.appeal"), at_local(date(2026, 12, 17), time(10, 0)), live)
    assert local_text(due.due, due.provisional) == "2027-01-04 24:00" and not due.provisional


def test_a_bad_notice_names_every_problem() -> None:
    with pytest.raises(NoticeError) as err:
        parse_notice('year = 2027\nholidays = ["2027-13-01", "2028-01-01", "2027-05-01"]\n'
                     'workdays = ["2027-05-01", "2027-01-06"]\ncolour = "red"\n')
    fields = [field for field, _, _ in err.value.problems]
    assert fields.count("holidays") == 2 and fields.count("workdays") == 2 and "colour" in fields
    zh = " ".join(z for _, z, _ in err.value.problems)
    assert "不在 2027 年" in zh and "同时列为放假和上班" in zh and "本就上班" in zh
    with pytest.raises(NoticeError, match="not valid TOML"):
        parse_notice("year = ")
    with pytest.raises(NoticeError, match="year must be"):
        parse_notice('holidays = ["2027-01-01"]')


def test_calendar_load_refuses_a_bad_file_and_stores_nothing(tmp_path: Path, registry: Registry,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, registry)
    bad = tmp_path / "bad.toml"
    bad.write_text('year = 2027\nholidays = ["2027-02-30"]\n', encoding="utf-8")
    output = cli(monkeypatch, "calendar", "load", str(bad), code=2)
    assert "未保存" in output and "2027-02-30" in output
    english = cli(monkeypatch, "calendar", "load", str(bad), "--lang", "en", code=2)
    assert "nothing was stored" in english
    assert cli(monkeypatch, "calendar", "load", str(tmp_path / "missing.toml"), code=2)
    assert calendar_revisions.newest_id(registry) == 0
    # A good file is stored; with no clock it can move, no case is told (and Temporal is not needed).
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
    stored = cli(monkeypatch, "calendar", "load", str(ROOT / "examples" / "calendar-2027.toml"))
    assert "已保存为日历第 1 版" in stored and "已通知 0 个案件" in stored
    again = json.loads(cli(monkeypatch, "calendar", "load", str(ROOT / "examples" / "calendar-2027.toml"), "--json"))
    assert again == {"revision": 1, "year": 2027, "created": False, "changed_days": 0, "cases_told": 0}


def test_calendar_show_says_what_is_loaded_and_from_where(registry: Registry,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, registry)
    packaged = json.loads(cli(monkeypatch, "calendar", "show", "2026", "--json"))
    assert packaged["source"]["kind"] == "package" and "2026-10-01" in packaged["holidays"]
    assert "2026-09-20" in packaged["workdays"] and not packaged["provisional"]  # 国庆 调休 (Sunday)
    before = json.loads(cli(monkeypatch, "calendar", "show", "2027", "--json"))
    assert before["source"]["kind"] == "none" and before["provisional"]
    example = ROOT / "examples" / "calendar-2027.toml"
    stored = calendar_revisions.store(registry, read_notice(example), str(example), WorkCalendar.load(None))
    assert stored.created and stored.changed
    shown = cli(monkeypatch, "calendar", "show", "2027")
    assert f"登记库日历第 {stored.revision.id} 版" in shown and str(example) in shown
    assert "2027-02-05" in shown and "2027-02-20" in shown
    after = json.loads(cli(monkeypatch, "calendar", "show", "2027", "--json"))
    assert after["source"]["revision"] == stored.revision.id and not after["provisional"]
    assert "2027-01-01" in after["holidays"] and after["workdays"] == ["2027-02-20", "2027-04-25", "2027-09-26",
                                                                       "2027-10-09"]
    again = calendar_revisions.store(registry, read_notice(example), str(example), WorkCalendar.load(None))
    assert not again.created and again.revision.id == stored.revision.id


# ---- running cases -------------------------------------------------------------------------------

def first_uncovered_year(settings: Settings, after: date) -> int:
    """The first year without holiday data whose 17 December (before it) is still to come."""
    year = after.year + 1 if after < date(after.year, 12, 17) else after.year + 2
    while not settings.calendar.is_workday(date(year, 6, 1))[1]:
        year += 1
    return year


async def wait_for(test, what: str, seconds: float = 20):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = await test()
        if value or asyncio.get_running_loop().time() > deadline:
            assert value, what
            return value
        await asyncio.sleep(0.05)


async def on_17_december(env: WorkflowEnvironment, settings: Settings,
                         registry: Registry) -> tuple[int, Settings]:
    """Skip to 10:00 on 2026-12-17 (the issue's appeal window) when that is still ahead, else to the
    same day of a later year, so that a window from there ends in the first year without holiday
    data. Returns that year, and the settings to count expectations with: when the year of that
    17 December has no data either (started after 2026-12-17), the registry is given a notice for
    it first (its statutory days), so only the next year is left to the notice under test."""
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    year = first_uncovered_year(settings, now.date())
    prior = year - 1
    if settings.calendar.is_workday(date(prior, 6, 1))[1]:
        days = ", ".join(f'"{d}"' for d in sorted(statutory_holidays(prior)))
        notice = parse_notice(f"year = {prior}\nholidays = [{days}]\n")
        calendar_revisions.store(registry, notice, f"calendar-{prior}.toml", WorkCalendar.load(None))
        settings = settings.model_copy(update={"calendar": settings.calendar.with_years({prior: notice.days()})})
    await env.sleep(datetime.combine(date(prior, 12, 17), time(10, 0), SHANGHAI) - now)
    return year, settings


@asynccontextmanager
async def case_on_the_clock(env: WorkflowEnvironment, registry: Registry,
                            settings: Settings) -> AsyncIterator[WorkflowHandle[ClockHarness, list[str]]]:
    """A registered case (the clock harness) on a worker with the case queue's activities."""
    queue = f"cal{uuid.uuid4().hex[:8]}.case"
    async with harness_worker(env.client, queue, activities_for("case", registry, settings)):
        handle = await start_harness(env.client, queue, CaseIntake.from_input(factories.intake(), TODAY))
        try:
            yield handle
        finally:
            await handle.signal(ClockHarness.finish)
            await settle(env.client, handle.id)


async def start_clock(handle: WorkflowHandle[ClockHarness, list[str]], rule_id: str,
                      length: int | None = None) -> DeadlineView:
    return await handle.execute_update(ClockHarness.start_clock, StartClock(rule_id=rule_id, length=length),
                                       result_type=DeadlineView)


def counted_with(settings: Settings, notice: Path) -> Settings:
    year = read_notice(notice)
    return settings.model_copy(update={"calendar": settings.calendar.with_years({year.year: year.days()})})


async def test_a_loaded_notice_moves_running_and_paused_clocks_and_they_lapse_on_the_new_date(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    year, settings = await on_17_december(env, settings, registry)
    use(monkeypatch, registry, env)
    async with case_on_the_clock(env, registry, settings) as handle:
        appeal = await start_clock(handle, "court.appeal")
        accept = await start_clock(handle, "inspect.accept", length=15)
        assert appeal.provisional and accept.provisional  # both end past the data
        await env.sleep(timedelta(days=1))
        await send_event(env.client, handle.id, "clock_pause",
                         {"event_id": "p-1", "actor": actor("inspection"), "clock": "inspect.accept",
                          "reason": "中止：等待补正材料"})
        # The notice of that year: every day from New Year to the old appeal date (and the next) off,
        # so the window's last day moves later whatever the provisional count had said.
        old_last = appeal.due.astimezone(SHANGHAI).date() - timedelta(days=1)
        notice = tmp_path / f"calendar-{year}.toml"
        notice.write_text(f'year = {year}\nnotice = "测试用通知"\n'
                          f'holidays = ["{year}-01-01..{old_last + timedelta(days=1)}"]\n', encoding="utf-8")
        expected = compute_due(settings.rule("court.appeal"), appeal.started_at, counted_with(settings, notice))
        assert expected.due > appeal.due and not expected.provisional
        new_text = local_text(expected.due)

        output = await asyncio.to_thread(cli, monkeypatch, "calendar", "load", str(notice))
        assert "已通知 1 个案件" in output

        rows = await wait_for(lambda: _logged(registry, handle.id, "clock.rederived", 2), "two clocks re-derived")
        entry = next(r for r in rows if "对判决提起上诉" in r.detail)
        assert f"期限因节假日安排公布而调整：原 {local_text(appeal.due, True)}，现 {new_text}" in entry.detail
        view = await case_state(env.client, handle.id)
        clocks = {d.key: d for d in view.deadlines}
        assert clocks["court.appeal"].due == expected.due and not clocks["court.appeal"].provisional
        paused = clocks["inspect.accept"]
        assert paused.state == "paused" and paused.due > accept.due and not paused.provisional
        ledger = {d.clock_key: d for d in registry.deadlines(handle.id)}
        assert utc(ledger["court.appeal"].due) == expected.due and not ledger["court.appeal"].provisional
        assert utc(ledger["inspect.accept"].due) == paused.due and not ledger["inspect.accept"].provisional
        row = registry.case(handle.id)
        assert row and utc(row.next_deadline) == expected.due and not row.next_deadline_provisional
        table = await asyncio.to_thread(cli, monkeypatch, "case", "deadlines", handle.id)
        assert new_text in table and "暂定" not in table.split("对判决提起上诉")[1].split("\n")[0]
        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        assert f"截止 {new_text}（" in meta.current_details and "暂定" not in meta.current_details

        # Past the old date the window still runs; it lapses on the new one.
        await env.sleep(appeal.due + timedelta(hours=1) - await env.get_current_time())
        assert not await _logged(registry, handle.id, "clock.lapsed", 1)
        assert (await case_state(env.client, handle.id)).deadlines[0].state == "running"
        await env.sleep(expected.due + timedelta(minutes=5) - await env.get_current_time())
        lapsed = await wait_for(lambda: _logged(registry, handle.id, "clock.lapsed", 1), "the window lapsed")
        assert new_text in lapsed[0].detail and "暂定" not in lapsed[0].detail
        assert utc(lapsed[0].at) >= expected.due

        # The paused clock resumes with the time re-measured on the new calendar: a final date.
        receipt = await send_event(env.client, handle.id, "clock_resume",
                                   {"event_id": "r-1", "actor": actor("inspection"), "clock": "inspect.accept",
                                    "reason": "材料已补正"})
        resumed = next(d for d in (await case_state(env.client, handle.id)).deadlines if d.key == "inspect.accept")
        assert resumed.state == "running" and not resumed.provisional
        assert local_text(resumed.due) in receipt.message


async def test_a_missed_signal_cannot_make_a_clock_lapse_on_a_stale_date(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, tmp_path: Path) -> None:
    year, settings = await on_17_december(env, settings, registry)
    async with case_on_the_clock(env, registry, settings) as handle:
        appeal = await start_clock(handle, "court.appeal")
        old_last = appeal.due.astimezone(SHANGHAI).date() - timedelta(days=1)
        notice = tmp_path / "notice.toml"
        notice.write_text(f'year = {year}\nholidays = ["{year}-01-01..{old_last + timedelta(days=1)}"]\n',
                          encoding="utf-8")
        # Stored, but no case is told (as if the signal were lost).
        calendar_revisions.store(registry, read_notice(notice), str(notice), settings.calendar)
        expected = compute_due(settings.rule("court.appeal"), appeal.started_at, counted_with(settings, notice))
        await env.sleep(appeal.due + timedelta(hours=1) - await env.get_current_time())
        moved = await wait_for(lambda: _logged(registry, handle.id, "clock.rederived", 1), "re-derived at the old date")
        assert local_text(expected.due) in moved[0].detail
        assert not await _logged(registry, handle.id, "clock.lapsed", 1)
        await env.sleep(expected.due + timedelta(minutes=5) - await env.get_current_time())
        lapsed = await wait_for(lambda: _logged(registry, handle.id, "clock.lapsed", 1), "the window lapsed")
        assert local_text(expected.due) in lapsed[0].detail


async def test_a_due_date_moved_earlier_is_told_to_the_responsible_liaison(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    year, settings = await on_17_december(env, settings, registry)
    use(monkeypatch, registry, env)
    async with case_on_the_clock(env, registry, settings) as handle:
        accept = await start_clock(handle, "inspect.accept", length=15)  # 15 working days, into January
        # A notice with the first Saturday of January a working day (调休), and New Year's Day
        # not off: whatever the provisional count assumed, the 15th working day comes sooner.
        saturday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 5)
        notice = tmp_path / "notice.toml"
        notice.write_text(f'year = {year}\nholidays = ["{year}-10-01..{year}-10-03"]\nworkdays = ["{saturday}"]\n',
                          encoding="utf-8")
        expected = compute_due(settings.rule("inspect.accept"), accept.started_at, counted_with(settings, notice),
                               length=15)
        assert expected.due < accept.due
        await asyncio.to_thread(cli, monkeypatch, "calendar", "load", str(notice))
        await wait_for(lambda: _logged(registry, handle.id, "clock.rederived", 1), "re-derived")
        told = await wait_for(lambda: _notices(registry, handle.id, "deadline_moved"), "the liaison told")
        assert told[0].unit == "inspection" and "【期限提前】" in told[0].subject
        assert local_text(accept.due, True) in told[0].body and local_text(expected.due) in told[0].body
        view = await case_state(env.client, handle.id)
        assert view.deadlines[0].due == expected.due and not view.deadlines[0].provisional


async def test_a_clock_paused_after_a_revision_keeps_the_time_the_new_calendar_leaves(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, tmp_path: Path) -> None:
    """The pause measures what remains against the due moment re-derived with the calendar as it is
    (not the one computed before the revision), and the resumed clock's date is final and right."""
    year, settings = await on_17_december(env, settings, registry)
    async with case_on_the_clock(env, registry, settings) as handle:
        accept = await start_clock(handle, "inspect.accept", length=15)
        notice = tmp_path / "notice.toml"
        notice.write_text(f'year = {year}\nholidays = ["{year}-01-01..{year}-01-08"]\n', encoding="utf-8")
        calendar_revisions.store(registry, read_notice(notice), str(notice), settings.calendar)  # no signal
        live = counted_with(settings, notice)
        await env.sleep(timedelta(days=1))
        receipt = await send_event(env.client, handle.id, "clock_pause",
                                   {"event_id": "p-2", "actor": actor("inspection"), "clock": "inspect.accept",
                                    "reason": "中止：等待补正材料"})
        whole = compute_due(settings.rule("inspect.accept"), accept.started_at, live, length=15)
        paused_on = (await env.get_current_time()).astimezone(SHANGHAI).date()
        left = live.calendar.workdays_between(paused_on, whole.due.astimezone(SHANGHAI).date())
        assert f"剩余 {left}个工作日" in receipt.message
        paused = (await case_state(env.client, handle.id)).deadlines[0]
        assert paused.due == whole.due and not paused.provisional
        await env.sleep(timedelta(days=2))
        await send_event(env.client, handle.id, "clock_resume",
                         {"event_id": "r-2", "actor": actor("inspection"), "clock": "inspect.accept", "reason": "恢复"})
        resumed = (await case_state(env.client, handle.id)).deadlines[0]
        resumed_on = (await env.get_current_time()).astimezone(SHANGHAI).date()
        assert resumed.due.astimezone(SHANGHAI).date() == live.calendar.add_workdays(resumed_on, left).day
        assert not resumed.provisional


async def test_an_extended_clock_is_re_derived_with_its_extension(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    year, settings = await on_17_december(env, settings, registry)
    use(monkeypatch, registry, env)
    rule = settings.rule("arb.award")  # 45 days, extendable once by 15
    async with case_on_the_clock(env, registry, settings) as handle:
        view = await start_clock(handle, rule.id)
        await send_event(env.client, handle.id, "clock_extend",
                         {"event_id": "e-1", "actor": actor("arbitration"), "clock": rule.id,
                          "approver": "仲裁委员会主任", "reason": "案情复杂"})
        extended = (await case_state(env.client, handle.id)).deadlines[0]
        last = extended.due.astimezone(SHANGHAI).date() - timedelta(days=1)
        notice = tmp_path / "notice.toml"
        notice.write_text(f'year = {year}\nholidays = ["{last - timedelta(days=2)}..{last + timedelta(days=1)}"]\n',
                          encoding="utf-8")
        expected = extended_due(rule, view.started_at, counted_with(settings, notice))
        assert expected.due > extended.due and not expected.provisional
        await asyncio.to_thread(cli, monkeypatch, "calendar", "load", str(notice))
        await wait_for(lambda: _logged(registry, handle.id, "clock.rederived", 1), "re-derived")
        after = (await case_state(env.client, handle.id)).deadlines[0]
        assert after.extended and after.due == expected.due and not after.provisional


async def _notices(registry: Registry, scope: str, kind: str) -> list:  # type: ignore[type-arg]
    return [n for n in registry.notifications(scope) if n.kind == kind]


async def _logged(registry: Registry, number: str, kind: str, count: int) -> list:  # type: ignore[type-arg]
    rows = [e for e in registry.events(number) if e.kind == kind]
    return rows if len(rows) >= count else []
