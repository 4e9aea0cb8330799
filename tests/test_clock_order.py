"""Clock answers take effect in the order they were asked for and all in one step, once every
answer asked for is in: the commands that follow — search attributes, the clocks' timers — must not
depend on how the SDK groups results into activations, since a worker starting cold may be handed a
task's two results in two activations and replay groups them into one (fault seed 19).

Two clocks start, pause and resume together; one clock's answers take longer. Whichever it is, the
first answer of each pair issues no command, and the timers come in the order asked.
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
from temporalio.api.history.v1 import HistoryEvent
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.case_file import CaseFile, ClockMeasure, ClockSchedule
from domain.models import CaseIntake
from domain.records import DueAnswer, Remaining
from domain.rules import Settings
from registry.store import Registry
from tests import factories
from tests.clock_harness import ClockOrder
from tests.helpers import TODAY
from workers.build import RUNNER

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

FIRST, SECOND = ClockOrder.FIRST, ClockOrder.SECOND
ANSWERS = {"schedule_clock", "measure_remaining"}
COMMANDS = {EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
            EventType.EVENT_TYPE_MARKER_RECORDED, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED}


class SlowOne:
    """The clock activities as in production, except that one rule's answers take a moment longer."""

    def __init__(self, case_file: CaseFile, slow: str) -> None:
        self.case_file, self.slow = case_file, slow
        # A wait nobody ends rather than time.sleep: Python 3.11's sleep is an absolute
        # clock_nanosleep on the monotonic clock, which libfaketime (the date-shifted runs of
        # tests/run.sh leave that clock unfaked) turns into an invalid time: EINVAL (libfaketime#426).
        self.pause = threading.Event()

    def _wait(self, rule_id: str) -> None:
        if rule_id == self.slow:
            self.pause.wait(1.5)

    @activity.defn(name="schedule_clock")
    def schedule_clock(self, sched: ClockSchedule) -> DueAnswer:
        self._wait(sched.request.rule_id)
        return self.case_file.schedule_clock(sched)

    @activity.defn(name="measure_remaining")
    def measure_remaining(self, measure: ClockMeasure) -> Remaining:
        self._wait(measure.request.rule_id)
        return self.case_file.measure_remaining(measure)


async def clock_history(env: WorkflowEnvironment, registry: Registry, settings: Settings,
                        slow: str) -> list[HistoryEvent]:
    """The history of ClockOrder once both clocks have resumed and set their timers."""
    queue = f"order-{uuid.uuid4().hex[:8]}"
    case_file = CaseFile(registry, settings)
    slow_one = SlowOne(case_file, slow)
    activities = [case_file.register_case, case_file.record_change, slow_one.schedule_clock,
                  slow_one.measure_remaining]
    async with Worker(env.client, task_queue=queue, workflows=[ClockOrder], activities=activities,
                      activity_executor=ThreadPoolExecutor(max_workers=4), workflow_runner=RUNNER):
        intake = CaseIntake.from_input(factories.intake(), TODAY)
        handle = await env.client.start_workflow(ClockOrder.run, intake,
                                                 id=f"ORDER-{uuid.uuid4().hex[:8]}", task_queue=queue)
        for _ in range(200):
            events = list((await handle.fetch_history()).events)
            if len(timer_rules(events)) == 6:
                break
            await asyncio.sleep(0.1)
        await handle.terminate("test finished")
    return events


def timer_rules(events: list[HistoryEvent]) -> list[str]:
    """The rules of the clocks' timers, in the order the workflow started them."""
    return [json.loads(e.user_metadata.summary.data).split()[0] for e in events
            if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]


def commands_between_answers(events: list[HistoryEvent]) -> list[list[str]]:
    """For each pair of clock answers asked for together, the commands written between its two answers."""
    scheduled = {e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name for e in events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED}
    answers = [i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
               and scheduled[e.activity_task_completed_event_attributes.scheduled_event_id] in ANSWERS]
    assert len(answers) == 6  # start, pause and resume, two clocks each
    return [[EventType.Name(e.event_type) for e in events[first + 1:second] if e.event_type in COMMANDS]
            for first, second in zip(answers[::2], answers[1::2], strict=True)]


@pytest.mark.parametrize("slow", [FIRST, SECOND])
async def test_clock_answers_take_effect_together_in_the_order_asked(
        env: WorkflowEnvironment, registry: Registry, settings: Settings, slow: str) -> None:
    events = await clock_history(env, registry, settings, slow)
    assert commands_between_answers(events) == [[], [], []]
    # Started; then, the resume asked in the pause's own task (so counting again) before its answer
    # came, on the old due moments; then resumed.
    assert timer_rules(events) == [FIRST, SECOND] * 3
