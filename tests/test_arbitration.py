"""The arbitration track on the time-skipping server: filing, the one-time notice, the award clock,
the award and its windows [Plan 三(五)]."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.arbitration import NoticeDraft, Tribunal, render_one_time_notice
from domain.calendar import SHANGHAI, WorkCalendar
from domain.models import Agency, CaseIntake, CaseView, Claim, ClaimType, DeadlineView, Notice
from domain.records import CaseOpening, CaseSnapshot
from domain.rules import Settings, load_settings
from registry.errors import NoParty
from registry.store import Registry
from starters.cases import EventRefused, case_result, case_state
from tests import factories
from tests.conftest import running_workers, terminate_open_cases, time_skipping_server
from tests.helpers import PLACE, TODAY, at_stage, award, event, filed, one_time_notice, skip_past, start, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "one-time-notice.txt"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own: the months skipped here leave the shared
    server's clock (and the dates other tests expect) alone."""
    async with time_skipping_server() as env:
        yield env



def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def deadline(view: CaseView, key: str) -> DeadlineView:
    return next(d for d in view.deadlines if d.key == key)


def ledger(registry: Registry, number: str) -> dict[str, str]:
    return {d.clock_key: d.state for d in registry.deadlines(number)}


def claims(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"type": kind, "amount": amount} for kind, amount in pairs]


def test_party_notice_reaches_every_party_of_the_role_once(registry: Registry) -> None:
    intake = CaseIntake.from_input(factories.intake(claimants=3), TODAY)
    number, now = intake.case_number(), datetime.now(UTC)
    registry.register_case(CaseOpening(case_number=number, intake=intake, opened_at=now, snapshot=CaseSnapshot(
        stage="arbitration", agency=Agency.ARBITRATION, waiting_for="x")))
    notice = Notice(case_number=number, unit=Agency.ARBITRATION, kind="k", subject="s", body="b", key="n1",
                    party="claimant")
    first, again = registry.queue_party_notice(notice), registry.queue_party_notice(notice)
    assert [r.id for r in first] == [r.id for r in again]
    assert [r.recipient for r in first] == [w["name"] for w in factories.workers(3)]
    assert {r.unit for r in registry.notifications(number)} == {"arbitration"}
    with pytest.raises(NoParty):
        registry.queue_party_notice(notice.model_copy(update={"case_number": "NC-none"}))


# ---- entry and same-day filing --------------------------------------------------------------------


async def test_application_after_failed_mediation_is_filed_the_same_day(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    await event(env.client, number, "mediation_failed", "union", reason="用人单位不同意支付")
    view = await until(env.client, number, lambda v: "申请仲裁" in v.waiting_for, "waiting for an application")
    assert view.agency is None and any("调解不成" in f for f in view.facts)
    receipt = await event(env.client, number, "arbitration_application", "legal_aid")
    assert "当天立案" in receipt.message
    view = await at_stage(env.client, number, "arbitration")
    assert view.agency == "arbitration" and "priority" in view.flags
    assert view.waiting_for.startswith("等待仲裁委当天立案") and "截止" in view.waiting_for
    receipt = await event(env.client, number, "arbitration_filed", "arbitration")
    assert "当天立案" in receipt.message
    with pytest.raises(EventRefused) as again:
        await event(env.client, number, "arbitration_filed", "arbitration")
    assert again.value.code == "not_now"
    view = await case_state(env.client, number)
    assert view.waiting_for.startswith("等待仲裁委3个工作日内一次性通知") and "截止" in view.waiting_for
    states = ledger(registry, number)
    assert states["arb.same_day_filing"] == "met" and states["arb.accept"] == "met"
    assert {k: states[k] for k in ("arb.one_time_notice", "arb.serve_copy", "arb.tribunal_notice", "arb.award")} == {
        "arb.one_time_notice": "running", "arb.serve_copy": "running", "arb.tribunal_notice": "running",
        "arb.award": "running"}
    items = [(w.agency, w.kind) for w in registry.work_items(case_number=number)]
    assert items == [("union", "mediation"), ("arbitration", "arbitration.application"),
                     ("arbitration", "arbitration.filed")]


async def test_same_day_filing_missed_escalates_then_filed_late(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await at_stage(env.client, number, "arbitration")
    await skip_past(env, number, "arb.same_day_filing")
    view = await until(env.client, number, lambda v: deadline(v, "arb.same_day_filing").state == "lapsed", "lapsed")
    assert view.waiting_for.startswith("仲裁委未当天立案") and deadline(view, "arb.accept").state != "lapsed"
    escalations = {(n.unit, n.recipient) for n in registry.notifications(number) if n.kind == "escalation"}
    assert escalations == {("arbitration", "示例联络员乙"), ("arbitration", "示例庭长乙")}
    receipt = await event(env.client, number, "arbitration_filed", "arbitration")
    assert "逾期立案" in receipt.message
    states = ledger(registry, number)
    assert states["arb.same_day_filing"] == "met_late" and states["arb.accept"] == "met"
    assert not registry.case(number).overdue  # type: ignore[union-attr]


async def test_refusal_states_reasons_and_closes_with_the_right_to_sue(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await at_stage(env.client, number, "arbitration")
    await event(env.client, number, "arbitration_refused", "arbitration", reason="不属于劳动争议受理范围")
    outcome = await case_result(env.client, number)
    assert "不予受理（不属于劳动争议受理范围）" in outcome.outcome and "起诉" in outcome.outcome
    refusal = [n for n in registry.notifications(number) if n.kind == "arb.refusal"]
    assert [n.recipient for n in refusal] == [factories.workers(1)[0]["name"]]  # the applicant, in writing


async def test_collective_dispute_is_prioritised_and_records_representatives(
        env: WorkflowEnvironment, workers: str) -> None:
    number = await start(env.client, workers, channel="arbitration", consent=False, claimants=10)
    view = await at_stage(env.client, number, "arbitration")
    assert {"group", "priority"} <= {f.value for f in view.flags}
    assert any("集体劳动争议（10名劳动者）" in f for f in view.facts) and any("推举代表" in f for f in view.facts)
    with pytest.raises(EventRefused) as stranger:
        await event(env.client, number, "representatives_elected", "union", names=["不相干的人"])
    assert stranger.value.code == "not_now" and "代表人应为本案劳动者" in stranger.value.zh
    names = [w["name"] for w in factories.workers(3)]
    await event(env.client, number, "representatives_elected", "union", names=names)
    view = await case_state(env.client, number)
    assert any("代表人" in f and names[0] in f for f in view.facts)


# ---- the one-time notice ---------------------------------------------------------------------------


def next_weekdays(day: date, n: int) -> list[date]:
    out: list[date] = []
    while len(out) < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


async def test_one_time_notice_on_the_third_working_day_across_a_holiday(
        env: WorkflowEnvironment, registry: Registry, tmp_path: Path, documents: Path) -> None:
    # chinesecalendar has no holiday ahead of today: put two on the next two weekdays.
    today = local_day(await env.get_current_time())
    holidays = next_weekdays(today, 2)
    override = tmp_path / "holidays.toml"
    override.write_text("".join(
        f'[years.{year}]\nholidays = [{", ".join(repr(d.isoformat()) for d in holidays if d.year == year)}]\n'
        for year in sorted({today.year, today.year + 1})), encoding="utf-8")
    settings = load_settings(calendar_file=override)
    async with running_workers(env.client, registry, settings) as prefix:
        try:
            number = await filed(env, prefix, claims=claims(("wages", "12000.00"), ("overtime", "3000.00")))
            view = await case_state(env.client, number)
            clock = deadline(view, "arb.one_time_notice")
            assert local_day(clock.started_at) == today
            due = settings.calendar.add_workdays(today, 3).day
            assert local_day(clock.due) == due and clock.due.astimezone(SHANGHAI).time() == time(17, 30)
            assert due > WorkCalendar().add_workdays(today, 3).day  # the holidays moved it
            assert f"截止 {due.isoformat()} 17:30" in view.waiting_for

            await env.sleep(clock.due - await env.get_current_time() - timedelta(hours=8))  # 09:30 that day
            assert local_day(await env.get_current_time()) == due
            receipt = await one_time_notice(env, number)
            assert "one-time-notice.txt" in receipt.message
            states = ledger(registry, number)
            assert states["arb.one_time_notice"] == "met" and states["arb.tribunal_notice"] == "met"
            assert states["arb.hearing_notice"] == "met" and states["arb.postpone_request"] == "running"

            text = (documents / number / "one-time-notice.txt").read_text(encoding="utf-8")
            for part in ("一次性告知书", "仲裁庭组成", "首席仲裁员示例仲裁员甲", "答辩期间", "10个工作日",
                         "举证期限", "开庭时间和地点", PLACE, "优先处理：追索劳动报酬", factories.employer(0)["name"],
                         factories.workers(1)[0]["name"], "劳动报酬 ¥12,000.00；加班费 ¥3,000.00"):
                assert part in text, part
            sent = [n for n in registry.notifications(number) if n.kind == "arb.one_time_notice"]
            assert {n.recipient for n in sent} == {factories.workers(1)[0]["name"], factories.employer(0)["name"]}
            assert all(f"{number}/one-time-notice.txt" in n.body and n.unit == "arbitration" for n in sent)
            view = await case_state(env.client, number)
            assert view.waiting_for.startswith("开庭 ") and "等待仲裁裁决，截止" in view.waiting_for
        finally:
            await terminate_open_cases(env.client, registry)


def sample_notice(settings: Settings) -> str:
    """The committed example: a fictional case, rendered as the activity renders it."""
    draft = NoticeDraft(
        case_number="NC360113-7QK2M4XA", key="one-time-notice",
        issued_at=datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI), filed_at=datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI),
        claims=[Claim(type=ClaimType.WAGES, amount=Decimal("53600.00")),
                Claim(type=ClaimType.OVERTIME, amount=Decimal("8000.00"))],
        tribunal=Tribunal(chair="示例仲裁员甲", members=["示例仲裁员乙", "示例仲裁员丙"]),
        evidence_until=date(2026, 12, 14), hearing_at=datetime(2026, 12, 17, 9, 30, tzinfo=SHANGHAI),
        hearing_place="南昌市劳动人事争议仲裁院第三仲裁庭", priority=["追索劳动报酬"])
    return render_one_time_notice(
        draft, commission="南昌市人社局劳动人事争议仲裁院", claimants=[w["name"] for w in factories.workers(3)],
        employer=factories.employer(0)["name"], defence_period=f"{settings.rule('arb.defence').length}个工作日",
        postpone_days=settings.rule("arb.postpone_request").length)


def test_committed_example_notice_is_what_the_renderer_writes(settings: Settings) -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == sample_notice(settings)


# ---- the award clock --------------------------------------------------------------------------------


async def test_award_clock_restarted_by_added_claim_and_paused_by_suspension(
        env: WorkflowEnvironment, workers: str, registry: Registry, settings: Settings) -> None:
    cal = settings.calendar
    number = await start(env.client, workers, consent=False)
    await at_stage(env.client, number, "mediation")
    view = await until(env.client, number, lambda v: v.deadlines, "mediation window started")
    await env.sleep(deadline(view, "mediation.window").due - await env.get_current_time() + timedelta(hours=1))
    await until(env.client, number, lambda v: "may_apply_arbitration" in v.flags, "window lapsed")
    await event(env.client, number, "arbitration_application", "union")  # ends the mediation still open
    await at_stage(env.client, number, "arbitration")
    assert ledger(registry, number)["mediation.window"] == "expired"
    await event(env.client, number, "arbitration_filed", "arbitration")
    first = deadline(await case_state(env.client, number), "arb.award").due

    await env.sleep(timedelta(days=10))
    restarted_on = local_day(await env.get_current_time())
    receipt = await event(env.client, number, "arbitration_award_clock_restart", "arbitration",
                          cause="claims_changed", reason="申请人增加加班费请求",
                          added_claims=claims(("overtime", "3000.00")))
    assert "重新计算" in receipt.message
    restarted = deadline(await case_state(env.client, number), "arb.award").due
    assert local_day(restarted) == cal.add_days(restarted_on, 45).day and restarted > first

    await env.sleep(timedelta(days=2))
    paused_on = local_day(await env.get_current_time())
    await event(env.client, number, "arbitration_suspended", "arbitration", cause="suspension",
                reason="申请人因工伤住院，无法参加仲裁")
    view = await case_state(env.client, number)
    assert deadline(view, "arb.award").state == "paused" and view.waiting_for.startswith("仲裁中止")
    remaining = (local_day(restarted) - paused_on).days
    await env.sleep(timedelta(days=5))
    view = await case_state(env.client, number)
    assert deadline(view, "arb.award").state == "paused"  # no time counts while suspended
    resumed_on = local_day(await env.get_current_time())
    receipt = await event(env.client, number, "arbitration_resumed", "arbitration", reason="申请人出院")
    resumed = deadline(await case_state(env.client, number), "arb.award")
    assert resumed.state == "running" and local_day(resumed.due) == cal.add_days(resumed_on, remaining).day
    assert local_day(resumed.due) >= local_day(restarted) + timedelta(days=5)
    kinds = [e.kind for e in registry.events(number)]
    assert {"clock.restarted", "clock.paused", "clock.resumed"} <= set(kinds)


async def test_award_period_extended_once_only(env: WorkflowEnvironment, workers: str, registry: Registry,
                                               settings: Settings) -> None:
    number = await filed(env, workers)
    before = deadline(await case_state(env.client, number), "arb.award").due
    await event(env.client, number, "arbitration_award_extended", "arbitration", approver="示例主任",
                reason="案情复杂，需要延期")
    after = deadline(await case_state(env.client, number), "arb.award")
    assert after.extended and local_day(after.due) == settings.calendar.add_days(local_day(before), 15).day
    for name, extra in (("arbitration_award_extended", {}), ("clock_extend", {"clock": "arb.award"})):
        with pytest.raises(EventRefused) as second:
            await event(env.client, number, name, "arbitration", approver="示例主任", reason="再次延期", **extra)
        assert second.value.code == "not_now" and "一次" in second.value.zh
    told = {n.recipient for n in registry.notifications(number) if n.kind == "arb.award_extended"}
    assert told == {factories.workers(1)[0]["name"], factories.employer(0)["name"]}


# ---- wage claim first, evidence, the award ----------------------------------------------------------


async def test_wage_claim_first_partial_award_advance_execution_and_evidence(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await filed(env, workers, claims=claims(("wages", "20000.00"), ("compensation", "30000.00")))
    await one_time_notice(env, number)
    await event(env.client, number, "arbitration_wage_mediated", "arbitration", terms="先行支付工资",
                amount="20000.00", performance_date=(local_day(await env.get_current_time()) + timedelta(
                    days=10)).isoformat())
    await event(env.client, number, "evidence_collection_requested", "legal_aid", evidence="考勤记录",
                reason="考勤记录由用人单位掌握，劳动者无法取得")
    view = await case_state(env.client, number)
    assert view.tracks == {"仲裁委调查取证": "1项进行中"}
    await event(env.client, number, "evidence_collected", "arbitration", obtained=True, result="调取考勤记录12页")
    receipt = await event(env.client, number, "arbitration_partial_award", "arbitration",
                          items=[{"type": "wages", "amount": "20000.00"}])
    assert "终局：劳动报酬 ¥20,000.00" in receipt.message
    with pytest.raises(EventRefused) as wrong:
        await event(env.client, number, "arbitration_advance_execution", "arbitration",
                    items=[{"type": "contract"}])
    assert "LDMA Art 44" in wrong.value.zh
    await event(env.client, number, "arbitration_advance_execution", "arbitration",
                items=[{"type": "wages", "amount": "20000.00"}])
    view = await case_state(env.client, number)
    assert not view.tracks
    assert any("先行调解" in f for f in view.facts) and any("先予执行" in f and "移送" in f for f in view.facts)
    kinds = [(w.agency, w.kind) for w in registry.work_items(case_number=number)]
    assert ("arbitration", "arbitration.evidence") in kinds and ("court", "court.advance_execution") in kinds
    assert ledger(registry, number)["arb.wage_mediation.performance"] == "running"


async def test_mixed_award_is_split_into_final_and_non_final_items(
        env: WorkflowEnvironment, workers: str) -> None:
    number = await filed(env, workers, claims=claims(("wages", "20000.00"), ("compensation", "30000.00"),
                                                    ("hours_rest_leave", None), ("contract", None)))
    with pytest.raises(EventRefused) as early:  # no tribunal yet
        await award(env, number, items=[{"type": "wages"}])
    assert early.value.code == "not_now"
    await one_time_notice(env, number)
    receipt = await event(env.client, number, "arbitration_postponement_requested", "legal_aid", party="worker",
                          reason="申请人代理律师另有开庭")
    assert "按期提出" in receipt.message
    hearing = datetime.combine(local_day(await env.get_current_time()) + timedelta(days=3), time(9, 30), SHANGHAI)
    await event(env.client, number, "arbitration_hearing_changed", "arbitration", hearing_at=hearing.isoformat(),
                hearing_place=PLACE, reason="同意延期后重新排期")
    view = await case_state(env.client, number)
    assert [d.state for d in view.deadlines if d.rule_id == "arb.hearing_notice"] == ["met", "met_late"]
    assert any("通知有瑕疵" in f for f in view.facts)  # fewer than 5 days' notice (LDMA Art 35)
    receipt = await award(env, number, served_to=["worker", "employer"],
                          items=[{"type": "wages", "amount": "20000.00"},  # ≤ 12 × 2,000.00: final
                                 {"type": "compensation", "amount": "30000.00"},  # > 24,000.00: non-final
                                 {"type": "hours_rest_leave"},  # labour standards: final
                                 {"type": "contract"}])  # not a final-award matter
    assert receipt.message == ("裁决已作出：终局：劳动报酬 ¥20,000.00；工时/休息休假；"
                               "非终局：经济补偿/赔偿金 ¥30,000.00；劳动合同")
    view = await case_state(env.client, number)
    assert view.agency is None and view.waiting_for.startswith("裁决已送达")
    windows = {d.key: d.state for d in view.deadlines if d.key.startswith(("arb.final", "arb.nonfinal"))}
    assert windows == {"arb.final.worker_sues": "running", "arb.nonfinal.sue:worker": "running",
                       "arb.final.employer_revokes": "running", "arb.nonfinal.sue:employer": "running"}
    assert deadline(view, "arb.award").state == "met"
    assert any("¥24,000.00" in f and "终局（LDMA Art 47(一)）" in f for f in view.facts)
    assert any("按非终局裁决处理" in f for f in view.facts)


async def test_employer_set_aside_refused_after_the_worker_sued(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, channel="arbitration")  # consents: referred to legal aid
    await at_stage(env.client, number, "legal_aid_review")
    await event(env.client, number, "arbitration_filed", "arbitration")  # filing does not wait for legal aid
    await event(env.client, number, "legal_aid_decision", "legal_aid", granted=True, lawyer={"name": "李律师"})
    await at_stage(env.client, number, "arbitration")
    assert ledger(registry, number)["arb.same_day_filing"] == "met"
    await one_time_notice(env, number)
    await award(env, number, items=[{"type": "wages", "amount": "5000.00"}],
                served_to=["worker", "employer"])
    with pytest.raises(EventRefused) as employer_sues:
        await event(env.client, number, "lawsuit_filed", "court", party="employer")
    assert "只能向中级人民法院申请撤销" in employer_sues.value.zh
    await event(env.client, number, "award_set_aside_applied", "court", court="南昌市中级人民法院")
    view = await case_state(env.client, number)
    assert view.tracks == {"撤销终局裁决申请": "南昌市中级人民法院审查中"}
    receipt = await event(env.client, number, "lawsuit_filed", "legal_aid", party="worker", court="红谷滩区人民法院")
    assert "转入诉讼" in receipt.message
    await at_stage(env.client, number, "litigation")  # the lawsuit goes on in the litigation stage
    refused = [e for e in registry.events(number) if e.kind == "arbitration.set_aside_refused"]
    assert len(refused) == 1 and "SPC-L1 Art 21" in refused[0].detail
    kinds = [(w.agency, w.kind) for w in registry.work_items(case_number=number)]
    assert ("legal_aid", "legal_aid.arbitration") in kinds  # legal aid follows into court: see test_litigation


async def test_award_takes_effect_when_nobody_sues(env: WorkflowEnvironment, workers: str,
                                                   registry: Registry) -> None:
    number = await filed(env, workers, claims=claims(("compensation", "50000.00")))
    await one_time_notice(env, number)
    receipt = await event(env.client, number, "arbitration_copy_served", "arbitration")
    assert "答辩期截止" in receipt.message
    await event(env.client, number, "arbitration_defence_filed", "arbitration")
    await award(env, number,
                items=[{"type": "compensation", "amount": "50000.00"}], served_to=["worker"])
    view = await case_state(env.client, number)
    assert "等待向用人单位送达裁决书" in view.waiting_for
    await event(env.client, number, "award_served", "arbitration", party="employer")
    await skip_past(env, number, "arb.nonfinal.sue:employer")
    view = await until(env.client, number, lambda v: v.waiting_for.startswith("裁决已生效"), "effective")
    assert "申请强制执行，截止" in view.waiting_for and any("发生法律效力" in f for f in view.facts)
    states = ledger(registry, number)
    assert states["arb.nonfinal.sue:worker"] == "expired" and states["arb.nonfinal.sue:employer"] == "expired"
    assert states["enforce.apply"] == "running" and "lapsed" not in states.values()
    assert states["arb.serve_copy"] == "met" and states["arb.defence"] == "met"
    with pytest.raises(EventRefused) as late:
        await event(env.client, number, "lawsuit_filed", "legal_aid", party="worker")
    assert "起诉期间已届满" in late.value.zh
    await event(env.client, number, "award_performed", "legal_aid", amount="50000.00")
    outcome = await case_result(env.client, number)
    assert outcome.outcome == "用人单位已履行仲裁裁决：¥50,000.00" and outcome.amount_recovered == Decimal("50000.00")
    assert outcome.deadlines_missed == 0
