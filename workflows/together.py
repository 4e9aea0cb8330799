"""Independent steps of one transition, started in the same workflow task.

Every awaited activity is a round trip to the server. Steps that do not depend on one another (an
event-log entry beside a hand-over, two clocks starting or ending at the same moment) start
together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def together(*steps: Awaitable[T]) -> list[T]:
    """Run the steps at once; their results in the order given."""
    return list(await asyncio.gather(*steps))
