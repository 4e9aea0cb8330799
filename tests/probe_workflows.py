"""A case that enters litigation the way another stage will (arbitration: the worker sues)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import CaseIntake, CaseOutcome

from workflows.case import CaseWorkflow


@workflow.defn(name="LawsuitAfterAward")
class LawsuitAfterAward(CaseWorkflow):
    @workflow.run
    async def run(self, intake: CaseIntake) -> CaseOutcome:
        await self.open_case()
        step = await self.litigation.run(origin="arbitration")
        return await self.close(step.outcome)
