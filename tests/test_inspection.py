"""Inspection and evidence help on the time-skipping server: a parallel track beside the main flow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.inspection import assess, limitation, months_unpaid, violation_end
from domain.calendar import SHANGHAI, WorkCalendar
from domain.models import CaseIntake, CaseView, DeadlineView
from domain.rules import Settings, load_settings
from registry.store import Registry
from starters.cases import EventRefused, case_result
from tests import factories
from tests.conftest import running_workers, terminate_open_cases
from tests.helpers import TODAY, at_stage, close_after_failed_mediation, event, skip_past, start, until
from workers.build import RUNNER, WORKFLOWS

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

# The main-flow steps the inspection track runs beside: (when the main flow is ready for it, the
# event that moves it on, sending unit, fields); the last one ends the main flow.
MAIN_FLOW: list[tuple[Callable[[CaseView], bool], str, str, dict[str, Any]]] = [
    (lambda v: v.stage == "legal_aid_review", "legal_aid_decision", "legal_aid",
     {"granted": True, "lawyer": {"name": "李律师"}}),
    (lambda v: v.stage == "mediation", "mediation_failed", "union", {"reason": "用人单位不同意支付"}),
    (lambda v: "申请仲裁" in v.waiting_for, "case_withdrawn", "union", {"reason": "劳动者决定不申请仲裁"}),
]

OLD_CLAIM = {"claims": [{"type": "wages", "amount": "8000.00", "period_start": "2023-06-01",
                         "period_end": "2023-09-30"}],
             "employment_start": "2022-03-01", "employment_end": "2023-10-15",
             "learned_of_infringement": "2023-10-15"}


def track(name: str, starts: str) -> Any:
    return lambda v: v.tracks.get(name, "").startswith(starts)


def clock(view: CaseView, key: str) -> DeadlineView:
    return next(d for d in view.deadlines if d.key == key)


async def local_today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(SHANGHAI).date()


async def details(env: WorkflowEnvironment, number: str) -> str:
    meta = await env.client.get_workflow_handle(number).query("__temporal_workflow_metadata",
                                                              result_type=WorkflowMetadata)
    return meta.current_details


async def replays(env: WorkflowEnvironment, number: str) -> None:
    """The main flow and the tracks' coroutines replay deterministically from the history."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter, workflow_runner=RUNNER)
    await replayer.replay_workflow(await env.client.get_workflow_handle(number).fetch_history())


async def test_complaint_opened_on_the_fifth_working_day_across_a_holiday(
        env: WorkflowEnvironment, registry: Registry, tmp_path: Path) -> None:
    today = await local_today(env)
    weekdays = [today + timedelta(days=i) for i in range(1, 10) if (today + timedelta(days=i)).weekday() < 5]
    holidays = weekdays[:3]  # no real holiday lies ahead in chinesecalendar's data: make some
    override = tmp_path / "holidays.toml"
    override.write_text("".join(f"[years.{y}]\nholidays = {[d.isoformat() for d in holidays if d.year == y]}\n"
                                for y in sorted({d.year for d in holidays})), encoding="utf-8")
    settings = load_settings(calendar_file=override)
    fifth = settings.calendar.add_workdays(today, 5).day
    assert fifth > WorkCalendar().add_workdays(today, 5).day  # the holiday pushes the duty back
    async with running_workers(env.client, registry, settings) as prefix:
        try:
            number = await start(env.client, prefix, channel="inspection", consent=False)
            view = await until(env.client, number, track("inspection", "投诉待受理"), "complaint awaiting acceptance")
            assert clock(view, "inspect.accept").due == datetime.combine(fifth, time(17, 30), SHANGHAI)
            assert view.stage == "mediation"  # the main flow went on: inspection mediates the dispute
            await env.sleep(datetime.combine(fifth, time(10), SHANGHAI) - await env.get_current_time())
            receipt = await event(env.client, number, "inspection_accept", "inspection",
                                  file_number="洪人社监立〔2026〕1号")
            assert receipt.message == "已受理立案"
            view = await until(env.client, number, track("inspection", "已受理立案"), "opened")
            assert clock(view, "inspect.investigate").state == "running"
            ledger = {d.rule_id: d.state for d in registry.deadlines(number)}
            assert ledger["inspect.accept"] == "met"
            assert "inspection.complaint" in [w.kind for w in registry.work_items(case_number=number)]
        finally:
            await terminate_open_cases(env.client, registry)


async def test_three_year_old_violation_is_refused_in_writing(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, channel="inspection", consent=False, **OLD_CLAIM)
    view = await until(env.client, number, lambda v: "inspection" not in v.tracks
                       and any("劳动保障监察办结：不予受理" in f for f in v.facts), "refused")
    assert "2023-09-30" in view.facts[-1] and "LSIR Art 20" in view.facts[-1]
    assert view.stage == "mediation"  # the main flow is untouched
    assert not [d for d in view.deadlines if d.rule_id == "inspect.accept"]
    kinds = [e.kind for e in registry.events(number)]
    assert "inspection.refused" in kinds and "inspection.closed" in kinds
    assert "inspection.refusal" in [w.kind for w in registry.work_items(case_number=number)]
    # A fresh complaint about a recent violation is received; an incomplete one gets one notice.
    await event(env.client, number, "inspection_complaint", "window", matters="未缴纳社会保险",
                violation_ended=(await local_today(env)).isoformat())
    await until(env.client, number, track("inspection", "投诉待受理"), "second complaint awaiting acceptance")
    await event(env.client, number, "inspection_refuse", "inspection", ground="incomplete",
                missing=["身份证明", "劳动关系证明", "社保缴费记录"])
    await until(env.client, number, lambda v: "inspection" not in v.tracks, "second complaint refused")
    refusals = [w.title for w in registry.work_items(case_number=number) if w.kind == "inspection.refusal"]
    assert "1. 身份证明；2. 劳动关系证明；3. 社保缴费记录" in refusals[-1]


async def test_evidence_request_answered_and_one_lapsing_and_escalating(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    first = await event(env.client, number, "evidence_request", "legal_aid", items=["工资发放记录", "考勤表"],
                        reason="用人单位拒绝向代理律师提供")
    assert "请求1" in first.message
    await event(env.client, number, "evidence_request", "union", items=["劳动合同"], holder="project_lead",
                reason="项目负责人拒不出示")
    view = await until(env.client, number, lambda v: "登记中" not in v.tracks.get("evidence", "登记中")
                       and len([d for d in v.deadlines if d.rule_id == "inspect.evidence"]) == 2, "two clocks")
    assert "请求1（法律援助）办理中" in view.tracks["evidence"] and "请求2（工会）办理中" in view.tracks["evidence"]
    assert "协助调取证据：请求1" in await details(env, number)
    await event(env.client, number, "evidence_result", "inspection", request=1, result="partly",
                obtained=["工资发放记录"])
    view = await until(env.client, number, lambda v: any("请求1（法律援助）：部分调取，已向法律援助反馈" in f
                                                          for f in v.facts), "request 1 answered")
    assert clock(view, "inspect.evidence:1").state == "met"
    feedback = [n for n in registry.notifications(number) if n.kind == "evidence.feedback"]
    assert [n.unit for n in feedback] == ["legal_aid"]
    assert "部分调取" in feedback[0].body and "已调取并复制：工资发放记录" in feedback[0].body
    assert "未能调取：考勤表" in feedback[0].body

    await skip_past(env, number, "inspect.evidence:2")
    view = await until(env.client, number, lambda v: clock(v, "inspect.evidence:2").state == "lapsed", "lapsed")
    assert "请求2（工会）已逾期" in view.tracks["evidence"]
    escalations = {(n.unit, n.recipient) for n in registry.notifications(number) if n.kind == "escalation"}
    assert {("inspection", "示例联络员甲"), ("inspection", "示例科长甲")} <= escalations

    await close_after_failed_mediation(env.client, number)
    outcome = await case_result(env.client, number)  # closure answers the open request
    feedback = [n for n in registry.notifications(number) if n.kind == "evidence.feedback"]
    assert [n.unit for n in feedback] == ["legal_aid", "union"] and "请求已撤回" in feedback[1].body
    ledger = {d.clock_key: d.state for d in registry.deadlines(number)}
    assert ledger["inspect.evidence:2"] == "met_late"  # withdrawn at closure, still counted as missed
    assert outcome.deadlines_missed == 1
    kinds = [w.kind for w in registry.work_items(case_number=number)]
    assert kinds.count("evidence.explain") == 2 and kinds.count("evidence.retrieve") == 2


async def test_lead_from_legal_aid_with_feedback_to_its_sender(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    await event(env.client, number, "inspection_lead", "legal_aid", kind="lead", matters="未依法缴纳社会保险")
    await until(env.client, number, track("inspection", "移送线索待受理"), "lead awaiting acceptance")
    await event(env.client, number, "inspection_accept", "inspection")
    await until(env.client, number, track("inspection", "正式立案调查"), "investigating")
    joined = await event(env.client, number, "inspection_lead", "union", kind="complaint", matters="拖欠加班费")
    assert "并入" in joined.message
    await event(env.client, number, "inspection_decision", "inspection", kind="closed_corrected", note="已补缴社会保险")
    await until(env.client, number, lambda v: "inspection" not in v.tracks, "inspection closed")
    feedback = [(n.unit, n.body) for n in registry.notifications(number) if n.kind == "inspection.feedback"]
    assert feedback[0][0] == "legal_aid" and "已受理立案" in feedback[0][1]
    assert {unit for unit, body in feedback[1:] if "办理结果：用人单位已改正，结案（已补缴社会保险）" in body} == {
        "legal_aid", "union"}


async def test_order_to_pay_lapses_into_police_transfer_and_payment_closes_it(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, channel="inspection", consent=False, amount="12600.00")
    await until(env.client, number, track("inspection", "投诉待受理"), "complaint awaiting acceptance")
    await event(env.client, number, "inspection_accept", "inspection")
    await until(env.client, number, track("inspection", "已受理立案"), "negotiating")
    # Inspection mediates the dispute in the main flow: the employer's refusal is also the failed negotiation.
    await event(env.client, number, "employer_refuses_mediation", "inspection", reason="拒不到场")
    await until(env.client, number, lambda v: "申请仲裁" in v.waiting_for, "offered arbitration")
    await event(env.client, number, "case_withdrawn", "window", reason="劳动者由监察处理，不申请仲裁")
    view = await until(env.client, number, lambda v: "待并行程序办结" in v.waiting_for
                       and v.tracks.get("inspection", "").startswith("正式立案调查"), "closure waiting for inspection")
    assert "主程序已结束，待并行程序办结后结案：劳动保障监察" in await details(env, number)
    pay_by = await local_today(env) + timedelta(days=5)
    await event(env.client, number, "inspection_decision", "inspection", kind="order_to_pay", amount="12600.00",
                by=pay_by.isoformat())
    await until(env.client, number, track("inspection", "责令于"), "order served")
    await env.sleep(timedelta(days=6))
    view = await until(env.client, number, lambda v: "malicious_arrears" in v.flags, "malicious arrears flagged")
    assert view.tracks["inspection"].startswith("涉嫌恶意欠薪")
    assert any("达到 10000.00 元的标准" in f for f in view.facts)
    partial = await event(env.client, number, "inspection_payment", "inspection", amount="5000.00")
    assert "尚欠 7600.00 元" in partial.message  # a part payment does not close the path
    await event(env.client, number, "arrears_summons_served", "inspection", method="posted_and_recorded",
                received_on=(await local_today(env)).isoformat())
    await until(env.client, number, track("inspection", "待负责人"), "head deciding")
    await event(env.client, number, "police_transfer_decision", "inspection", approved=True, approver="张支队长")
    view = await until(env.client, number, track("inspection", "已批准移送"), "transfer approved")
    assert clock(view, "police.transfer.send").state == "running"
    await event(env.client, number, "inspection_payment", "inspection", amount="7600.00")
    outcome = await case_result(env.client, number)
    assert outcome.amount_recovered == 12600
    ledger = {d.rule_id: d.state for d in registry.deadlines(number)}
    assert ledger["inspect.order_to_pay"] == "expired" and ledger["police.transfer"] == "met"
    assert ledger["police.transfer.send"] == "cancelled"
    kinds = [e.kind for e in registry.events(number)]
    assert "arrears.flagged" in kinds and "arrears.closed" in kinds
    closing = next(e.detail for e in registry.events(number) if e.kind == "inspection.closed")
    assert "足额支付 12600.00 元，恶意欠薪移送程序终止" in closing
    assert {"arrears.summons", "arrears.transfer"} <= {w.kind for w in registry.work_items(case_number=number)}
    case = registry.case(number)
    assert case is not None and case.flags.count("malicious_arrears") == 1
    assert [t for t in case.tracks if not t.startswith("协调会商")] == []  # the proposed meeting stays
    await replays(env, number)


async def test_inspection_runs_beside_the_main_flow_without_either_blocking(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)  # union channel, consenting worker: legal aid first
    first_ready, *_ = MAIN_FLOW[0]
    await until(env.client, number, first_ready, "main flow ready")
    # Inspection opens and moves on while the main flow waits for legal aid.
    await event(env.client, number, "inspection_complaint", "window", matters="拖欠三个月工资")
    await until(env.client, number, track("inspection", "投诉待受理"), "complaint awaiting acceptance")
    await event(env.client, number, "inspection_accept", "inspection")
    view = await until(env.client, number, track("inspection", "已受理立案"), "opened")
    assert first_ready(view)  # the main flow did not move
    # The main flow moves on while inspection waits for its own next step.
    for ready, name, unit, fields in MAIN_FLOW[:-1]:
        await until(env.client, number, ready, f"ready for {name}")
        await event(env.client, number, name, unit, **fields)
    last_ready, name, unit, fields = MAIN_FLOW[-1]
    # The failed mediation was also the complaint's failed negotiation: formal investigation began.
    await until(env.client, number, lambda v: last_ready(v) and track("inspection", "正式立案调查")(v),
                f"ready for {name}, the track in formal investigation")
    extended = await event(env.client, number, "clock_extend", "inspection", clock="inspect.investigate",
                           approver="李支队长", reason="案情复杂")
    assert "已延长" in extended.message
    # The main flow ends; the case waits for inspection, which goes on to formal investigation.
    await event(env.client, number, name, unit, **fields)
    view = await until(env.client, number, lambda v: "待并行程序办结" in v.waiting_for, "closure waits for the track")
    assert view.closed_at is None and view.tracks["inspection"].startswith("正式立案调查")
    assert view.waiting_for_en == "main flow done; closing once these tracks finish: labour inspection"
    await event(env.client, number, "inspection_decision", "inspection", kind="penalty", amount="20000.00",
                matters="拖欠劳动报酬")
    outcome = await case_result(env.client, number)
    assert outcome.outcome.startswith("劳动者不申请仲裁")
    kinds = [e.kind for e in registry.events(number)]
    assert kinds.index("case.waiting_tracks") < kinds.index("inspection.closed") < kinds.index("case.closed")
    [waiting] = [e for e in registry.events(number) if e.kind == "case.waiting_tracks"]
    assert waiting.detail.endswith("劳动保障监察") and waiting.detail_en.endswith("tracks finish: labour inspection")
    ledger = {d.rule_id: (d.state, d.extended) for d in registry.deadlines(number)}
    assert ledger["inspect.investigate"] == ("met", True)
    await replays(env, number)


async def test_proactive_inspection_hands_over_to_arbitration_with_legal_aid_referral(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers)  # consenting migrant worker: eligible for legal aid
    await at_stage(env.client, number, "legal_aid_review")
    with pytest.raises(EventRefused) as refused:
        await event(env.client, number, "inspection_complaint", "window", source="proactive", matters="工资台账检查")
    assert refused.value.code == "not_now" and "主动监察" in refused.value.zh
    await event(env.client, number, "inspection_complaint", "inspection", source="proactive", matters="工资台账检查")
    view = await until(env.client, number, track("inspection", "正式立案调查"), "investigating at once")
    assert not [d for d in view.deadlines if d.rule_id == "inspect.accept"]  # nothing to accept
    for name, fields in (("inspection_accept", {}), ("police_transfer_decision", {"approved": True, "approver": "张"}),
                         ("evidence_result", {"request": 9, "result": "not_found"})):
        with pytest.raises(EventRefused) as wrong:
            await event(env.client, number, name, "inspection", **fields)
        assert wrong.value.code == "not_now"
    await event(env.client, number, "inspection_decision", "inspection", kind="hand_over", to="arbitration",
                reason="涉及劳动关系确认，需经仲裁")
    view = await until(env.client, number, lambda v: "inspection" not in v.tracks, "handed over")
    assert "may_apply_arbitration" in view.flags and view.stage == "legal_aid_review"
    assert any("移交劳动人事争议仲裁：涉及劳动关系确认，需经仲裁；1名劳动者符合条件且同意，一并转介法律援助" in f
               for f in view.facts)


def intake(**fields: Any) -> CaseIntake:
    return CaseIntake.from_input(factories.intake(**fields), TODAY)


def test_violation_end_and_the_two_year_limit(settings: Settings) -> None:
    rule = settings.rule("inspect.limitation")
    old = intake(**OLD_CLAIM)
    assert violation_end(old) == date(2023, 9, 30)
    assert limitation(rule, settings.calendar, violation_end(old), date(2026, 11, 29)).barred
    assert not limitation(rule, settings.calendar, violation_end(old), date(2025, 9, 29)).barred
    still_employed = intake(employment_end=None)
    assert violation_end(still_employed) is None  # a continuing violation
    assert not limitation(rule, settings.calendar, None, date(2030, 1, 1)).barred


def test_malicious_arrears_thresholds(settings: Settings) -> None:
    district = settings.district("360113")
    one = intake(amount="12600.00")
    assert months_unpaid(one) == 4
    assert assess(one, Decimal("12600.00"), district).crosses
    assert not assess(one, Decimal("9999.00"), district).crosses  # below the single figure
    short = intake(claims=[{"type": "wages", "amount": "20000.00", **factories.wage_period(2)}])
    assert months_unpaid(short) == 2 and not assess(short, Decimal("20000.00"), district).crosses
    group = intake(claimants=10, claims=[{"type": "wages", "amount": "60000.00"}])
    answer = assess(group, Decimal("60000.00"), district)
    assert answer.crosses and answer.months == 0 and "10名劳动者" in answer.basis


async def test_inspection_runs_beside_arbitration_without_either_blocking(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    """A direct arbitration application and a complaint on one case: each track moves on its own."""
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await until(env.client, number, lambda v: v.stage == "arbitration" and "当天立案" in v.waiting_for, "to file")
    # Inspection opens and moves on while arbitration waits for its same-day filing.
    await event(env.client, number, "inspection_complaint", "window", matters="拖欠三个月工资")
    await until(env.client, number, track("inspection", "投诉待受理"), "complaint awaiting acceptance")
    await event(env.client, number, "inspection_accept", "inspection")
    view = await until(env.client, number, track("inspection", "已受理立案"), "inspection opened")
    assert view.stage == "arbitration" and "当天立案" in view.waiting_for  # arbitration did not move
    # Arbitration moves on while inspection waits for its own next step.
    await event(env.client, number, "arbitration_filed", "arbitration")
    view = await until(env.client, number, lambda v: "一次性通知" in v.waiting_for, "filed, notice next")
    assert view.stage == "arbitration" and view.tracks["inspection"].startswith("已受理立案")
    states = {d.rule_id: d.state for d in view.deadlines}
    assert states["arb.same_day_filing"] == "met" and states["inspect.investigate"] == "running"
    # Both are on the clock at once, each with its own responsible unit.
    units = {d.rule_id: d.responsible for d in view.deadlines if d.state == "running"}
    assert units["arb.one_time_notice"] == "arbitration" and units["inspect.investigate"] == "inspection"
