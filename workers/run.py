"""Running workers until told to stop, plus the outbox dispatcher beside the case queue."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack

import structlog
from temporalio.client import Client

from domain.rules import settings
from registry.store import Registry
from workers.build import build_workers
from workers.health import Health
from workers.queues import ALL
from workers.settings import WorkerSettings

log = structlog.get_logger()


async def dispatch_outbox(registry: Registry, interval: float = 2.0, stop: asyncio.Event | None = None) -> None:
    """Deliver queued notices. Delivery here is the structured log line an office's messaging
    gateway reads; the row is marked sent so nothing is sent twice. On stop, the round in hand is
    finished first, so a notice is never logged as delivered without being marked sent."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        rows = await asyncio.to_thread(registry.pending_notifications)
        for row in rows:
            log.info("notice delivered", case=row.scope, unit=row.unit, kind=row.kind,
                     recipient=row.recipient, subject=row.subject)
        if rows:
            await asyncio.to_thread(registry.mark_sent, [r.id for r in rows if r.id is not None])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


def stop_event() -> asyncio.Event:
    """Set on SIGINT or SIGTERM, so workers drain instead of dying mid-activity."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_workers(client: Client, registry: Registry, queues: Sequence[str] = ALL,
                      stop: asyncio.Event | None = None, *, tuning: WorkerSettings | None = None,
                      health: Health | None = None) -> None:
    stop = stop or stop_event()
    async with AsyncExitStack() as stack:
        workers = build_workers(client, registry, settings(), queues=queues, tuning=tuning)
        for worker in workers:
            await stack.enter_async_context(worker)
        outbox = asyncio.create_task(dispatch_outbox(registry, stop=stop)) if "case" in queues else None
        watch = asyncio.create_task(health.watch(client, workers)) if health else None
        log.info("workers running", queues=list(queues), namespace=client.namespace)
        await stop.wait()
        if health:
            health.draining = True
        if watch:
            watch.cancel()
        log.info("workers stopping: finishing running activities")
        # All queues stop polling at once and drain together, rather than one after another.
        await asyncio.gather(*(worker.shutdown() for worker in workers), *([outbox] if outbox else []))
        log.info("workers stopped")
