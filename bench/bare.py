"""Bare Temporal, for the benchmark to compare against: workflows that do what a case does to the
engine (the same number of activities, updates and waits) with no-op bodies.

    python -m bench.bare     # their worker (TEMPORAL_ADDRESS), on task queue bench.bare
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker

QUEUE = "bench.bare"


@activity.defn
def noop() -> None:
    """Nothing: the engine's cost of an activity alone."""


@workflow.defn
class BareWorkflow:
    """Runs ``plan[0]`` activities, waits for update 1, runs ``plan[1]``, … — a case's shape."""

    def __init__(self) -> None:
        self.waiting_for = 0  # the update the workflow is ready for (0: none)
        self.received = 0

    @workflow.run
    async def run(self, plan: list[int]) -> int:
        for i, count in enumerate(plan):
            if i:
                self.waiting_for = i
                await workflow.wait_condition(lambda i=i: self.received >= i)
            for _ in range(count):
                await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return sum(plan)

    @workflow.update
    async def step(self, n: int) -> int:
        self.received = n
        return n

    @step.validator
    def ready(self, n: int) -> None:
        if n != self.waiting_for or self.received >= n:
            raise ValueError("not now")


@workflow.defn
class BareIdle:
    """Waits; answers updates at once (the bare update round trip)."""

    def __init__(self) -> None:
        self.done = False

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
