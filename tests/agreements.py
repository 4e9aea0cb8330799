"""Driving a case to a mediation agreement, dated by the test server's clock (time skips across tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.testing import WorkflowEnvironment

from domain.models import CaseView
from starters.cases import case_state
from tests.helpers import at_stage, event, server_today, skip_past, start, until

COURT = "南昌市青山湖区人民法院"


async def agreed(env: WorkflowEnvironment, prefix: str, *, days: int, amount: str = "3000.00",
                 legal_aid: bool = False, **intake: Any) -> str:
    """A case whose mediation ended in an agreement to pay ``amount`` within ``days``."""
    number = await start(env.client, prefix, consent=legal_aid, **intake)
    if legal_aid:
        await at_stage(env.client, number, "legal_aid_review")
        await event(env.client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
    await at_stage(env.client, number, "mediation")
    due = await server_today(env) + timedelta(days=days)
    await event(env.client, number, "mediation_agreement", "union", terms="用人单位一次性支付拖欠工资",
                amount=amount, performance_date=due.isoformat())
    await at_stage(env.client, number, "confirmation")
    await until(env.client, number, lambda v: "mediation.performance" in running(v), "performance clock running")
    return number


def running(view: CaseView) -> set[str]:
    return {d.rule_id for d in view.deadlines if d.state in ("running", "warning")}


def ledger(registry: Any, number: str) -> dict[str, str]:
    return {d.rule_id: d.state for d in registry.deadlines(number)}


async def unperformed_into_payment_order(env: WorkflowEnvironment, number: str) -> CaseView:
    """Skip past the agreed date: the unperformed wage agreement goes to a payment order."""
    await skip_past(env, number, "mediation.performance")
    return await until(env.client, number, lambda v: "支付令" in v.waiting_for, "at the payment order")


async def payment_order_served(env: WorkflowEnvironment, number: str) -> CaseView:
    await event(env.client, number, "payment_order_applied", "legal_aid", court=COURT)
    await event(env.client, number, "payment_order_accepted", "court", accepted=True)
    await event(env.client, number, "payment_order_issued", "court")
    return await case_state(env.client, number)
