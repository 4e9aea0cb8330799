"""Confirmation of a mediation agreement on the time-skipping server: judicial confirmation (union,
court + union), arbitral review (legal aid, arbitration), voluntary performance, routes lost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.rules import load_settings
from registry.store import Registry
from starters.cases import EventRefused, case_result, case_state
from tests.agreements import COURT, agreed, ledger, running
from tests.helpers import event, skip_past, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


async def both_consent(env: WorkflowEnvironment, number: str, route: str, unit: str) -> None:
    for party in ("worker", "employer"):
        await event(env.client, number, "confirmation_consent", unit, route=route, party=party)


async def test_judicial_confirmation_granted_then_enforced(env: WorkflowEnvironment, workers: str,
                                                           registry: Registry) -> None:
    number = await agreed(env, workers, days=20)
    view = await case_state(env.client, number)
    assert view.waiting_for.startswith("双方选择：司法确认（工会协助") and "仲裁审查确认（法律援助协助" in view.waiting_for
    assert {"confirm.judicial.apply", "confirm.arbitral.apply", "mediation.performance"} <= running(view)
    first = await event(env.client, number, "confirmation_consent", "union", route="judicial", party="worker")
    assert "尚需用人单位同意" in first.message
    with pytest.raises(EventRefused) as early:
        await event(env.client, number, "confirmation_filed", "union", route="judicial")
    assert early.value.code == "not_now" and "尚缺用人单位同意" in early.value.zh
    with pytest.raises(EventRefused) as helper:
        await event(env.client, number, "confirmation_consent", "legal_aid", route="judicial", party="employer")
    assert "由工会协助" in helper.value.zh
    both = await event(env.client, number, "confirmation_consent", "union", route="judicial", party="employer")
    assert "双方均同意" in both.message
    view = await case_state(env.client, number)  # no longer asked to choose: the union files for them
    assert view.waiting_for.startswith("工会协助双方提交司法确认申请") and view.agency == "union"
    await event(env.client, number, "confirmation_filed", "union", route="judicial")
    view = await until(env.client, number, lambda v: "confirm.judicial.accept" in running(v), "court accepting")
    assert view.agency == "court" and "人民法院审查司法确认申请" in view.waiting_for
    with pytest.raises(EventRefused) as actor:
        await event(env.client, number, "judicial_confirmation_accepted", "union", accepted=True)
    assert actor.value.code == "wrong_actor"
    await event(env.client, number, "judicial_confirmation_accepted", "court", accepted=True)
    await event(env.client, number, "judicial_confirmation_ruling", "court", valid=True)
    view = await until(env.client, number, lambda v: "已经司法确认" in v.waiting_for, "confirmed")
    assert any("裁定调解协议有效" in f for f in view.facts)

    await skip_past(env, number, "mediation.performance")  # unpaid: the confirmed agreement is enforceable
    view = await until(env.client, number, lambda v: "强制执行" in v.waiting_for, "enforceable")
    await event(env.client, number, "enforcement_requested", "legal_aid", court=COURT)
    outcome = await case_result(env.client, number)
    assert outcome.outcome.startswith(f"已向{COURT}申请强制执行经司法确认的调解协议")
    assert ledger(registry, number) == {
        "mediation.window": "met", "confirm.judicial.apply": "met", "confirm.arbitral.apply": "cancelled", "mediation.performance": "expired",
        "confirm.judicial.accept": "met", "confirm.judicial.decide": "met", "enforce.apply": "met"}
    kinds = [e.kind for e in registry.events(number)]
    assert kinds.count("event.confirmation_consent") == 2  # both parties' consent is on the record
    assert [(w.agency, w.kind) for w in registry.work_items(case_number=number)][-1] == \
        ("union", "confirmation.judicial")


async def test_judicial_confirmation_refused_leaves_other_routes(env: WorkflowEnvironment, workers: str,
                                                                registry: Registry) -> None:
    number = await agreed(env, workers, days=30)
    await both_consent(env, number, "judicial", "union")
    await event(env.client, number, "confirmation_filed", "union", route="judicial")
    await event(env.client, number, "judicial_confirmation_accepted", "court", accepted=True)
    refused = await event(env.client, number, "judicial_confirmation_ruling", "court", valid=False,
                          reason="协议约定的支付方式不明确")
    assert "驳回司法确认申请" in refused.message and "仍可：仲裁审查确认" in refused.message
    view = await until(env.client, number, lambda v: v.waiting_for.startswith("双方选择"), "choosing again")
    assert view.stage == "confirmation" and "司法确认（" not in view.waiting_for
    with pytest.raises(EventRefused) as again:
        await event(env.client, number, "confirmation_consent", "union", route="judicial", party="worker")
    assert "已被驳回" in again.value.zh
    await event(env.client, number, "payment_received", "union", amount="3000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "调解协议已履行，收回 3000.00 元" and outcome.amount_recovered == Decimal("3000.00")


async def test_arbitral_review_confirmed_on_time(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await agreed(env, workers, days=30)
    await both_consent(env, number, "arbitral", "legal_aid")
    await event(env.client, number, "confirmation_filed", "legal_aid", route="arbitral")
    view = await until(env.client, number, lambda v: "confirm.arbitral.review" in running(v), "under review")
    assert view.agency == "arbitration"
    review = next(d for d in view.deadlines if d.rule_id == "confirm.arbitral.review")
    assert review.responsible == "arbitration"
    await event(env.client, number, "arbitral_review_decision", "arbitration", confirmed=True)
    view = await until(env.client, number, lambda v: "已经仲裁审查确认" in v.waiting_for, "confirmed")
    assert "confirm.judicial.apply" not in running(view)  # the other route is moot
    await event(env.client, number, "payment_received", "window", amount="3000.00")
    outcome = await case_result(env.client, number)
    assert "已履行" in outcome.outcome and outcome.deadlines_missed == 0
    assert ledger(registry, number)["confirm.arbitral.review"] == "met"
    assert [(w.agency, w.kind) for w in registry.work_items(case_number=number)][-2:] == \
        [("legal_aid", "confirmation.arbitral"), ("arbitration", "confirmation.review")]


async def test_arbitral_review_lapses_and_escalates(env: WorkflowEnvironment, workers: str,
                                                    registry: Registry) -> None:
    number = await agreed(env, workers, days=40)
    await both_consent(env, number, "arbitral", "legal_aid")
    await event(env.client, number, "confirmation_filed", "legal_aid", route="arbitral")
    await until(env.client, number, lambda v: "confirm.arbitral.review" in running(v), "under review")
    await skip_past(env, number, "confirm.arbitral.review")
    view = await until(env.client, number, lambda v: any(
        d.rule_id == "confirm.arbitral.review" and d.state == "lapsed" for d in v.deadlines), "review lapsed")
    assert view.stage == "confirmation" and view.agency == "arbitration"
    escalations = {(n.unit, n.recipient) for n in registry.notifications(number) if n.kind == "escalation"}
    assert escalations == {("arbitration", "示例联络员乙"), ("arbitration", "示例庭长乙")}
    assert registry.case(number).overdue  # type: ignore[union-attr]
    await event(env.client, number, "arbitral_review_decision", "arbitration", confirmed=True)
    await until(env.client, number, lambda v: "已经仲裁审查确认" in v.waiting_for, "confirmed late")
    assert ledger(registry, number)["confirm.arbitral.review"] == "met_late"
    assert not registry.case(number).overdue  # type: ignore[union-attr]


def test_arbitral_review_period_is_configurable(tmp_path: Path) -> None:
    config = tmp_path / "weiquan.toml"
    config.write_text('[rules."confirm.arbitral.review"]\nlength = 3\n', encoding="utf-8")
    rule = load_settings(config).rule("confirm.arbitral.review")
    assert (rule.length, rule.unit.value, rule.on_lapse) == (3, "working_days", "escalate")


async def test_arbitral_window_missed_leaves_judicial_confirmation(env: WorkflowEnvironment, workers: str,
                                                                   registry: Registry) -> None:
    number = await agreed(env, workers, days=40)
    await skip_past(env, number, "confirm.arbitral.apply")
    view = await until(env.client, number, lambda v: any("仲裁审查确认申请期限已过" in f for f in v.facts),
                       "arbitral route closed")
    closed = next(f for f in view.facts if "仲裁审查确认申请期限已过" in f)
    assert "仍可：司法确认（工会协助" in closed and "自愿履行" in closed
    assert view.waiting_for.startswith("双方选择：司法确认") and "仲裁审查确认" not in view.waiting_for
    assert "confirmation.route_closed" in [e.kind for e in registry.events(number)]
    assert ledger(registry, number)["confirm.arbitral.apply"] == "expired"
    with pytest.raises(EventRefused) as lost:
        await event(env.client, number, "confirmation_consent", "legal_aid", route="arbitral", party="worker")
    assert "申请期限已过" in lost.value.zh
    await both_consent(env, number, "judicial", "union")
    await event(env.client, number, "confirmation_filed", "union", route="judicial")
    view = await until(env.client, number, lambda v: "confirm.judicial.accept" in running(v), "filed in court")
    assert ledger(registry, number)["confirm.judicial.apply"] == "met"


async def test_voluntary_performance_closes_with_money_recovered(env: WorkflowEnvironment, workers: str,
                                                                 registry: Registry) -> None:
    number = await agreed(env, workers, days=10, amount="3000.00")
    part = await event(env.client, number, "payment_received", "union", amount="1000.00")
    assert "尚欠 2000.00 元" in part.message
    await event(env.client, number, "payment_received", "union", amount="2000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "调解协议已履行，收回 3000.00 元"
    assert outcome.amount_recovered == Decimal("3000.00") and outcome.deadlines_missed == 0
    case = registry.case(number)
    assert case is not None and case.amount_recovered == Decimal("3000.00")
    assert ledger(registry, number) == {"mediation.window": "met", "confirm.judicial.apply": "cancelled",
                                        "confirm.arbitral.apply": "cancelled", "mediation.performance": "met"}


async def test_unperformed_non_wage_agreement_goes_to_arbitration(env: WorkflowEnvironment, workers: str) -> None:
    number = await agreed(env, workers, days=5,
                          claims=[{"type": "social_insurance", "amount": "8000.00", "period_start": "2026-01-01"}])
    await skip_past(env, number, "mediation.performance")
    view = await until(env.client, number, lambda v: "申请仲裁" in v.waiting_for, "waiting for an application")
    assert "用人单位未履行调解协议：劳动者可以申请仲裁（LDMA Art 15）" in view.facts
    assert "payment_order" not in " ".join(d.rule_id for d in view.deadlines)
    await event(env.client, number, "arbitration_application", "union")
    await until(env.client, number, lambda v: v.stage == "arbitration", "in arbitration")
