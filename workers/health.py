"""Health over HTTP for orchestrators.

/healthz (liveness): the process answers and no worker has died. A worker waiting for its
registry is alive: it polls and serves workflow tasks, and restarting it would not bring the
database back.
/readyz (readiness): it does all its work: the server lists this process as a poller on each of its
task queues, the registry has been migrated since start-up (activities run), and it is not draining
after SIGTERM. Answers "starting", "waiting for registry", "ready" or "draining". Readiness is not
withdrawn when the database goes away later: activities then fail and Temporal retries them, as
it retries those refused while the registry was not yet up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import structlog
from aiohttp import web
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

log = structlog.get_logger()


class Health:
    def __init__(self) -> None:
        self.workers: list[Worker] = []
        self.polled = False  # every queue lists this process as a poller
        self.registry_up = False
        self.draining = False

    def alive(self) -> bool:
        return self.draining or not any(w.is_shutdown for w in self.workers)

    async def watch(self, client: Client, workers: Sequence[Worker], interval: float = 0.5) -> None:
        """Ready once every queue (workflow and activity side) shows this client's identity as a poller."""
        self.workers = list(workers)
        wanted = [(w.task_queue, kind) for w in workers for kind in _kinds(w)]
        while wanted:
            wanted = [(q, kind) for q, kind in wanted if not await _polled(client, q, kind)]
            if wanted:
                await asyncio.sleep(interval)
        self.polled = True
        log.info("workers polling", queues=sorted({w.task_queue for w in workers}))

    async def _healthz(self, _: web.Request) -> web.Response:
        return _answer(self.alive(), "draining" if self.draining else "alive")

    def state(self) -> str:
        if self.draining:
            return "draining"
        if not self.polled:
            return "starting"
        return "ready" if self.registry_up else "waiting for registry"

    async def _readyz(self, _: web.Request) -> web.Response:
        state = self.state()
        return _answer(state == "ready", state)

    @asynccontextmanager
    async def serving(self, address: str | None) -> AsyncIterator[Health]:
        """Serve the endpoints on host:port (nothing when address is None) for the block's duration."""
        if not address:
            yield self
            return
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        host, _, port = address.rpartition(":")
        await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
        try:
            yield self
        finally:
            await runner.cleanup()


def _kinds(worker: Worker) -> list[TaskQueueType.ValueType]:
    config = worker.config()
    kinds = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW] if config.get("workflows") else []
    return kinds + ([TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY] if config.get("activities") else [])


async def _polled(client: Client, task_queue: str, kind: TaskQueueType.ValueType) -> bool:
    try:
        answer = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=task_queue), task_queue_type=kind))
    except RPCError as err:  # the server is briefly unreachable: not ready yet, ask again
        log.warning("cannot describe task queue", task_queue=task_queue, error=str(err))
        return False
    return any(p.identity == client.identity for p in answer.pollers)


def _answer(ok: bool, text: str) -> web.Response:
    return web.Response(status=200 if ok else 503, text=text + "\n")
