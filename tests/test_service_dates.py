"""Service and mailing dates on the time-skipping server: a party's window runs from the day the
document was served, not from when the service was recorded; a filing posted within the period is
in time though it arrives after the window ran out in the system (CPL Art 85). Every date is taken
relative to the case's own clock and every due moment is read from the case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import pytest
import pytest_asyncio
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import SHANGHAI, at_local, last_day
from domain.events.arbitration import Award, AwardServed
from domain.events.base import date_problem, mailed_in_time, service_moment
from domain.events.litigation import CourtDecision
from domain.i18n import explain
from domain.models import CaseView, DeadlineView
from domain.rules import Settings, compute_due
from registry.store import Registry
from starters.cases import EventRefused, case_state
from tests.conftest import time_skipping_server
from tests.agreements import COURT, agreed, ledger, running, unperformed_into_payment_order
from tests.helpers import at_stage, award, event, filed, one_time_notice, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh

NON_FINAL = [{"type": "compensation", "amount": "50000.00"}]  # above the final-award limit: either party sues
FINAL = [{"type": "wages", "amount": "5000.00"}]  # below it: the worker sues, the employer applies to set aside


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module's own time-skipping server: the days skipped here leave the shared server alone."""
    async with time_skipping_server() as env:
        yield env


def window(view: CaseView, key: str) -> DeadlineView:
    return next(d for d in view.deadlines if d.key == key)


async def logged(registry: Registry, number: str, text: str, kind: str | None = None) -> str:
    """The event-log entry (of ``kind``) containing ``text``, once written (event entries are
    written after the sender is answered)."""
    for _ in range(300):
        for entry in registry.events(number):
            if text in entry.detail and kind in (None, entry.kind):
                return entry.detail
        await asyncio.sleep(0.03)
    raise AssertionError(f"{number}: no log entry with {text!r}")


async def today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).astimezone(SHANGHAI).date()


async def awarded(env: WorkflowEnvironment, prefix: str, *, days_later: int, items: list[dict[str, str]] = NON_FINAL,
                  served_to: tuple[str, ...] = ("worker",)) -> str:
    """A filed case whose award is made ``days_later`` days after filing and served that day on
    ``served_to`` (by default the worker: the employer's service is left to the test)."""
    number = await filed(env, prefix)
    await one_time_notice(env, number, days_ahead=days_later + 5)
    await env.sleep(timedelta(days=days_later))
    await award(env, number, items=items, served_to=list(served_to), above_claim_reason="仲裁中增加经济补偿请求")
    return number


async def refused(env: WorkflowEnvironment, number: str, name: str, unit: str, **fields: object) -> EventRefused:
    with pytest.raises(EventRefused) as err:
        await event(env.client, number, name, unit, **fields)
    assert err.value.code == "not_now"
    return err.value


def test_service_moment_mailing_and_bounds() -> None:
    opened = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    now = opened + timedelta(days=10)
    assert service_moment(None, now) == now and service_moment(now.date(), now) == now
    assert service_moment(date(2026, 3, 5), now) == datetime(2026, 3, 5, 0, 0, tzinfo=SHANGHAI)
    midnight, close = at_local(date(2026, 3, 20), time(0, 0)), at_local(date(2026, 3, 20), time(17, 30))
    for due in (midnight, close):  # a period ending at 24:00 or at close of business on 03-20
        assert mailed_in_time(date(2026, 3, 20), due) and not mailed_in_time(date(2026, 3, 21), due)
        assert not mailed_in_time(None, due)

    def served(day: date) -> AwardServed:
        return AwardServed.model_validate({"event_id": "x", "actor": {"unit": "arbitration", "person": "甲"},
                                           "party": "worker", "served_on": day.isoformat()})

    assert date_problem(served(date(2026, 3, 2)), opened, now) is None
    assert date_problem(served(date(2026, 3, 12)), opened, now) is None
    assert date_problem(served(date(2026, 3, 13)), opened, now) == (
        "送达日期 2026-03-13 晚于今天（2026-03-12）", "the service date 2026-03-13 is in the future (today is 2026-03-12)")
    assert date_problem(served(date(2026, 3, 1)), opened, now) == (
        "送达日期 2026-03-01 早于本案受理之日（2026-03-02）",
        "the service date 2026-03-01 is before the case was opened (2026-03-02)")


async def test_window_runs_from_a_back_dated_service(env: WorkflowEnvironment, workers: str, registry: Registry,
                                                     settings: Settings) -> None:
    number = await awarded(env, workers, days_later=8)
    now, day = await env.get_current_time(), await today(env)
    opened = (await case_state(env.client, number)).opened_at.astimezone(SHANGHAI).date()

    future = await refused(env, number, "award_served", "arbitration", party="employer",
                           served_on=(day + timedelta(days=1)).isoformat())
    assert "晚于今天" in future.zh and "in the future" in future.en
    before = await refused(env, number, "award_served", "arbitration", party="employer",
                           served_on=(opened - timedelta(days=1)).isoformat())
    assert "早于本案受理之日" in before.zh and "before the case was opened" in before.en

    served_on = day - timedelta(days=5)
    receipt = await event(env.client, number, "award_served", "arbitration", party="employer",
                          served_on=served_on.isoformat())
    assert f"送达日期 {served_on}" in receipt.message and f"登记日期 {day}" in receipt.message
    view = await case_state(env.client, number)
    employer, worker = window(view, "arb.nonfinal.sue:employer"), window(view, "arb.nonfinal.sue:worker")
    rule = settings.rule("arb.nonfinal.sue")
    assert employer.started_at.astimezone(SHANGHAI).date() == served_on
    assert employer.due == compute_due(rule, service_moment(served_on, now), settings).due
    assert worker.due == compute_due(rule, now, settings).due  # served when the award was made: today
    back_dated = compute_due(rule, now - timedelta(days=5), settings).due
    assert employer.due == back_dated < worker.due  # five days earlier than a service today
    assert any(f"送达日期 {served_on}" in fact and f"登记日期 {day}" in fact for fact in view.facts)
    assert f"登记日期 {day}" in await logged(registry, number, f"送达日期 {served_on}", "event.award_served")
    await logged(registry, number, f"自 {served_on} 起计算", "clock.started")


async def test_window_served_long_ago_lapses_at_once(env: WorkflowEnvironment, workers: str) -> None:
    number = await awarded(env, workers, days_later=20)
    served_on = await today(env) - timedelta(days=18)  # the 15 days are over before the event comes
    await event(env.client, number, "award_served", "arbitration", party="employer", served_on=served_on.isoformat())
    await until(env.client, number, lambda v: window(v, "arb.nonfinal.sue:employer").state == "expired", "lapsed")
    view = await case_state(env.client, number)
    assert window(view, "arb.nonfinal.sue:worker").state == "running"
    assert "起诉期间已届满" in (await refused(env, number, "lawsuit_filed", "legal_aid", party="employer")).zh


async def test_lawsuit_posted_in_time_is_taken_after_the_lapse(env: WorkflowEnvironment, workers: str,
                                                               registry: Registry) -> None:
    number = await awarded(env, workers, days_later=3)
    await event(env.client, number, "award_served", "arbitration", party="employer")
    view = await case_state(env.client, number)
    worker = window(view, "arb.nonfinal.sue:worker")
    last = max(d.due for d in view.deadlines if d.key.startswith("arb.nonfinal.sue"))
    await env.sleep(last - await env.get_current_time() + timedelta(days=1))  # a day after the last day
    await until(env.client, number, lambda v: v.waiting_for.startswith("裁决已生效"), "effective")

    posted_late = last_day(worker.due) + timedelta(days=1)
    late = await refused(env, number, "lawsuit_filed", "legal_aid", party="worker", mailed_on=posted_late.isoformat())
    assert "起诉期间已届满" in late.zh

    posted = last_day(worker.due)
    receipt = await event(env.client, number, "lawsuit_filed", "legal_aid", party="worker",
                          mailed_on=posted.isoformat())
    assert "转入诉讼" in receipt.message and f"邮寄日期 {posted}" in receipt.message
    await at_stage(env.client, number, "litigation")
    states = {d.clock_key: d.state for d in registry.deadlines(number)}
    assert states["arb.nonfinal.sue:worker"] == "met"  # in time, not late
    assert states["enforce.apply"] == "cancelled"  # the award did not take effect after all
    await logged(registry, number, f"邮寄日期 {posted} 在期间内，不算过期（CPL Art 85）", "clock.met")
    await logged(registry, number, "仲裁裁决未发生法律效力", "arbitration.award_not_effective")



async def test_objection_and_appeal_posted_in_time_undo_the_lapse(env: WorkflowEnvironment, workers: str,
                                                                  registry: Registry) -> None:
    """A payment order served two days before it was recorded; the employer's objection, posted on
    the last day, arrives when the order is already enforceable: the dispute goes to court after
    all. There the judgment, served three days before it was recorded, takes effect when nobody
    appeals in the system; the employer's appeal, posted on the last day, opens the second instance."""
    number = await agreed(env, workers, days=3)
    await unperformed_into_payment_order(env, number)
    await event(env.client, number, "payment_order_applied", "legal_aid", court=COURT)
    await event(env.client, number, "payment_order_accepted", "court", accepted=True)
    served_on = await today(env) - timedelta(days=2)
    await event(env.client, number, "payment_order_issued", "court", served_on=served_on.isoformat())
    view = await until(env.client, number, lambda v: "payment_order.objection" in running(v), "objection window")
    objection = window(view, "payment_order.objection")
    assert objection.started_at.astimezone(SHANGHAI).date() == served_on
    await env.sleep(objection.due - await env.get_current_time() + timedelta(days=1))
    await until(env.client, number, lambda v: "强制执行" in v.waiting_for, "enforceable")
    posted = last_day(objection.due)
    late = await refused(env, number, "payment_order_objection", "court", reason="用人单位称已部分支付",
                         mailed_on=(posted + timedelta(days=1)).isoformat())
    assert "支付令程序不在这一步" in late.zh
    await event(env.client, number, "payment_order_objection", "court", reason="用人单位称已部分支付",
                mailed_on=posted.isoformat())
    await until(env.client, number, lambda v: v.stage == "litigation" and "court.file" in running(v), "in court")
    states = ledger(registry, number)
    assert states["payment_order.objection"] == "met" and states["enforce.apply"] == "cancelled"

    await event(env.client, number, "court_filing", "court", procedure="simplified")
    served_on = await today(env) - timedelta(days=3)
    pay_by = await today(env) + timedelta(days=60)
    await event(env.client, number, "court_decision", "court", kind="judgment", summary="被告支付原告工资3000元",
                amount_awarded="3000.00", pay_by=pay_by.isoformat(), served_on=served_on.isoformat())
    view = await until(env.client, number, lambda v: "court.appeal" in running(v), "appeal window")
    appeal = window(view, "court.appeal")
    assert appeal.started_at.astimezone(SHANGHAI).date() == served_on
    await env.sleep(appeal.due - await env.get_current_time() + timedelta(days=1))
    await until(env.client, number, lambda v: "judgment.performance" in running(v), "judgment in force")
    posted = last_day(appeal.due)
    await refused(env, number, "court_appeal", "court", appellant="employer",
                  mailed_on=(posted + timedelta(days=1)).isoformat())
    await event(env.client, number, "court_appeal", "court", appellant="employer", mailed_on=posted.isoformat())
    view = await until(env.client, number, lambda v: "court.second_instance" in running(v), "second instance")
    states = ledger(registry, number)
    assert states["court.appeal"] == "met" and states["judgment.performance"] == "cancelled"
    await logged(registry, number, "判决未发生法律效力", "litigation.not_effective")


async def test_set_aside_posted_in_time_is_taken_after_the_award_took_effect(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await awarded(env, workers, days_later=3, items=FINAL, served_to=("worker", "employer"))
    view = await case_state(env.client, number)
    employer = window(view, "arb.final.employer_revokes")
    await env.sleep(employer.due - await env.get_current_time() + timedelta(days=1))
    await until(env.client, number, lambda v: v.waiting_for.startswith("裁决已生效"), "effective")
    posted = last_day(employer.due)
    await refused(env, number, "award_set_aside_applied", "court", mailed_on=(posted + timedelta(days=1)).isoformat())
    await event(env.client, number, "award_set_aside_applied", "court", mailed_on=posted.isoformat())
    view = await until(env.client, number, lambda v: "撤销终局裁决申请" in v.tracks, "set-aside pending")
    assert "等待中级人民法院裁定" in view.waiting_for
    states = {d.clock_key: d.state for d in registry.deadlines(number)}
    assert states["arb.final.employer_revokes"] == "met" and states["enforce.apply"] == "cancelled"


async def test_joint_application_posted_in_time_reopens_the_route(env: WorkflowEnvironment, workers: str,
                                                                 registry: Registry) -> None:
    number = await agreed(env, workers, days=40)  # performance is due after the 15-day arbitral window
    arbitral = window(await case_state(env.client, number), "confirm.arbitral.apply")
    await env.sleep(arbitral.due - await env.get_current_time() + timedelta(days=1))
    await until(env.client, number, lambda v: any("仲裁审查确认申请期限已过" in f for f in v.facts), "route closed")
    posted = last_day(arbitral.due)
    await refused(env, number, "confirmation_filed", "legal_aid", route="arbitral",
                  mailed_on=(posted + timedelta(days=1)).isoformat())
    receipt = await event(env.client, number, "confirmation_filed", "legal_aid", route="arbitral",
                          mailed_on=posted.isoformat())
    assert "仲裁审查确认" in receipt.message and f"邮寄日期 {posted}" in receipt.message
    await until(env.client, number, lambda v: "confirm.arbitral.review" in running(v), "under review")
    assert {d.clock_key: d.state for d in registry.deadlines(number)}["confirm.arbitral.apply"] == "met"


def test_a_service_date_needs_a_service() -> None:
    for model, fields in ((CourtDecision, {"kind": "judgment", "summary": "判决支付工资", "served": False}),
                          (Award, {"items": FINAL})):
        with pytest.raises(ValidationError) as err:
            model.model_validate({"event_id": "x", "actor": {"unit": "court", "person": "甲"},
                                  "served_on": "2026-03-02", **fields})
        assert explain(err.value, "zh")[0]["message"] == "未送达的文书不填送达日期"
