"""Independent steps of one transition, started in the same workflow task.

Every awaited activity is a round trip to the server. Steps that do not depend on one another (an
event-log entry beside a hand-over, two clocks starting or ending at the same moment) start
together. Cases opened before the patch ``fewer-round-trips`` replay them one after another, as
they ran (docs/proof.md).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import TypeVar

from temporalio import workflow

FEWER_ROUND_TRIPS = "fewer-round-trips"

T = TypeVar("T")


def fewer_round_trips() -> bool:
    return workflow.patched(FEWER_ROUND_TRIPS)


async def together(*steps: Awaitable[T]) -> list[T]:
    """Run the steps at once (in order before the patch); their results in the order given."""
    if fewer_round_trips():
        return list(await asyncio.gather(*steps))
    try:
        return [await step for step in steps]
    finally:  # evicted part-way (e.g. where a replay ends): drop the steps never started, quietly
        for step in steps:
            if inspect.iscoroutine(step) and inspect.getcoroutinestate(step) == inspect.CORO_CREATED:
                step.close()
