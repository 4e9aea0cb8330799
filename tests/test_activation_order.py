"""A signal's event is taken after what the same task's activity results wake, whether the worker
gets them in one activation or (a worker that has just started) in two: the case workers apply an
activation's jobs as one batch (workers.build.one_batch_per_activation) and the desk waits until
nothing else can run (workflows.events.settled; docs/proof.md, "Open", seeds 10 and 12).

The workflow here is the desk's shape in small: the signal handler only records, a desk coroutine
waits for the inbox, settles and starts an activity; the main path, when its activity returns,
passes a condition (as a clock waits for its turn on the clock board) and starts one.
The task under test holds both the activity's result and the signal, because no workflow worker
runs while they arrive. On the dev server: the time-skipping server keeps a stopped worker's
sticky queue, so its next task would wait there."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from workers.binaries import binary
from workers.build import one_batch_per_activation
from workflows.events import settled

RELEASE = asyncio.Event()
ACTIVITIES = "activation-order-activities"
QUICK = timedelta(seconds=30)


@activity.defn
async def held() -> None:
    await RELEASE.wait()


@activity.defn
async def note(what: str) -> str:
    return what


@workflow.defn(sandboxed=False)
class SmallDesk:
    def __init__(self) -> None:
        self.inbox: deque[str] = deque()
        self.results = 0

    @workflow.run
    async def run(self) -> None:
        asyncio.create_task(self.serve())
        await workflow.execute_activity(held, start_to_close_timeout=timedelta(minutes=5), task_queue=ACTIVITIES)
        self.results += 1
        await workflow.wait_condition(lambda: self.results > 0)
        await workflow.execute_activity(note, "after the result", start_to_close_timeout=QUICK, task_queue=ACTIVITIES)
        await workflow.wait_condition(lambda: False)

    async def serve(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.inbox))
            await settled()
            event = self.inbox.popleft()
            await workflow.execute_activity(note, f"event {event}", start_to_close_timeout=QUICK, task_queue=ACTIVITIES)

    @workflow.signal
    def event(self, name: str) -> None:
        self.inbox.append(name)



def workflow_worker(client: Client, queue: str, one_batch: bool) -> Worker:
    worker = Worker(client, task_queue=queue, workflows=[SmallDesk], workflow_runner=UnsandboxedWorkflowRunner())
    return one_batch_per_activation(worker) if one_batch else worker


async def events_of(handle: WorkflowHandle[object, object], kind: int) -> list[object]:
    return [e for e in (await handle.fetch_history()).events if e.event_type == kind]


async def until(handle: WorkflowHandle[object, object], kind: int, count: int) -> None:
    async def poll() -> None:
        while len(await events_of(handle, kind)) < count:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(poll(), timeout=30)


@pytest_asyncio.fixture(scope="module")
async def dev() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=str(binary("temporal")), ui=False,
                                                dev_server_log_level="error")
    yield env
    await env.shutdown()


async def notes_after_one_task(dev: WorkflowEnvironment, one_batch: bool) -> tuple[list[str], set[int], str | None]:
    """Runs the scenario; returns the notes in the order the task scheduled them, the SDK flags the
    history records, and the replay failure if any."""
    RELEASE.clear()
    queue = f"activation-order-{uuid.uuid4().hex[:8]}"
    async with Worker(dev.client, task_queue=ACTIVITIES, activities=[held, note]):
        async with workflow_worker(dev.client, queue, one_batch):
            handle = await dev.client.start_workflow(SmallDesk.run, id=queue, task_queue=queue)
            await until(handle, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 1)
        # No workflow worker now: the result and the signal wait for the same task.
        RELEASE.set()
        await until(handle, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1)
        await handle.signal(SmallDesk.event, "x")
        async with workflow_worker(dev.client, queue, one_batch):
            await until(handle, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 3)
    history = await handle.fetch_history()
    await handle.terminate()
    convert = DataConverter.default.payload_converter
    notes = [convert.from_payloads(e.activity_task_scheduled_event_attributes.input.payloads)[0]
             for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
             and e.activity_task_scheduled_event_attributes.activity_type.name == "note"]
    flags = {flag for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
             for flag in e.workflow_task_completed_event_attributes.sdk_metadata.lang_used_flags}
    replay = await Replayer(workflows=[SmallDesk], workflow_runner=UnsandboxedWorkflowRunner()).replay_workflow(
        history, raise_on_replay_failure=False)
    return notes, flags, str(replay.replay_failure) if replay.replay_failure else None


async def test_a_signals_event_is_taken_after_what_the_tasks_results_wake(dev: WorkflowEnvironment) -> None:
    notes, flags, failure = await notes_after_one_task(dev, one_batch=True)
    # The order a worker given the result first and the signal in a later activation writes too.
    assert notes == ["after the result", "event x"]
    assert 2 in flags  # PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH, which replay follows
    assert failure is None


async def test_without_one_batch_the_sdk_runs_the_signal_first(dev: WorkflowEnvironment) -> None:
    """What the setting changes, settling or not (and a guard that the SDK's private switch still
    does something): the signal is run to rest before the result is applied."""
    notes, flags, failure = await notes_after_one_task(dev, one_batch=False)
    assert notes == ["event x", "after the result"]
    assert 2 not in flags
    assert failure is None
