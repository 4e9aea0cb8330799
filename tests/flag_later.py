"""A test-only workflow: a case that another track flags later (as inspection will flag malicious
wage arrears), to show that escalation reacts to a flag whenever it is raised."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import Agency, CaseFlag, CaseIntake, Stage

from workflows.runtime import CaseRuntime
from workflows.stages.coordination import Coordination


@workflow.defn
class FlagLaterWorkflow:
    @workflow.init
    def __init__(self, intake: CaseIntake) -> None:
        self.case = CaseRuntime(intake)
        self.coordination = Coordination(self.case)
        self.flagged = False

    @workflow.run
    async def run(self, intake: CaseIntake) -> None:
        self.case.enter(Stage.INSPECTION, Agency.INSPECTION, ("劳动保障监察调查", "inspection"))
        await workflow.wait_condition(lambda: self.flagged)
        self.case.flag(CaseFlag.MALICIOUS_ARREARS)
        await workflow.wait_condition(lambda: False)

    @workflow.signal
    def order_unpaid(self) -> None:
        self.flagged = True

    @workflow.query
    def tracks(self) -> dict[str, str]:
        return dict(self.case.tracks)
