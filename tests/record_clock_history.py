"""Record the clock history that tests/test_replay_clocks.py replays.

    PYTHONPATH=$PWD python -m tests.record_clock_history

Re-record after a deliberate change to workflow code that the replay test reports as
non-deterministic (and only then: a replay failure otherwise means running cases would break).
It runs the harness on a fresh time-skipping server with a holiday file of its own (written next
to the history), through start, pause, resume, extension, restart, warning, lapse and escalation.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.calendar import SHANGHAI
from domain.models import CaseIntake
from domain.rules import load_settings
from domain.signing import ensure_dev_keys
from registry.store import Registry, make_engine
from starters.cases import send_event
from starters.directory import seed_demo_directory
from starters.search_attributes import ensure_search_attributes
from tests import factories
from tests.clock_harness import ClockHarness, StartClock, harness_worker
from workers.binaries import binary
from workers.build import activities_for

HISTORIES = Path(__file__).parent / "histories"
HISTORY = HISTORIES / "clock_harness.json"
CALENDAR = HISTORIES / "clock_harness.holidays.toml"  # the holiday data the history was recorded with
WORKFLOW_ID = "CLK-REPLAY-1"


def holiday_file(today: date) -> str:
    """Holidays that change every clock of the scenario: the next two working days, and the last
    days of the 3- and 45-day periods (so they roll): the working day each period's end already
    rolls to, whatever weekday the recording starts on."""
    cal = load_settings().calendar
    first = cal.next_workday(today, include=False).day
    days = sorted({first, cal.next_workday(first, include=False).day,
                   *(cal.next_workday(today + timedelta(days=n), include=True).day for n in (3, 45))})
    by_year: dict[int, list[date]] = {}
    for day in days:
        by_year.setdefault(day.year, []).append(day)
    return "# Written by tests/record_clock_history.py\n" + "".join(
        f"[years.{year}]\nholidays = [{', '.join(d.isoformat() for d in listed)}]\n"
        for year, listed in by_year.items())


async def record() -> None:
    HISTORIES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WEIQUAN_HOME"] = tmp  # the units' signing keys of this recording only
        ensure_dev_keys()
        await _record(Path(tmp))


async def _record(tmp: Path) -> None:
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=pydantic_data_converter
    ) as env:
        client = env.client
        await ensure_search_attributes(client)
        now = (await env.get_current_time()).astimezone(SHANGHAI)
        morning = datetime.combine(now.date() + timedelta(days=1), time(9, 0), SHANGHAI)
        await env.sleep(morning - now)
        CALENDAR.write_text(holiday_file(morning.date()), encoding="utf-8")
        registry = Registry(make_engine(f"sqlite:///{tmp / 'registry.db'}"))
        registry.create_all()
        seed_demo_directory(registry)
        settings = load_settings(calendar_file=CALENDAR)
        queue = f"rec{uuid.uuid4().hex[:8]}.case"
        intake = CaseIntake.from_input(factories.intake(), date.today())
        async with harness_worker(client, queue, activities_for("case", registry, settings)):
            handle = await client.start_workflow(ClockHarness.run, intake, id=WORKFLOW_ID, task_queue=queue)
            for rule_id in ("arb.award", "legal_aid.assign", "arb.one_time_notice"):
                await handle.execute_update(ClockHarness.start_clock, StartClock(rule_id=rule_id))

            async def event(name: str, unit: str, clock: str, **fields: str) -> None:
                payload = {"event_id": f"rec-{name}-{clock}", "actor": {"unit": unit, "person": "录制"},
                           "clock": clock, "reason": "录制", **fields}
                await send_event(client, WORKFLOW_ID, name, payload)

            await event("clock_pause", "legal_aid", "legal_aid.assign")
            await env.sleep(timedelta(days=1))
            await event("clock_resume", "legal_aid", "legal_aid.assign")
            await event("clock_extend", "arbitration", "arb.award", approver="仲裁委员会主任")
            await event("clock_restart", "arbitration", "arb.award")
            await env.sleep(timedelta(days=8))  # past both short clocks: warnings, lapses, escalations
            async with asyncio.timeout(30):
                while len([n for n in registry.notifications(WORKFLOW_ID) if n.kind == "escalation"]) < 4:
                    await asyncio.sleep(0.05)
            await handle.signal(ClockHarness.finish)
            history = await handle.fetch_history()
            while not history.events[-1].HasField("workflow_execution_completed_event_attributes"):
                await asyncio.sleep(0.05)  # not result(): waiting on it lets the test server skip years
                history = await handle.fetch_history()
        HISTORY.write_text(history.to_json(), encoding="utf-8")
        print(f"wrote {HISTORY} ({len(history.events)} events) and {CALENDAR}")


if __name__ == "__main__":
    asyncio.run(record())
