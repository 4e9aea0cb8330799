"""An unperformed wage agreement into a payment order; an objection into a lawsuit; a lawsuit through
appeal to an effective judgment; the worker suing after an arbitral award."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.calendar import SHANGHAI
from registry.store import Registry
from starters.cases import EventRefused, case_result
from tests.agreements import COURT, agreed, ledger, payment_order_served, running, unperformed_into_payment_order
from tests.helpers import HEARINGS, award, event, server_today, skip_past, start, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


def work(registry: Registry, number: str) -> list[tuple[str, str]]:
    return [(w.agency, w.kind) for w in registry.work_items(case_number=number)]


async def into_lawsuit(env: WorkflowEnvironment, prefix: str, **kwargs: object) -> str:
    """A wage agreement unperformed, a payment order, the employer objects: the case is in court."""
    number = await agreed(env, prefix, days=5, **kwargs)  # type: ignore[arg-type]
    await unperformed_into_payment_order(env, number)
    await payment_order_served(env, number)
    await event(env.client, number, "payment_order_objection", "court", reason="用人单位称已部分支付")
    await until(env.client, number, lambda v: v.stage == "litigation" and "court.file" in running(v), "in court")
    return number


async def test_wage_agreement_unperformed_goes_to_payment_order_then_objection_to_lawsuit(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await agreed(env, workers, days=5)
    await event(env.client, number, "payment_received", "union", amount="1000.00")
    view = await unperformed_into_payment_order(env, number)
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
    assert work(registry, number)[-2:] == [("legal_aid", "lawsuit.consultation"), ("legal_aid", "lawsuit.support")]
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
    await skip_past(env, number, "court.appeal.ruling")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "裁定发生法律效力：不符合起诉条件，不予受理"
    assert ledger(registry, number)["court.appeal.ruling"] == "expired"


async def test_payment_order_without_objection_is_enforceable(env: WorkflowEnvironment, workers: str,
                                                              registry: Registry) -> None:
    number = await agreed(env, workers, days=3)
    await unperformed_into_payment_order(env, number)
    await payment_order_served(env, number)
    await until(env.client, number, lambda v: "payment_order.objection" in running(v), "objection window")
    await skip_past(env, number, "payment_order.objection")
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


async def test_worker_sues_after_the_award_into_litigation(env: WorkflowEnvironment, workers: str,
                                                            registry: Registry) -> None:
    """Arbitration's "worker sues" enters the lawsuit; small claims are final at first instance."""
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await until(env.client, number, lambda v: "当天立案" in v.waiting_for, "to file")
    await event(env.client, number, "arbitration_filed", "arbitration")
    hearing = datetime.combine(await server_today(env) + timedelta(days=12), time(9, 30), SHANGHAI)
    await event(env.client, number, "arbitration_notice", "arbitration", tribunal={"chair": "示例仲裁员甲"},
                evidence_until=(hearing.date() - timedelta(days=3)).isoformat(), hearing_at=hearing.isoformat(),
                hearing_place="南昌市劳动人事争议仲裁院第一仲裁庭")
    HEARINGS[number] = hearing
    await award(env, number, items=[{"type": "compensation", "amount": "50000.00"}], served_to=["worker", "employer"],
                above_claim_reason="仲裁中增加经济补偿请求")
    await event(env.client, number, "lawsuit_filed", "legal_aid", party="worker", court=COURT)
    view = await until(env.client, number, lambda v: "court.file" in running(v), "in court")
    assert view.stage == "litigation" and view.agency == "court" and "原告：劳动者" in view.facts[-1]
    assert work(registry, number)[-2:] == [("legal_aid", "lawsuit.consultation"), ("legal_aid", "lawsuit.support")]
    await event(env.client, number, "court_filing", "court", procedure="small_claims")
    await event(env.client, number, "court_decision", "court", kind="judgment", summary="被告支付经济补偿",
                amount_awarded="20000.00")
    view = await until(env.client, number, lambda v: "强制执行" in v.waiting_for, "enforceable")
    assert "court.appeal" not in {d.rule_id for d in view.deadlines}  # no appeal from small claims
    await event(env.client, number, "enforcement_requested", "legal_aid", court=COURT)
    outcome = await case_result(env.client, number)
    assert outcome.outcome == f"已向{COURT}申请强制执行生效判决，尚欠 20000.00 元"
