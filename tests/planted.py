"""A deliberately non-deterministic CaseWorkflow, for the replay test to catch.

Same workflow type name, one planted change: a timer before the intake assessment — the kind of
edit (a new step before existing ones, without ``workflow.patched``) that breaks running cases.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import CaseIntake, CaseOutcome

from workflows.case import CaseWorkflow


@workflow.defn(name="CaseWorkflow")
class PlantedChange(CaseWorkflow):
    @workflow.run
    async def run(self, intake: CaseIntake) -> CaseOutcome:
        return await super().run(intake)

    async def open_case(self) -> list[int]:
        await workflow.sleep(timedelta(seconds=1), summary="planted: a new step before intake")
        return await super().open_case()
