"""Running workers until told to stop, plus the outbox dispatcher beside the case queue. The
workers poll at once; the registry is brought up beside them (workers.registry_gate)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack

import structlog
from sqlalchemy.exc import DBAPIError
from temporalio.client import Client

from domain.rules import settings
from registry.store import Registry
from workers.build import build_workers
from workers.health import Health
from workers.queues import ALL
from workers.registry_gate import RegistryGate
from workers.settings import WorkerSettings

log = structlog.get_logger()


async def dispatch_outbox(registry: Registry, interval: float = 2.0, stop: asyncio.Event | None = None) -> None:
    """Deliver queued notices. Delivery here is the structured log line an office's messaging
    gateway reads; the row is marked sent so nothing is sent twice. On stop, the round in hand is
    finished first, so a notice is never logged as delivered without being marked sent."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            rows = await asyncio.to_thread(registry.pending_notifications)
            for row in rows:
                log.info("notice delivered", case=row.scope, unit=row.unit, kind=row.kind,
                         recipient=row.recipient, subject=row.subject)
            if rows:
                await asyncio.to_thread(registry.mark_sent, [r.id for r in rows if r.id is not None])
        except DBAPIError as err:  # the database away for a while: the next round delivers (and marks) again
            log.warning("outbox: registry not reachable", error=str(err).splitlines()[0])
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
    stop, gate = stop or stop_event(), RegistryGate()
    async with AsyncExitStack() as stack:
        workers = build_workers(client, registry, settings(), queues=queues, tuning=tuning, gate=gate)
        for worker in workers:
            await stack.enter_async_context(worker)
        bringing_up = asyncio.create_task(gate.bring_up(registry, stop))

        async def once_up() -> None:
            if await bringing_up:
                if health:
                    health.registry_up = True
                if "case" in queues:
                    await dispatch_outbox(registry, stop=stop)

        after = asyncio.create_task(once_up())
        watch = asyncio.create_task(health.watch(client, workers)) if health else None
        log.info("workers running", queues=list(queues), namespace=client.namespace)
        await stop.wait()
        if health:
            health.draining = True
        if watch:
            watch.cancel()
        log.info("workers stopping: finishing running activities")
        # All queues stop polling at once and drain together, rather than one after another.
        await asyncio.gather(*(worker.shutdown() for worker in workers), after)
        log.info("workers stopped")
