"""A case end to end on the time-skipping server: intake → legal aid → mediation → closure."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.models import CaseIntake
from registry.store import Registry
from starters.cases import EventRefused, case_result, case_state, open_case, send_event
from tests import factories

TODAY = date.today()


def actor(unit: str) -> dict[str, str]:
    return {"unit": unit, "person": "测试经办人"}


async def wait_stage(env: WorkflowEnvironment, number: str, stage: str) -> None:
    """Poll the query until the case reaches ``stage`` (no time skipping while polling)."""
    for _ in range(200):
        view = await case_state(env.client, number)
        if view.stage == stage:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {number} never reached {stage}; it is {view.stage}")


async def test_happy_path_to_closure(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    intake = CaseIntake.from_input(factories.intake(), TODAY)
    number, opened = await open_case(env.client, intake, prefix=workers)
    assert opened
    await wait_stage(env, number, "legal_aid_review")
    receipt = await send_event(env.client, number, "legal_aid_decision", {
        "event_id": "la-1", "actor": actor("legal_aid"), "granted": True,
        "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}})
    assert "给予法律援助" in receipt.message
    await wait_stage(env, number, "mediation")
    await send_event(env.client, number, "mediation_agreement", {
        "event_id": "med-1", "actor": actor("union"), "terms": "分两期支付", "amount": "3000.00",
        "performance_date": (TODAY + timedelta(days=10)).isoformat()})
    outcome = await case_result(env.client, number)
    assert "调解达成协议" in outcome.outcome
    assert outcome.deadlines_missed == 0
    case = registry.case(number)
    assert case is not None and case.stage == "closed"
    kinds = [e.kind for e in registry.events(number)]
    assert "event.legal_aid_decision" in kinds and "case.closed" in kinds
    notices = registry.notifications(number)
    assert [n.unit for n in notices] == ["union"]  # the referring unit hears the decision
