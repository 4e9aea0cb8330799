"""A case end to end on the time-skipping server: intake → legal aid → mediation → closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.models import CaseIntake
from registry.store import Registry
from starters.cases import EventRefused, case_result, case_state, open_case, send_event, signed
from tests import factories
from tests.helpers import TODAY, actor, at_stage, event, server_today, settle, skip_past, start, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


async def test_happy_path_to_closure(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    view = await at_stage(env.client, number, "legal_aid_review")
    assert view.agency == "legal_aid" and "当日审查" in view.waiting_for
    receipt = await event(env.client, number, "legal_aid_decision", "legal_aid", granted=True,
                          lawyer={"name": "李律师", "firm": "江西某律师事务所"})
    assert "给予法律援助" in receipt.message
    await at_stage(env.client, number, "mediation")
    await event(env.client, number, "mediation_agreement", "union", terms="分两期支付", amount="3000.00",
                performance_date=(await server_today(env) + timedelta(days=10)).isoformat())
    await at_stage(env.client, number, "confirmation")
    await event(env.client, number, "payment_received", "union", amount="3000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "调解协议已履行，收回 3000.00 元"
    assert outcome.deadlines_missed == 0
    case = registry.case(number)
    assert case is not None and case.stage == "closed" and case.closed_at is not None
    kinds = [e.kind for e in registry.events(number)]
    assert kinds[0] == "case.opened" and kinds[-1] == "case.closed"
    assert "event.legal_aid_decision" in kinds and "event.mediation_agreement" in kinds
    assert "event.payment_received" in kinds
    assert [n.unit for n in registry.notifications(number)] == ["union"]  # the referrer hears the decision
    ledger = {d.rule_id: d.state for d in registry.deadlines(number)}
    assert ledger["legal_aid.same_day_review"] == "met" and ledger["mediation.window"] == "met"
    assert [w.agency for w in registry.work_items(case_number=number)] == ["legal_aid", "union"]


async def test_same_day_review_missed_escalates_and_case_goes_on(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    await skip_past(env, number, "legal_aid.same_day_review")
    view = await until(env.client, number, lambda v: any(
        d.rule_id == "legal_aid.same_day_review" and d.state == "lapsed" for d in v.deadlines), "lapsed")
    assert view.stage == "legal_aid_review"
    escalations = [n for n in registry.notifications(number) if n.kind == "escalation"]
    assert {(n.unit, n.recipient) for n in escalations} == {("legal_aid", "示例联络员丁"), ("legal_aid", "示例科长丁")}
    assert registry.case(number).overdue  # type: ignore[union-attr]
    await event(env.client, number, "legal_aid_decision", "legal_aid", granted=False, reason="不符合经济困难条件")
    await at_stage(env.client, number, "mediation")
    ledger = {d.rule_id: d.state for d in registry.deadlines(number)}
    assert ledger["legal_aid.same_day_review"] == "met_late"
    assert not registry.case(number).overdue  # type: ignore[union-attr]


async def test_mediation_window_lapses_then_worker_may_apply_for_arbitration(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, consent=False)  # no referral: straight to mediation
    await at_stage(env.client, number, "mediation")
    await skip_past(env, number, "mediation.window")
    view = await until(env.client, number, lambda v: "may_apply_arbitration" in v.flags, "offered arbitration")
    assert view.stage == "mediation"  # mediation is not closed automatically (LDMA Art 14)
    assert any("可以申请仲裁" in f for f in view.facts)
    await event(env.client, number, "mediation_failed", "union", reason="用人单位不同意支付")
    await until(env.client, number, lambda v: "申请仲裁" in v.waiting_for, "waiting for an application")
    await event(env.client, number, "case_withdrawn", "union", reason="劳动者决定不申请仲裁")
    outcome = await case_result(env.client, number)
    assert "不申请仲裁" in outcome.outcome
    assert outcome.deadlines_missed == 0  # a party's window expiring is not an agency missing a duty
    assert {d.rule_id: d.state for d in registry.deadlines(number)}["mediation.window"] == "expired"


async def test_out_of_stage_event_is_rejected_and_changes_nothing(env: WorkflowEnvironment, workers: str) -> None:
    number = await start(env.client, workers)
    before = await until(env.client, number, lambda v: len(v.deadlines) == 2, "both review clocks running")
    with pytest.raises(EventRefused) as refused:
        await event(env.client, number, "mediation_agreement", "union", terms="x" * 3, amount="1.00",
                    performance_date=TODAY.isoformat())
    assert refused.value.code == "not_now" and "不在调解阶段" in refused.value.zh
    with pytest.raises(EventRefused) as wrong:
        await event(env.client, number, "legal_aid_decision", "union", granted=True)
    assert wrong.value.code == "wrong_actor"
    with pytest.raises(EventRefused) as bad:
        await send_event(env.client, number, "legal_aid_decision",
                         {"event_id": "bad-1", "actor": actor("legal_aid"), "granted": False})
    assert bad.value.code == "invalid_payload" and "理由" in bad.value.zh
    with pytest.raises(EventRefused) as unknown:
        await send_event(env.client, number, "no_such_event", {"event_id": "x"})
    assert unknown.value.code == "unknown_event"
    after = await case_state(env.client, number)
    assert after.stage == before.stage and after.deadlines == before.deadlines
    history = await env.client.get_workflow_handle(number).fetch_history()
    assert not [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]


async def test_duplicate_start_opens_no_second_case(env: WorkflowEnvironment, workers: str,
                                                    registry: Registry) -> None:
    intake = CaseIntake.from_input(factories.intake(), TODAY)
    first = await open_case(env.client, intake, prefix=workers)
    again = await open_case(env.client, CaseIntake.from_input(factories.intake(amount=str(
        intake.claims[0].amount)), TODAY), prefix=workers)
    assert first == (intake.case_number(), True)
    assert again == (intake.case_number(), False)
    await at_stage(env.client, first[0], "legal_aid_review")
    assert len(registry.cases()) == 1


async def test_duplicate_event_is_applied_once(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    payload = {"event_id": "dup-1", "actor": actor("legal_aid"), "granted": True, "lawyer": {"name": "张律师"}}
    first = await send_event(env.client, number, "legal_aid_decision", payload)
    await at_stage(env.client, number, "mediation")
    second = await send_event(env.client, number, "legal_aid_decision", payload)
    assert second == first
    await settle(env.client, number)  # an event is answered before its log entry is written
    assert [e.kind for e in registry.events(number)].count("event.legal_aid_decision") == 1


async def test_bad_signal_never_wedges_the_case(env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)
    await at_stage(env.client, number, "legal_aid_review")
    handle = env.client.get_workflow_handle(number)
    await handle.signal("legal_aid_decision", {"event_id": "s-1", "granted": "maybe"})
    await handle.signal("no_such_event", "garbage")
    good = {"event_id": "s-2", "actor": actor("legal_aid"), "granted": True, "lawyer": {"name": "周律师"}}
    await handle.signal("legal_aid_decision", signed(env.client, number, "legal_aid_decision", good))
    await at_stage(env.client, number, "mediation")
    kinds = [e.kind for e in registry.events(number)]
    assert kinds.count("event.refused") == 0 and kinds.count("event.legal_aid_decision") == 1
