"""The clock engine on a real time-skipping server, through the test-only harness workflow.

These tests skip weeks of time, so they run on a time-skipping server of their own (one per module):
the session's shared server keeps its clock close to today for the other tests.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.calendar import SHANGHAI, at_local, local_text
from domain.models import CaseIntake, DeadlineView
from domain.rules import Settings, compute_due, extended_due, load_settings
from registry.store import Registry
from registry.tables import EventRecord
from starters.cases import EventRefused, case_state, send_event
from starters.cli import app
from tests import factories
from tests.conftest import time_skipping_server
from tests.clock_harness import ClockHarness, StartClock, harness_worker, start_harness
from tests.helpers import TODAY, actor, first_provisional_day, server_today, settle, skip_to
from workers.build import activities_for

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

ARB = "arbitration"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tenv() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_server() as env:
        yield env


@dataclass
class Harnessed:
    client: Client
    handle: WorkflowHandle[ClockHarness, list[str]]

    @property
    def id(self) -> str:
        return self.handle.id


@asynccontextmanager
async def harness(env: WorkflowEnvironment, registry: Registry, settings: Settings) -> AsyncIterator[Harnessed]:
    """The harness on a worker of its own, with the case queue's activities wired as in production."""
    queue = f"clk{uuid.uuid4().hex[:8]}.case"
    intake = CaseIntake.from_input(factories.intake(), TODAY)
    async with harness_worker(env.client, queue, activities_for("case", registry, settings)):
        handle = await start_harness(env.client, queue, intake)
        try:
            yield Harnessed(env.client, handle)
        finally:
            try:
                await settle(env.client, handle.id)
                await handle.terminate("test finished")
            except Exception:
                pass  # already finished


async def morning(env: WorkflowEnvironment) -> datetime:
    """Skip to 09:00 Shanghai time tomorrow, so day boundaries never fall inside a test step."""
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    target = datetime.combine(now.date() + timedelta(days=1), time(9, 0), SHANGHAI)
    await env.sleep(target - now)
    return target


async def start_clock(h: Harnessed, rule_id: str) -> DeadlineView:
    return await h.handle.execute_update(ClockHarness.start_clock, StartClock(rule_id=rule_id),
                                         result_type=DeadlineView)


_ids = iter(range(1, 10**9))


async def clock_event(h: Harnessed, name: str, unit: str, clock: str, **fields: Any) -> Any:
    """Send a clock event the way staff do (an update through starters.cases)."""
    payload = {"event_id": f"c-{next(_ids)}", "actor": actor(unit), "clock": clock, "reason": "测试", **fields}
    return await send_event(h.client, h.id, name, payload)


async def clock_view(h: Harnessed, key: str) -> DeadlineView:
    view = await case_state(h.client, h.id)
    return next(d for d in view.deadlines if d.key == key)


async def logged(registry: Registry, number: str, kind: str, count: int = 1, seconds: float = 20) -> list[EventRecord]:
    """The event-log entries of a kind, once there are ``count`` of them (activities run after timers)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        rows = [e for e in registry.events(number) if e.kind == kind]
        if len(rows) >= count or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.05)


def close_of(settings: Settings, day: date) -> datetime:
    return at_local(day, settings.office_close)


def utc(moment: datetime) -> datetime:
    """The registry hands times back naive (SQLite) or aware: compare them as aware UTC."""
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# ---- pause, resume, restart, extend ---------------------------------------------------------------

async def test_pause_then_resume_keeps_the_remaining_time(tenv: WorkflowEnvironment, registry: Registry,
                                                          settings: Settings) -> None:
    await morning(tenv)
    rule = settings.rule("legal_aid.assign")  # 3 calendar days, close of business, escalates
    async with harness(tenv, registry, settings) as h:
        view = await start_clock(h, rule.id)
        start_day = view.started_at.astimezone(SHANGHAI).date()
        assert view.due == compute_due(rule, view.started_at, settings).due
        await tenv.sleep(timedelta(days=1))
        receipt = await clock_event(h, "clock_pause", "legal_aid", rule.id, reason="中止：等待补正材料")
        assert "剩余 2日" in receipt.message
        await tenv.sleep(timedelta(days=5))  # well past the old due moment: a paused clock does not lapse
        assert (await clock_view(h, rule.id)).state == "paused"
        receipt = await clock_event(h, "clock_resume", "legal_aid", rule.id, reason="恢复")
        paused = (await logged(registry, h.id, "clock.paused"))[0]
        resumed = (await logged(registry, h.id, "clock.resumed"))[0]
        gap = (utc(resumed.at).astimezone(SHANGHAI).date() - utc(paused.at).astimezone(SHANGHAI).date()).days
        assert gap == 5
        # The two days left at the pause, counted from the resumption (then rolled past a rest day).
        expected = settings.calendar.next_workday(start_day + timedelta(days=3 + gap), include=True).day
        after = await clock_view(h, rule.id)
        assert after.state == "running" and after.due == close_of(settings, expected)
        assert local_text(after.due, after.provisional) in receipt.message
        assert not await logged(registry, h.id, "clock.lapsed", seconds=0)
        assert "剩余 2日" in paused.detail and "截止" in resumed.detail
        ledger = {d.clock_key: d for d in registry.deadlines(h.id)}[rule.id]
        assert ledger.state == "running" and utc(ledger.due) == after.due


async def test_restart_begins_a_full_new_period(tenv: WorkflowEnvironment, registry: Registry,
                                                settings: Settings) -> None:
    await morning(tenv)
    rule = settings.rule("arb.award")
    async with harness(tenv, registry, settings) as h:
        first = await start_clock(h, rule.id)
        await tenv.sleep(timedelta(days=3))
        await clock_event(h, "clock_restart", ARB, rule.id, reason="追加当事人（Rules Art 46）")
        restarted = (await logged(registry, h.id, "clock.restarted"))[0]
        after = await clock_view(h, rule.id)
        assert after.started_at == utc(restarted.at) > first.started_at
        assert after.due == compute_due(rule, after.started_at, settings).due
        assert after.due > first.due and after.state == "running"
        assert {d.clock_key: d for d in registry.deadlines(h.id)}[rule.id].started_at == restarted.at


async def test_one_extension_and_no_second(tenv: WorkflowEnvironment, registry: Registry, settings: Settings,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    rule = settings.rule("arb.award")  # 45 days, once +15 with the chair's approval
    async with harness(tenv, registry, settings) as h:
        view = await start_clock(h, rule.id)
        with pytest.raises(EventRefused) as wrong_unit:
            await clock_event(h, "clock_extend", "union", rule.id, approver="某人")
        assert wrong_unit.value.code == "not_now" and "仲裁" in wrong_unit.value.zh
        receipt = await clock_event(h, "clock_extend", ARB, rule.id, approver="仲裁委员会主任", reason="案情复杂")
        extended = await clock_view(h, rule.id)
        assert extended.extended and extended.due == extended_due(rule, view.started_at, settings).due
        assert extended.due - view.due >= timedelta(days=13)  # 15 days on, less any roll the first end had
        assert "已延长" in receipt.message
        with pytest.raises(EventRefused) as again:
            await clock_event(h, "clock_extend", ARB, rule.id, approver="仲裁委员会主任", reason="再次延长")
        assert again.value.code == "not_now" and "已延长过一次" in again.value.zh
        assert (await clock_view(h, rule.id)).due == extended.due  # the refusal changed nothing
        await start_clock(h, "legal_aid.assign")
        with pytest.raises(EventRefused) as no_extension:
            await clock_event(h, "clock_extend", "legal_aid", "legal_aid.assign", approver="科长")
        assert "依法不能延长" in no_extension.value.zh
        await clock_event(h, "clock_pause", "legal_aid", "legal_aid.assign")
        with pytest.raises(EventRefused) as paused:
            await clock_event(h, "clock_pause", "legal_aid", "legal_aid.assign")
        assert "已中止" in paused.value.zh
        log = [e for e in registry.events(h.id) if e.kind == "clock.extended"]
        assert len(log) == 1 and "批准人 仲裁委员会主任" in log[0].detail
        # `weiquan case deadlines`: each clock with its rule, source, due and state.
        monkeypatch.setenv("TEMPORAL_ADDRESS", tenv.client.service_client.config.target_host)
        rows = json.loads(await cli(monkeypatch, "case", "deadlines", h.id, "--json"))
        assert [(r["rule_id"], r["source"], r["due"][:16], r["state"], r["extended"]) for r in rows] == [
            (rule.id, rule.source, extended.due.isoformat()[:16], "running", True),
            ("legal_aid.assign", settings.rule("legal_aid.assign").source, rows[1]["due"][:16], "paused", False)]
        table = await cli(monkeypatch, "case", "deadlines", h.id, "--lang", "en")
        assert all(text in table for text in ("arb.award", "LDMA Art 43", "(extended)", "legal_aid.assign", "paused"))


# ---- warnings, lapses, escalation -----------------------------------------------------------------

async def test_warning_and_lapse_fire_on_time_and_escalate(tenv: WorkflowEnvironment, registry: Registry,
                                                           tmp_path: Path) -> None:
    t0 = await morning(tenv)
    plain = load_settings()
    # Two holidays in the next working days, from an override file made for this test.
    first = plain.calendar.next_workday(t0.date(), include=False).day
    second = plain.calendar.next_workday(first, include=False).day
    holidays = tmp_path / "holidays.toml"
    holidays.write_text("".join(f"[years.{year}]\nholidays = [{', '.join(d.isoformat() for d in days)}]\n"
                                for year, days in _by_year([first, second]).items()), encoding="utf-8")
    settings = load_settings(calendar_file=holidays)
    rule = settings.rule("arb.one_time_notice")  # 3 working days, close of business, escalates
    async with harness(tenv, registry, settings) as h:
        view = await start_clock(h, rule.id)
        expected = close_of(settings, plain.calendar.add_workdays(t0.date(), 5).day)  # the holidays skipped
        assert view.due == expected == compute_due(rule, view.started_at, settings).due
        warn_at = view.due - settings.warn_lead(rule)
        now = await tenv.get_current_time()
        await tenv.sleep(view.due - now + timedelta(minutes=5))
        warning = (await logged(registry, h.id, "clock.warning"))[0]
        lapse = (await logged(registry, h.id, "clock.lapsed"))[0]
        assert abs(utc(warning.at) - warn_at) < timedelta(seconds=30)
        assert abs(utc(lapse.at) - view.due) < timedelta(seconds=30)
        assert "已逾期" in lapse.detail and local_text(view.due) in lapse.detail
        notices = [n for n in registry.notifications(h.id) if n.kind == "escalation"]
        for _ in range(200):  # the second notice follows the first
            if len(notices) == 2:
                break
            await asyncio.sleep(0.05)
            notices = [n for n in registry.notifications(h.id) if n.kind == "escalation"]
        assert {(n.unit, n.recipient) for n in notices} == {(ARB, "示例联络员乙"), (ARB, "示例庭长乙")}
        assert all(n.subject.startswith("【逾期】") and rule.source in n.body for n in notices)
        assert (await clock_view(h, rule.id)).state == "lapsed"
        case = registry.case(h.id)
        assert case is not None and case.overdue
        assert await h.handle.query(ClockHarness.lapse_hooks) == [rule.id]  # the stage's own hook ran, once


def _by_year(days: list[date]) -> dict[int, list[date]]:
    out: dict[int, list[date]] = {}
    for day in days:
        out.setdefault(day.year, []).append(day)
    return out


# ---- "provisional" wherever a deadline is shown ---------------------------------------------------

runner = CliRunner()


async def cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", "250")
    result = await asyncio.to_thread(runner.invoke, app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


async def test_provisional_is_said_wherever_the_deadline_shows(
        tenv: WorkflowEnvironment, registry: Registry, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", tenv.client.service_client.config.target_host)
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", registry.engine.url.render_as_string(hide_password=False))
    rule = settings.rule("arb.award")
    beyond = first_provisional_day(settings.calendar, await server_today(tenv))
    await skip_to(tenv, datetime.combine(beyond, time(9, 0), SHANGHAI))  # the clock runs past the holiday data
    async with harness(tenv, registry, settings) as h:
        view = await start_clock(h, rule.id)
        shown = local_text(view.due, True)
        assert view.provisional and shown.endswith("（暂定）")
        meta = await h.handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        assert f"截止 {shown}" in meta.current_details
        assert shown in (await logged(registry, h.id, "clock.started"))[0].detail
        ledger = registry.deadlines(h.id)[0]
        assert ledger.provisional
        assert registry.case(h.id).next_deadline_provisional  # type: ignore[union-attr]
        # `weiquan case deadlines`: rule, source, due, state — from the case, then from the ledger.
        table = await cli(monkeypatch, "case", "deadlines", h.id)
        assert all(text in table for text in (rule.id, rule.source, shown, "计时中"))
        english = await cli(monkeypatch, "case", "deadlines", h.id, "--lang", "en")
        assert local_text(view.due, True, "en") in english and "running" in english
        rows = json.loads(await cli(monkeypatch, "case", "deadlines", h.id, "--json"))
        assert [(r["rule_id"], r["source"], r["state"], r["provisional"]) for r in rows] == \
            [(rule.id, rule.source, "running", True)]
        assert shown in await cli(monkeypatch, "case", "list")
        assert shown in await cli(monkeypatch, "case", "log", h.id)
        monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")  # Temporal away: the ledger answers
        offline = await cli(monkeypatch, "case", "deadlines", h.id)
        assert all(text in offline for text in (rule.id, rule.source, shown, "计时中"))
        # Warnings, lapses and the escalation say it too.
        await tenv.sleep(view.due - await tenv.get_current_time() + timedelta(minutes=5))
        for kind in ("clock.warning", "clock.lapsed"):
            assert shown in (await logged(registry, h.id, kind))[0].detail
        notices = [n for n in registry.notifications(h.id) if n.kind == "escalation"]
        assert notices and all(shown in n.body for n in notices)
