"""A test-only workflow hosting the clock engine on its own: any rule started on request, then driven
by the case's own clock events (clock_pause/resume/restart/extend), with the case's `state` query.

It is the case workflow with another run method: same runtime, event desk and query, so what the
tests see is what a case does — without first walking through legal aid and mediation.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from activities.case_file import CaseFile
    from domain.models import Agency, CaseIntake, DeadlineView
    from domain.records import CaseOpening

from workflows.case import CaseWorkflow
from workflows.clock import Clock
from workflows.together import together


class StartClock(BaseModel):
    rule_id: str
    key: str | None = None
    responsible: Agency | None = None
    length: int | None = None
    on_date: date | None = None


async def register(wf: CaseWorkflow) -> None:
    """Register the case, as a case does before its first clock (without the intake assessment)."""
    case = wf.case
    await workflow.execute_activity_method(
        CaseFile.register_case,
        CaseOpening(case_number=case.number, intake=case.intake, opened_at=case.opened_at, snapshot=case.snapshot()),
        **case.activity_options,
    )


@workflow.defn(name="ClockHarness")
class ClockHarness(CaseWorkflow):
    @workflow.init
    def __init__(self, intake: CaseIntake) -> None:
        super().__init__(intake)
        self.registered = self.finished = False
        self.hook_calls: list[str] = []

    @workflow.run
    async def run(self, intake: CaseIntake) -> list[str]:
        return await self.events.beside(self.clocks_only())

    async def clocks_only(self) -> list[str]:
        case = self.case
        await register(self)
        self.registered = True
        await workflow.wait_condition(lambda: self.finished)
        await case.clocks.close_all("测试结束", "end of test")
        await workflow.wait_condition(lambda: self.events.idle() and workflow.all_handlers_finished())
        return self.hook_calls

    @workflow.update
    async def start_clock(self, req: StartClock) -> DeadlineView:
        await workflow.wait_condition(lambda: self.registered)  # as in a case: registered before any clock
        clock = await self.case.clocks.start(req.rule_id, key=req.key, responsible=req.responsible,
                                             on_lapse=self._lapsed, length=req.length, on_date=req.on_date)
        return clock.view()

    @workflow.signal
    def finish(self) -> None:
        self.finished = True

    @workflow.query
    def lapse_hooks(self) -> list[str]:
        """Clocks whose stage hook ran on lapse (a result() wait would make the test server skip years)."""
        return self.hook_calls

    async def _lapsed(self, clock: Clock) -> None:
        self.hook_calls.append(clock.key)


@workflow.defn(name="ClockOrder")
class ClockOrder(CaseWorkflow):
    """Two clocks started, paused and resumed together (tests/test_clock_order.py)."""

    FIRST, SECOND = "legal_aid.review", "mediation.window"  # asked for in this order

    @workflow.init
    def __init__(self, intake: CaseIntake) -> None:
        super().__init__(intake)

    @workflow.run
    async def run(self, intake: CaseIntake) -> None:
        case = self.case
        await register(self)
        clocks = await together(case.clocks.start(self.FIRST), case.clocks.start(self.SECOND))
        await together(*(clock.pause("测试") for clock in clocks))
        await together(*(clock.resume("测试") for clock in clocks))
        await workflow.wait_condition(lambda: False)  # the test reads the history, then terminates it


async def start_harness(client: Client, queue: str, intake: CaseIntake) -> WorkflowHandle[ClockHarness, list[str]]:
    return await client.start_workflow(ClockHarness.run, intake, id=f"CLK-{uuid.uuid4().hex[:10]}",
                                       task_queue=queue)


def harness_worker(client: Client, queue: str, activities: list[object]) -> Worker:
    """The harness and the case queue's activities (workers.build.activities_for('case', ...))."""
    from workers.build import RUNNER

    return Worker(client, task_queue=queue, workflows=[ClockHarness], activities=activities,
                  activity_executor=ThreadPoolExecutor(max_workers=4), workflow_runner=RUNNER)
