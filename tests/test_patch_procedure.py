"""The post-release procedure for a logic change (docs/proof.md, "Changing workflows after
release"), on the SDK we run: ``patched(id)`` → ``deprecate_patch(id)`` → the call removed, and
which histories each step still replays. Four builds of one toy workflow (a step before a wait):

    v0  no step            v1  patched: the step    v2  deprecate_patch: the step    v3  the step
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker
from temporalio.workflow import NondeterminismError

PATCH = "a-new-step"


async def step() -> None:
    await workflow.sleep(timedelta(hours=1), summary="the new step")


async def rest() -> None:
    await workflow.sleep(timedelta(days=1))


@workflow.defn(name="Toy")
class V0:
    @workflow.run
    async def run(self) -> None:
        await rest()


@workflow.defn(name="Toy")
class V1:
    @workflow.run
    async def run(self) -> None:
        if workflow.patched(PATCH):
            await step()
        await rest()


@workflow.defn(name="Toy")
class V2:
    @workflow.run
    async def run(self) -> None:
        workflow.deprecate_patch(PATCH)
        await step()
        await rest()


@workflow.defn(name="Toy")
class V3:
    @workflow.run
    async def run(self) -> None:
        await step()
        await rest()


BUILDS = [V0, V1, V2, V3]


async def history(env: WorkflowEnvironment, build: type) -> WorkflowHistory:
    queue = f"toy-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[build], workflow_runner=UnsandboxedWorkflowRunner()):
        handle = await env.client.start_workflow("Toy", id=f"toy-{uuid.uuid4().hex[:8]}", task_queue=queue)
        await handle.result()
        return await handle.fetch_history()


async def replays(history: WorkflowHistory, build: type) -> bool:
    try:
        await Replayer(workflows=[build], workflow_runner=UnsandboxedWorkflowRunner()).replay_workflow(history)
    except NondeterminismError:
        return False
    return True


async def test_each_step_of_the_procedure_replays_the_histories_it_must(env: WorkflowEnvironment) -> None:
    written = {build.__name__: await history(env, build) for build in BUILDS}
    can = {(h, b.__name__): await replays(written[h], b) for h in written for b in BUILDS}
    # 1. patched(id): runs begun by the old build still replay, as do its own.
    assert can["V0", "V1"] and can["V1", "V1"]
    # 2. deprecate_patch(id): only once no run of the old build is left — it takes the new step.
    assert not can["V0", "V2"]
    assert can["V1", "V2"] and can["V2", "V2"]
    # 3. The call removed: only once no run with a marker written by patched() is left ...
    assert not can["V1", "V3"] and not can["V0", "V3"]
    # ... while the deprecated markers written by step 2 are skipped.
    assert can["V2", "V3"] and can["V3", "V3"]

