"""tests/proof.py tells a workflow task our code failed from one the engine failed and retried."""

from __future__ import annotations

import uuid

from temporalio import workflow
from temporalio.api.enums.v1 import WorkflowTaskFailedCause as Cause
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from tests.proof import TaskFailure, expected_writes

raised: set[str] = set()  # workflow ids that have failed their first task (unsandboxed: kept across tasks)


@workflow.defn(sandboxed=False)
class FailsOnce:
    @workflow.run
    async def run(self) -> str:
        if workflow.info().workflow_id not in raised:
            raised.add(workflow.info().workflow_id)
            raise RuntimeError("a bug in the workflow")  # not an ApplicationError: fails the task, not the run
        return "done"


async def test_a_task_our_workflow_code_failed_is_ours(env: WorkflowEnvironment) -> None:
    queue = f"proof-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[FailsOnce], workflow_runner=UnsandboxedWorkflowRunner()):
        handle = await env.client.start_workflow(FailsOnce.run, id=f"fails-once-{uuid.uuid4()}", task_queue=queue)
        assert await handle.result() == "done"
    [failure] = expected_writes(await handle.fetch_history()).failures
    assert failure.ours and "a bug in the workflow" in str(failure)


def test_the_engines_own_failures_are_not_ours() -> None:
    worker_failure = Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
    assert not TaskFailure(9, Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, "").ours
    assert not TaskFailure(9, Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
                           "[TMPRL1100] Nondeterminism error: Update machine does not handle this event").ours
    assert not TaskFailure(9, worker_failure, "[TMPRL1101] Potential deadlock detected").ours
    assert not TaskFailure(9, worker_failure, "Fatal error in workflow machines: ActivityMachine in state "
                           "ScheduledEventRecorded says the transition is invalid during event").ours
    assert TaskFailure(9, worker_failure, "").ours  # a bare `assert` in workflow code has no message
