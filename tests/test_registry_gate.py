"""A worker whose database is away at start-up polls at once and serves what needs no database (the
case's workflow tasks, its state query), refuses its activities retryably, and carries the case on
once the database is back, each write once (workers/registry_gate.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from registry.store import Registry, make_engine
from starters.cases import case_state
from starters.directory import seed_demo_directory
from tests.helpers import at_stage, start
from workers.queues import DEFAULT_PREFIX
from workers.registry_gate import NOT_UP
from workers.run import run_workers


def registry_away(tmp_path: Path) -> tuple[Registry, Path, Path]:
    """A migrated, seeded registry whose folder is then moved away: SQLite cannot open the file
    until the folder is moved back. Returns the worker's registry, where it lives and where it is."""
    folder, away = tmp_path / "db", tmp_path / "away"
    ready = Registry(make_engine(f"sqlite:///{folder}/registry.db"))
    ready.upgrade()
    seed_demo_directory(ready)
    ready.engine.dispose()
    worker_registry = Registry(make_engine(f"sqlite:///{folder}/registry.db"))
    folder.rename(away)
    return worker_registry, folder, away


async def refused_for_registry(client: Client, number: str) -> bool:
    """The case's pending activity was tried and refused because the registry is not up."""
    described = await client.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=number)))
    pending = described.pending_activities
    return any(a.attempt > 1 and a.last_failure.application_failure_info.type == NOT_UP for a in pending)


async def test_a_worker_serves_cases_while_its_registry_is_away(env: WorkflowEnvironment, tmp_path: Path) -> None:
    registry, folder, away = registry_away(tmp_path)
    stop = asyncio.Event()
    workers = asyncio.create_task(run_workers(env.client, registry, stop=stop))
    try:
        number = await start(env.client, DEFAULT_PREFIX)
        # Workflow tasks are served: the case answers its state query and has scheduled its first
        # activity, which is refused (and retried) while the registry is away.
        assert (await case_state(env.client, number)).case_number == number
        for _ in range(300):
            if await refused_for_registry(env.client, number):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no activity refused for the registry")
        assert not workers.done()

        away.rename(folder)  # the database is back
        await at_stage(env.client, number, "legal_aid_review")
        assert registry.case(number) is not None
        assert [e.kind for e in registry.events(number)].count("case.opened") == 1
    finally:
        stop.set()
        await workers
