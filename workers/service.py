"""`weiquan worker` in production: one process serving some task queues, watched by an orchestrator.

Start-up order: health endpoint (alive, not ready) → client with a Prometheus endpoint → search
attributes ensured (case queue) → workers polling, with the registry migrated to head beside them
(retried while the database is away; activities wait for it: workers/registry_gate.py); ready once
the server lists our pollers and the registry is up (workers/health.py). SIGTERM: not ready,
polling stops, running activities finish, the process exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError

from registry.store import Registry
from starters.search_attributes import ensure_search_attributes
from workers.connect import connect
from workers.health import Health
from workers.run import run_workers, stop_event
from workers.settings import WorkerSettings, load_worker_settings

log = structlog.get_logger()


def metrics_runtime(address: str | None) -> Runtime | None:
    """A runtime exporting the SDK's metrics (task slots, poll and schedule-to-start latencies, failures)."""
    if not address:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def connected(metrics_address: str | None, wait: float = 120) -> Client:
    """A worker started before (or while restarting) the server waits for it rather than exiting
    (bench/fault.py restarts workers while the server is down)."""
    deadline = asyncio.get_running_loop().time() + wait
    runtime = metrics_runtime(metrics_address)
    while True:
        try:
            return await connect(runtime=runtime)
        except RuntimeError as err:  # "Failed client connect"
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("temporal not reachable yet", error=str(err))
            await asyncio.sleep(1)


async def serve(queues: Sequence[str], tuning: WorkerSettings | None = None) -> None:
    tuning = tuning or load_worker_settings()
    stop = stop_event()
    health = Health()
    async with health.serving(tuning.health_address):
        registry = Registry()
        client = await connected(tuning.metrics_address)
        if "case" in queues:
            try:
                await ensure_search_attributes(client)
            except RPCError as err:  # e.g. a worker-only API key: an operator registers them instead
                log.warning("search attributes not ensured", error=str(err))
        log.info("worker starting", queues=list(queues), health=tuning.health_address,
                 metrics=tuning.metrics_address, max_concurrent_activities=tuning.max_concurrent_activities,
                 graceful_shutdown_seconds=tuning.graceful_shutdown_seconds)
        await run_workers(client, registry, queues, stop, tuning=tuning, health=health)
