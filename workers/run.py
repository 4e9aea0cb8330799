"""Running workers until told to stop, plus the outbox dispatcher beside the case queue."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack

import structlog
from temporalio.client import Client

from domain.rules import settings
from registry.store import Registry
from workers.build import build_workers
from workers.queues import ALL

log = structlog.get_logger()


async def dispatch_outbox(registry: Registry, interval: float = 2.0) -> None:
    """Deliver queued notices. Delivery here is the structured log line an office's messaging
    gateway reads; the row is marked sent so nothing is sent twice."""
    while True:
        rows = await asyncio.to_thread(registry.pending_notifications)
        for row in rows:
            log.info("notice delivered", case=row.scope, unit=row.unit, kind=row.kind,
                     recipient=row.recipient, subject=row.subject)
        if rows:
            await asyncio.to_thread(registry.mark_sent, [r.id for r in rows if r.id is not None])
        await asyncio.sleep(interval)


def stop_event() -> asyncio.Event:
    """Set on SIGINT or SIGTERM, so workers drain instead of dying mid-activity."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_workers(client: Client, registry: Registry, queues: Sequence[str] = ALL,
                      stop: asyncio.Event | None = None) -> None:
    stop = stop or stop_event()
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, registry, settings(), queues=queues):
            await stack.enter_async_context(worker)
        outbox = asyncio.create_task(dispatch_outbox(registry)) if "case" in queues else None
        log.info("workers running", queues=list(queues), namespace=client.namespace)
        await stop.wait()
        log.info("workers stopping: finishing running activities")
        if outbox:
            outbox.cancel()
