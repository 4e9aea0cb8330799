"""An unperformed wage agreement into a payment order; an objection into a lawsuit; a lawsuit through
appeal to an effective judgment; a lawsuit entered from another stage, with support of prosecution."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.models import CaseIntake
from domain.rules import Settings
from registry.store import Registry
from starters.cases import EventRefused, case_result, case_state
from tests import factories
from tests.agreements import COURT, agreed, ledger, payment_order_served, running, server_today, \
    unperformed_into_payment_order
from tests.helpers import TODAY, event, until
from tests.probe_workflows import LawsuitAfterAward
from workers.build import RUNNER, activities_for


def work(registry: Registry, number: str) -> list[tuple[str, str]]:
    return [(w.agency, w.kind) for w in registry.work_items(case_number=number)]


async def into_lawsuit(env: WorkflowEnvironment, prefix: str, **kwargs: object) -> str:
    """A wage agreement unperformed, a payment order, the employer objects: the case is in court."""
    number = await agreed(env, prefix, days=5, **kwargs)  # type: ignore[arg-type]
    await unperformed_into_payment_order(env, number, days=5)
    await payment_order_served(env, number)
    await event(env.client, number, "payment_order_objection", "court", reason="用人单位称已部分支付")
    await until(env.client, number, lambda v: v.stage == "litigation" and "court.file" in running(v), "in court")
    return number


async def test_wage_agreement_unperformed_goes_to_payment_order_then_objection_to_lawsuit(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await agreed(env, workers, days=5)
    await event(env.client, number, "payment_received", "union", amount="1000.00")
    view = await unperformed_into_payment_order(env, number, days=5)
    assert view.stage == "confirmation" and view.agency == "legal_aid"
    assert any("可以持调解协议书向人民法院申请支付令" in f for f in view.facts)
    assert work(registry, number)[-1] == ("legal_aid", "payment_order.apply")
    await event(env.client, number, "payment_order_applied", "legal_aid", court=COURT)
    view = await until(env.client, number, lambda v: "payment_order.accept" in running(v), "court accepting")
    assert view.agency == "court"
    await event(env.client, number, "payment_order_accepted", "court", accepted=True)
    await event(env.client, number, "payment_order_issued", "court")
    view = await until(env.client, number, lambda v: "payment_order.objection" in running(v), "objection window")
    assert "15日内清偿或书面提出异议" in view.waiting_for
    objected = await event(env.client, number, "payment_order_objection", "court", reason="用人单位称已部分支付")
    assert "转入诉讼" in objected.message
    view = await until(env.client, number, lambda v: v.stage == "litigation", "in litigation")
    assert any("CPL Art 228" in f for f in view.facts)
    view = await until(env.client, number, lambda v: "court.file" in running(v), "court filing clock")
    assert view.agency == "court" and view.amount_recovered == Decimal("1000.00")
    assert ("legal_aid", "lawsuit.consultation") in work(registry, number)
    assert {k: v for k, v in ledger(registry, number).items() if k.startswith("payment_order")} == {
        "payment_order.accept": "met", "payment_order.issue": "met", "payment_order.objection": "met"}

    # Court events are checked against the lawsuit's step and the sender.
    with pytest.raises(EventRefused) as early:
        await event(env.client, number, "court_decision", "court", kind="judgment", summary="判决支付工资")
    assert early.value.code == "not_now" and "尚未立案" in early.value.zh
    with pytest.raises(EventRefused) as actor:
        await event(env.client, number, "court_filing", "union", procedure="simplified")
    assert actor.value.code == "wrong_actor"

    # An inadmissibility ruling nobody appeals takes effect after 10 days.
    await event(env.client, number, "court_decision", "court", kind="ruling", summary="不符合起诉条件，不予受理")
    view = await until(env.client, number, lambda v: "court.appeal.ruling" in running(v), "ruling appeal window")
    assert "裁定已送达" in view.waiting_for
    await env.sleep(timedelta(days=11))
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "裁定发生法律效力：不符合起诉条件，不予受理"
    assert ledger(registry, number)["court.appeal.ruling"] == "expired"


async def test_payment_order_without_objection_is_enforceable(env: WorkflowEnvironment, workers: str,
                                                              registry: Registry) -> None:
    number = await agreed(env, workers, days=3)
    await unperformed_into_payment_order(env, number, days=3)
    await payment_order_served(env, number)
    await until(env.client, number, lambda v: "payment_order.objection" in running(v), "objection window")
    await env.sleep(timedelta(days=16))
    view = await until(env.client, number, lambda v: "强制执行" in v.waiting_for, "enforceable")
    assert any("支付令生效" in f for f in view.facts)
    await event(env.client, number, "payment_received", "court", amount="3000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "支付令已履行，收回 3000.00 元"
    states = ledger(registry, number)
    assert states["payment_order.objection"] == "expired" and states["enforce.apply"] == "met"


async def test_lawsuit_through_appeal_to_effective_judgment(env: WorkflowEnvironment, workers: str,
                                                            registry: Registry) -> None:
    number = await into_lawsuit(env, workers, legal_aid=True)
    assert work(registry, number)[-2:] == [("legal_aid", "lawsuit.consultation"),
                                           ("legal_aid", "lawsuit.representation")]
    await event(env.client, number, "court_filing", "court", procedure="simplified")
    view = await until(env.client, number, lambda v: "court.simplified" in running(v), "first instance")
    assert "一审（简易程序）审理" in view.waiting_for
    await event(env.client, number, "court_decision", "court", kind="judgment", summary="被告支付原告工资3000元",
                amount_awarded="3000.00", served=False)
    view = await until(env.client, number, lambda v: "送达" in v.waiting_for, "awaiting service")
    assert "court.appeal" not in running(view)  # the appeal period runs from service
    await event(env.client, number, "court_served", "court")
    await until(env.client, number, lambda v: "court.appeal" in running(v), "appeal window")
    await env.sleep(timedelta(days=5))
    await event(env.client, number, "court_appeal", "court", appellant="employer")
    view = await until(env.client, number, lambda v: "court.second_instance" in running(v), "second instance")
    assert any("用人单位对判决提起上诉" in f for f in view.facts)
    pay_by = await server_today(env) + timedelta(days=10)
    await event(env.client, number, "court_decision", "court", kind="judgment", summary="驳回上诉，维持原判",
                amount_awarded="3000.00", pay_by=pay_by.isoformat())
    view = await until(env.client, number, lambda v: "judgment.performance" in running(v), "judgment in force")
    assert any(f == "判决发生法律效力：驳回上诉，维持原判" for f in view.facts)
    assert "按生效判决支付 3000.00 元" in view.waiting_for
    await event(env.client, number, "payment_received", "legal_aid", amount="3000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "生效判决已履行，收回 3000.00 元"
    states = ledger(registry, number)
    assert [states[r] for r in ("court.file", "court.simplified", "court.appeal", "court.second_instance",
                                "judgment.performance")] == ["met"] * 5


async def test_lawsuit_entered_from_another_stage(env: WorkflowEnvironment, workers: str, registry: Registry,
                                                 settings: Settings) -> None:
    """How the arbitration stage enters litigation: Litigation.run(origin="arbitration")."""
    queue = f"{workers}.award"
    intake = CaseIntake.from_input(factories.intake(consent=False), TODAY)
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(env.client, task_queue=queue, workflows=[LawsuitAfterAward], workflow_runner=RUNNER,
                          activities=activities_for("case", registry, settings), activity_executor=executor):
            number = intake.case_number()
            await env.client.start_workflow(LawsuitAfterAward.run, intake, id=number, task_queue=queue)
            view = await until(env.client, number, lambda v: v.stage == "litigation", "in litigation")
            assert view.agency == "legal_aid" and "协助劳动者起诉" in view.waiting_for
            with pytest.raises(EventRefused) as early:
                await event(env.client, number, "court_filing", "court", procedure="small_claims")
            assert early.value.code == "not_now"
            await event(env.client, number, "lawsuit_filed", "legal_aid", court=COURT, support_prosecution=True)
            await until(env.client, number, lambda v: "court.file" in running(v), "court filing clock")
            assert work(registry, number) == [("legal_aid", "lawsuit.consultation"), ("legal_aid", "lawsuit.support")]
            await event(env.client, number, "court_filing", "court", procedure="small_claims")
            # Small claims are final at first instance: effective on service, no appeal period.
            await event(env.client, number, "court_decision", "court", kind="judgment", summary="被告支付工资",
                        amount_awarded="2000.00")
            view = await until(env.client, number, lambda v: "强制执行" in v.waiting_for, "enforceable")
            assert "court.appeal" not in {d.rule_id for d in view.deadlines}
            await event(env.client, number, "enforcement_applied", "legal_aid", court=COURT)
            outcome = await env.client.get_workflow_handle(number).result()
            assert outcome["outcome"] == f"已向{COURT}申请强制执行生效判决，尚欠 2000.00 元"
            state = await case_state(env.client, number)
            assert state.stage == "closed"
