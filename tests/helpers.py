"""Small helpers for driving cases in tests."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.calendar import SHANGHAI, WorkCalendar
from domain.models import CaseIntake, CaseView, DeadlineView
from starters.cases import case_state, open_case, send_event
from tests import factories

TODAY = factories.TODAY
PLACE = "南昌市劳动人事争议仲裁院第一仲裁庭"
PAST_DUE = timedelta(minutes=1)  # how far past a due moment skip_past lands: nothing else lapses meanwhile


async def server_today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(SHANGHAI).date()


async def skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    """Let the time-skipping server's clock reach ``moment`` (pins a test to a known calendar)."""
    now = await env.get_current_time()
    assert moment >= now, f"cannot skip back to {moment} from {now}"
    await env.sleep(moment - now)


def running_clock(view: CaseView, clock: str) -> DeadlineView | None:
    """The case's running clock named by rule id or key (``arb.nonfinal.sue:employer``), if any."""
    return next((d for d in view.deadlines if clock in (d.key, d.rule_id) and d.state in ("running", "warning")),
                None)


def clock_of(view: CaseView, clock: str) -> DeadlineView:
    found = running_clock(view, clock)
    assert found, f"{view.case_number}: no running clock {clock}; clocks {[(d.key, d.state) for d in view.deadlines]}"
    return found


def past_due(view: CaseView, clock: str, now: datetime) -> timedelta:
    """How long to skip from ``now`` to just past the due moment the case itself reports for ``clock``:
    a window whose last day rolls over a weekend or holiday is skipped exactly as far as it reaches."""
    return clock_of(view, clock).due - now + PAST_DUE


async def skip_past(env: WorkflowEnvironment, number: str, clock: str) -> DeadlineView:
    """Skip the time-skipping server to just past the due moment of the case's ``clock``."""
    view = await until(env.client, number, lambda v: running_clock(v, clock) is not None, f"running {clock}")
    await env.sleep(past_due(view, clock, await env.get_current_time()))
    return clock_of(view, clock)


def first_provisional_day(calendar: WorkCalendar, after: date) -> date:
    """The first day after ``after`` beyond the holiday data (weekends only, marked 暂定)."""
    day = after + timedelta(days=1)
    while not calendar.is_workday(day)[1]:
        day += timedelta(days=1)
        assert day.year < after.year + 5, "holiday data covers the next five years: nothing is provisional"
    return day


def actor(unit: str, person: str = "测试经办人") -> dict[str, str]:
    return {"unit": unit, "person": person}


_ids = iter(range(1, 10**9))


async def event(client: Client, number: str, name: str, unit: str, **fields: Any) -> Any:
    """Send an event with a fresh id."""
    payload = {"event_id": f"t-{next(_ids)}", "actor": actor(unit), **fields}
    return await send_event(client, number, name, payload)


async def start(client: Client, prefix: str, **intake_fields: Any) -> str:
    intake = CaseIntake.from_input(factories.intake(**intake_fields), TODAY)
    number, opened = await open_case(client, intake, prefix=prefix)
    assert opened
    return number


async def until(client: Client, number: str, test: Any, what: str = "", seconds: float = 60) -> CaseView:
    """Poll the state query (without skipping time) until ``test(view)`` holds."""
    view = None
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        view = await case_state(client, number)
        if test(view):
            return view
        await asyncio.sleep(0.03)
    raise AssertionError(f"{number}: never {what}; state {view}")


async def eventually(test: Any, what: str, seconds: float = 10) -> None:
    """Poll ``test()`` (a registry read, say) until it holds: the case's activities write the
    registry after the state query already shows the change."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not test():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never {what}")
        await asyncio.sleep(0.03)


async def at_stage(client: Client, number: str, stage: str) -> CaseView:
    return await until(client, number, lambda v: v.stage == stage, f"at {stage}")


async def filed(env: WorkflowEnvironment, prefix: str, **intake: Any) -> str:
    """A direct application (channel arbitration, no legal-aid referral), filed at once."""
    number = await start(env.client, prefix, channel="arbitration", consent=False, **intake)
    await until(env.client, number, lambda v: v.stage == "arbitration" and "当天立案" in v.waiting_for, "to file")
    await event(env.client, number, "arbitration_filed", "arbitration")
    return number


HEARINGS: dict[str, datetime] = {}  # case → the hearing its one-time notice set


async def one_time_notice(env: WorkflowEnvironment, number: str, days_ahead: int = 12) -> Any:
    now = (await env.get_current_time()).astimezone(SHANGHAI)
    hearing = datetime.combine(now.date() + timedelta(days=days_ahead), time(9, 30), SHANGHAI)
    HEARINGS[number] = hearing
    return await event(env.client, number, "arbitration_notice", "arbitration",
                       tribunal={"chair": "示例仲裁员甲", "members": ["示例仲裁员乙", "示例仲裁员丙"]},
                       evidence_until=(hearing.date() - timedelta(days=3)).isoformat(),
                       hearing_at=hearing.isoformat(), hearing_place=PLACE)


async def award(env: WorkflowEnvironment, number: str, **fields: Any) -> Any:
    """The award, once the hearing its notice set has been held (an award never comes before it)."""
    hearing = HEARINGS.get(number)
    if hearing is not None and (wait := hearing + timedelta(hours=2) - await env.get_current_time()) > timedelta(0):
        await env.sleep(wait)
    return await event(env.client, number, "arbitration_award", "arbitration", **fields)


async def close_after_failed_mediation(client: Client, number: str, unit: str = "union") -> None:
    """End a case in mediation the short way: mediation fails and the worker does not apply."""
    await event(client, number, "mediation_failed", unit, reason="双方分歧较大")
    await until(client, number, lambda v: "申请仲裁" in v.waiting_for, "waiting for an application")
    await event(client, number, "case_withdrawn", unit, reason="劳动者决定不申请仲裁")


async def settle(client: Client, workflow_id: str, seconds: float = 10) -> None:
    """Wait until a running workflow is idle — no activity or workflow task in flight — so that it
    can be terminated safely.

    The time-skipping server never releases the time lock of a task still in flight when its
    workflow is terminated (temporalio/sdk-java#1138): every later env.sleep then passes in real
    time and times out. (Raw describe: the SDK's decoding of our Datetime attribute fails there.)
    """
    request = DescribeWorkflowExecutionRequest(namespace=client.namespace,
                                               execution=WorkflowExecution(workflow_id=workflow_id))
    busy = (EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
    loop = asyncio.get_running_loop()
    deadline, seen = loop.time() + seconds, -1
    while loop.time() < deadline:
        described = await client.workflow_service.describe_workflow_execution(request)
        info = described.workflow_execution_info
        if info.status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
            return
        if not described.pending_activities and info.history_length == seen:  # quiet for a poll
            events = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
            if events[-1].event_type not in busy:
                return
        seen = info.history_length
        await asyncio.sleep(0.1)
