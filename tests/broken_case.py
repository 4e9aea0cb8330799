"""A "CaseWorkflow" whose every workflow task fails, for `weiquan case stuck` to find."""

from __future__ import annotations

from typing import Any

from temporalio import workflow


@workflow.defn(name="CaseWorkflow", sandboxed=False)
class AlwaysFails:
    @workflow.run
    async def run(self, intake: Any) -> None:
        raise RuntimeError("planted: this workflow task always fails")
