"""Facts no clerk would accept are refused with the reason: a payment dated in the future, an
award before the hearing, an agreement or award above the claim without saying why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from registry.store import Registry
from starters.cases import EventRefused
from tests.agreements import agreed, server_today
from tests.helpers import at_stage, award, event, filed, one_time_notice, settle, start

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh


async def refused(coro: object) -> EventRefused:
    with pytest.raises(EventRefused) as err:
        await coro  # type: ignore[misc]
    return err.value


async def test_a_payment_dated_tomorrow_is_refused(env: WorkflowEnvironment, workers: str) -> None:
    number = await agreed(env, workers, days=5)
    tomorrow = await server_today(env) + timedelta(days=1)
    why = await refused(event(env.client, number, "payment_received", "union", amount="1000.00",
                              paid_on=tomorrow.isoformat()))
    assert why.code == "not_now" and "付款日期" in why.zh and "晚于今天" in why.zh
    receipt = await event(env.client, number, "payment_received", "union", amount="1000.00",
                          paid_on=(await server_today(env)).isoformat())
    assert receipt.event == "payment_received"


async def test_an_agreement_above_the_claim_needs_its_reason(env: WorkflowEnvironment, workers: str,
                                                             registry: Registry) -> None:
    number = await start(env.client, workers, consent=False, amount="18000.00")
    await at_stage(env.client, number, "mediation")
    due = (await server_today(env) + timedelta(days=10)).isoformat()
    terms = {"terms": "一次性支付工资及补偿", "amount": "53600.00", "performance_date": due}
    why = await refused(event(env.client, number, "mediation_agreement", "union", **terms))
    assert why.code == "not_now" and "高于本案请求 ¥18,000.00" in why.zh and "above_claim_reason" in why.zh
    await event(env.client, number, "mediation_agreement", "union", **terms,
                above_claim_reason="调解中增加经济补偿请求")
    await at_stage(env.client, number, "confirmation")
    await settle(env.client, number)  # the registry's writes done
    row = registry.case(number)  # the report's recovery base, and the waiting text in both languages
    assert row is not None and row.amount_above_claim == Decimal("53600.00")
    assert row.waiting_for and row.waiting_for_en and row.waiting_for_en != row.waiting_for


async def test_no_award_before_the_hearing(env: WorkflowEnvironment, workers: str) -> None:
    number = await filed(env, workers)
    await one_time_notice(env, number, days_ahead=12)
    early = await refused(event(env.client, number, "arbitration_award", "arbitration",
                                items=[{"type": "wages", "amount": "1000.00"}], served_to=["worker"]))
    assert early.code == "not_now" and "不能先于开庭作出裁决" in early.zh
    receipt = await award(env, number, items=[{"type": "wages", "amount": "1000.00"}], served_to=["worker"])
    assert "裁决已作出" in receipt.message


async def test_an_award_above_the_claim_needs_its_reason(env: WorkflowEnvironment, workers: str) -> None:
    number = await filed(env, workers, amount="18000.00")
    await one_time_notice(env, number, days_ahead=12)
    items = [{"type": "wages", "amount": "24000.00"}]
    why = await refused(award(env, number, items=items, served_to=["worker"]))
    assert why.code == "not_now" and "¥24,000.00 高于本案请求 ¥18,000.00" in why.zh and "above_claim_reason" in why.zh
    receipt = await award(env, number, items=items, served_to=["worker"], above_claim_reason="仲裁中增加拖欠月份的工资请求")
    assert "裁决已作出" in receipt.message
