"""A worker polls before its registry is up. Workflow tasks need no database, so a worker started
during a database outage serves them at once, instead of dying in the migration and being started
again and again (issue 15: 36 deaths and events unanswered for 99 s in a 30 s outage). The registry
is brought to the newest migration beside the polling, retried until it succeeds; until then every
activity of the worker fails with a retryable error and Temporal tries it again, so none runs
against a schema older than its code.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import structlog
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from registry.store import Registry

log = structlog.get_logger()

NOT_UP = "RegistryNotUp"  # the error type of an activity refused while the registry is not up
# How soon Temporal tries a refused activity again (instead of its growing back-off): soon after
# the database returns, the case goes on.
RETRY_IN = timedelta(seconds=2)


class RegistryGate(Interceptor):
    """Open once the registry is migrated; the workers' activities pass only when it is open."""

    def __init__(self) -> None:
        self.up = False

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Gated(next, self)

    async def bring_up(self, registry: Registry, stop: asyncio.Event, longest_wait: float = 5.0) -> bool:
        """Migrate the registry, trying again (0.5 s, doubling, at most ``longest_wait``) on any
        failure: an unreachable database heals by itself, and a schema the code cannot migrate is
        reported on every try rather than by a worker that keeps dying. False: stopped first."""
        wait, attempt = 0.5, 1
        while not stop.is_set():
            try:
                await asyncio.to_thread(registry.upgrade)
            except Exception as err:
                log.warning("登记库尚未就绪，稍后重试 / registry not up yet: workflow tasks are served, "
                            "activities wait", attempt=attempt, retry_in=wait, error=str(err).splitlines()[0])
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                except TimeoutError:
                    pass
                wait, attempt = min(wait * 2, longest_wait), attempt + 1
                continue
            self.up = True
            log.info("registry up", attempts=attempt)
            return True
        return False


class _Gated(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, gate: RegistryGate) -> None:
        super().__init__(next)
        self.gate = gate

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if not self.gate.up:
            raise ApplicationError("登记库尚未就绪 / the registry is not up yet", type=NOT_UP,
                                   next_retry_delay=RETRY_IN)
        return await super().execute_activity(input)
