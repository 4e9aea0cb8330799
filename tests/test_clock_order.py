"""Clock schedules take effect in the order they were asked for, whichever activity result arrives
first: the commands that follow a schedule — search attributes, the clock's timer — must not depend
on how the SDK groups results into activations, since replay may group them otherwise than the
worker that first ran the case.

Two clocks start together; the first one's due moment takes longer to compute. Its timer still
comes first.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.case_file import CaseFile, ClockSchedule
from domain.models import CaseIntake
from domain.records import DueAnswer
from domain.rules import Settings
from registry.store import Registry
from tests import factories
from tests.clock_harness import ClockOrder
from tests.helpers import TODAY
from workers.build import RUNNER

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

SLOW, FAST = ClockOrder.FIRST, ClockOrder.SECOND


class SlowFirst:
    """schedule_clock as in production, except that the first clock's answer takes a moment longer."""

    def __init__(self, case_file: CaseFile) -> None:
        self.case_file = case_file
        # A wait nobody ends rather than time.sleep: Python 3.11's sleep is an absolute
        # clock_nanosleep on the monotonic clock, which libfaketime (the date-shifted runs of
        # tests/run.sh leave that clock unfaked) turns into an invalid time: EINVAL (libfaketime#426).
        self.pause = threading.Event()

    @activity.defn(name="schedule_clock")
    def schedule_clock(self, sched: ClockSchedule) -> DueAnswer:
        if sched.request.rule_id == SLOW:
            self.pause.wait(1.5)
        return self.case_file.schedule_clock(sched)


async def timer_order(env: WorkflowEnvironment, registry: Registry, settings: Settings) -> list[str]:
    """The rules of the clocks' timers, in the order the workflow started them."""
    queue = f"order-{uuid.uuid4().hex[:8]}"
    case_file = CaseFile(registry, settings)
    activities = [case_file.register_case, case_file.record_change, SlowFirst(case_file).schedule_clock]
    async with Worker(env.client, task_queue=queue, workflows=[ClockOrder], activities=activities,
                      activity_executor=ThreadPoolExecutor(max_workers=4), workflow_runner=RUNNER):
        intake = CaseIntake.from_input(factories.intake(), TODAY)
        handle = await env.client.start_workflow(ClockOrder.run, intake,
                                                 id=f"ORDER-{uuid.uuid4().hex[:8]}", task_queue=queue)
        for _ in range(100):
            timers = [e for e in (await handle.fetch_history()).events
                      if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
            if len(timers) == 2:
                break
            await asyncio.sleep(0.1)
        await handle.terminate("test finished")
    return [json.loads(e.user_metadata.summary.data).split()[0] for e in timers]


async def test_clock_schedules_take_effect_in_the_order_asked(
        env: WorkflowEnvironment, registry: Registry, settings: Settings) -> None:
    assert await timer_order(env, registry, settings) == [SLOW, FAST]
