"""Bare Temporal, for the benchmark to compare against: workflows that do what a case does to the
engine (the same number of activities, events, waits and timers) with no-op bodies. An event is
what a case's is: a signal, then its answer read back with a query (``bare_send`` in bench/run.py).

    python -m bench.bare     # their worker (TEMPORAL_ADDRESS), on task queue bench.bare
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

QUEUE = "bench.bare"
FIRES_AFTER = timedelta(milliseconds=10)  # a timer that fires costs the engine the same, however long
NEVER = timedelta(days=3650)  # one the case withdraws before it is due


def shape(history: Any) -> tuple[list[int], list[list[int]]]:
    """A case's history as the bare workflow's arguments: the activities scheduled before its first
    event and between each two (the plan), and per stretch the timers started there that fired and
    those withdrawn (or still running when the case closed)."""
    plan, timers, started = [0], [[0, 0]], {}
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            plan[-1] += 1
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            plan.append(0)
            timers.append([0, 0])
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            started[event.event_id] = len(plan) - 1
        elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
            timers[started.pop(event.timer_fired_event_attributes.started_event_id)][0] += 1
    for stretch in started.values():
        timers[stretch][1] += 1
    return plan, timers


@activity.defn
def noop() -> None:
    """Nothing: the engine's cost of an activity alone."""


@workflow.defn
class BareWorkflow:
    """Runs ``plan[0]`` activities, waits for event 1, runs ``plan[1]``, … — a case's shape; with
    ``timers`` ([fired, withdrawn] per stretch, bench.bare.shape) its timers too."""

    def __init__(self) -> None:
        self.waiting_for = 0  # the event the workflow is ready for (0: none)
        self.received = 0
        self.answers: dict[int, tuple[int, bool]] = {}  # event → (tries, applied)

    @workflow.run
    async def run(self, plan: list[int], timers: list[list[int]] | None = None) -> int:
        for i, count in enumerate(plan):
            if i:
                self.waiting_for = i
                await workflow.wait_condition(lambda i=i: self.received >= i)
            fired, withdrawn = timers[i] if timers else (0, 0)
            pending = [asyncio.create_task(workflow.sleep(NEVER)) for _ in range(withdrawn)]
            for _ in range(count):
                await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=10))
            for _ in range(fired):
                await workflow.sleep(FIRES_AFTER)
            for timer in pending:
                timer.cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return sum(plan)

    @workflow.signal
    def step(self, n: int) -> None:
        tries = self.answers.get(n, (0, False))[0] + 1
        fits = n == self.waiting_for and self.received < n
        if fits:
            self.received = n
        self.answers[n] = (tries, fits or self.received >= n)

    @workflow.query
    def answer(self, n: int) -> tuple[int, bool] | None:
        return self.answers.get(n)


@workflow.defn
class BareIdle:
    """Waits; answers events (signal + answer query) and updates at once (the bare round trips)."""

    def __init__(self) -> None:
        self.done = False
        self.answers: dict[int, tuple[int, bool]] = {}

    @workflow.signal
    def event(self, n: int) -> None:
        self.answers[n] = (self.answers.get(n, (0, False))[0] + 1, True)

    @workflow.query
    def answer(self, n: int) -> tuple[int, bool] | None:
        return self.answers.get(n)

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def ping(self, n: int) -> int:
        return n

    @ping.validator
    def check(self, n: int) -> None:
        if n < 0:
            raise ValueError("negative")

    @workflow.signal
    def stop(self) -> None:
        self.done = True


async def main() -> None:
    from starters.server import wait_for_server
    from workers.run import stop_event

    client = await wait_for_server(timeout=120)  # the same client settings as ours (pydantic converter)
    stop = stop_event()
    async with Worker(client, task_queue=QUEUE, workflows=[BareWorkflow, BareIdle], activities=[noop],
                      activity_executor=ThreadPoolExecutor(16)):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
