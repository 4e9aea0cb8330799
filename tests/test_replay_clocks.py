"""Replay safety: a recorded case history with clocks replays without non-determinism after the
holiday calendar changes, because due moments come from activities, whose results the history keeps.

Re-record with `PYTHONPATH=$PWD python -m tests.record_clock_history` (see that module).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from activities.case_file import ClockSchedule
from domain import rules as rules_module
from domain.records import DueAnswer
from domain.rules import Settings, Unit, compute_due, extended_due
from tests.clock_harness import ClockHarness
from tests.record_clock_history import CALENDAR, HISTORY, WORKFLOW_ID
from workers.build import RUNNER


def recorded_dues(history: WorkflowHistory) -> list[tuple[ClockSchedule, DueAnswer]]:
    """Each schedule_clock request in the history with the answer recorded for it."""
    convert = pydantic_data_converter.payload_converter
    asked: dict[int, ClockSchedule] = {}
    answered: list[tuple[ClockSchedule, DueAnswer]] = []
    for ev in history.events:
        if ev.HasField("activity_task_scheduled_event_attributes"):
            attrs = ev.activity_task_scheduled_event_attributes
            if attrs.activity_type.name == "schedule_clock":
                asked[ev.event_id] = convert.from_payloads(attrs.input.payloads, [ClockSchedule])[0]
        elif ev.HasField("activity_task_completed_event_attributes"):
            done = ev.activity_task_completed_event_attributes
            if done.scheduled_event_id in asked:
                answer = convert.from_payloads(done.result.payloads, [DueAnswer])[0]
                answered.append((asked[done.scheduled_event_id], answer))
    return answered


def due_now(settings: Settings, sched: ClockSchedule) -> datetime:
    req = sched.request
    count = extended_due if req.extend else compute_due
    return count(settings.rule(req.rule_id), req.start, settings, length=req.length,
                 unit=Unit(req.unit) if req.unit else None, on_date=req.on_date).due


async def test_history_replays_after_the_calendar_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = WorkflowHistory.from_json(WORKFLOW_ID, HISTORY.read_text(encoding="utf-8"))
    dues = recorded_dues(history)
    kinds = {sched.change.kind for sched, _ in dues}
    assert {"clock.started", "clock.resumed", "clock.extended", "clock.restarted"} <= kinds
    kinds_logged = {ev.activity_task_scheduled_event_attributes.activity_type.name for ev in history.events
                    if ev.HasField("activity_task_scheduled_event_attributes")}
    assert {"measure_remaining", "send_notice"} <= kinds_logged  # a pause and an escalation are in it

    # The operator updates the calendar: the recorded holidays are withdrawn (WEIQUAN_CONFIG names the new file).
    (tmp_path / "holidays.toml").write_text("# no holidays listed\n", encoding="utf-8")
    config = tmp_path / "weiquan.toml"
    config.write_text('[calendar]\noverride_file = "holidays.toml"\n', encoding="utf-8")
    monkeypatch.setenv("WEIQUAN_CONFIG", str(config))
    rules_module.settings.cache_clear()
    try:
        updated = rules_module.settings()
        then = rules_module.load_settings(calendar_file=CALENDAR)
        assert all(due_now(then, sched) == answer.due for sched, answer in dues)  # the history is that calendar's
        changed = [sched.request.rule_id for sched, answer in dues if due_now(updated, sched) != answer.due]
        assert len(changed) >= 3, "the calendar change must matter to the recorded clocks"

        replayer = Replayer(workflows=[ClockHarness], data_converter=pydantic_data_converter,
                            workflow_runner=RUNNER)
        result = await replayer.replay_workflow(history)  # raises on non-determinism
        assert result.replay_failure is None
    finally:
        rules_module.settings.cache_clear()
