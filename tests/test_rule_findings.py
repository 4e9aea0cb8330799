"""The rule findings of issue 14, each at its boundary, on a time-skipping server of this module's own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.calendar import SHANGHAI, last_day
from domain.eligibility import limitation
from domain.models import Agency, CaseIntake
from domain.rules import Settings, compute_due, extended_due, load_settings
from registry.store import Registry
from starters.cases import EventRefused, case_state
from tests import factories
from tests.conftest import running_workers, terminate_open_cases, time_skipping_server
from tests.helpers import award, event, filed, one_time_notice, server_today, start, until

pytestmark = pytest.mark.clock  # rerun at shifted start dates by tests/run.sh



@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_server() as env:
        yield env



# ---- 1. CPL Art 250: enforcement counted from the last day of performance / the day of effect -----


def test_enforcement_counts_from_the_last_day_of_performance(settings: Settings) -> None:
    rule = settings.rule("enforce.apply")
    # started once the performance date 2026-06-15 has passed (its clock lapses at 24:00 = 06-16 00:00)
    late_start = datetime(2026, 6, 16, 0, 0, tzinfo=SHANGHAI)
    assert last_day(compute_due(rule, late_start, settings).due) == date(2028, 6, 16)  # one day late
    assert last_day(compute_due(rule, late_start, settings, on_date=date(2026, 6, 15)).due) == date(2028, 6, 15)


async def test_final_award_enforcement_runs_from_the_day_it_was_made(
        env: WorkflowEnvironment, workers: str, registry: Registry, settings: Settings) -> None:
    number = await filed(env, workers)
    await one_time_notice(env, number)
    await award(env, number, items=[{"type": "wages", "amount": "5000.00"}], served_to=["worker", "employer"])
    made_on = await server_today(env)
    await env.sleep(timedelta(days=40))  # both windows to challenge a final award close (15 and 30 days)
    view = await until(env.client, number, lambda v: any(d.rule_id == "enforce.apply" for d in v.deadlines),
                       "enforceable")
    enforce = next(d for d in view.deadlines if d.rule_id == "enforce.apply")
    assert last_day(enforce.due) == settings.calendar.add_months(made_on, 24).day


# ---- 2. LDMA Art 27: the limitation's last day rolls past rest days ------------------------------


def test_limitation_ending_on_a_sunday_runs_to_monday(settings: Settings) -> None:
    data = factories.intake(employment_start="2025-01-01", employment_end="2025-11-29",
                            learned_of_infringement="2025-11-29",
                            claims=[{"type": "wages", "amount": "3000.00", "period_start": "2025-09-01",
                                     "period_end": "2025-11-29"}])
    intake = CaseIntake.from_input(data, date(2026, 11, 30))
    monday = limitation(intake, date(2026, 11, 30), settings)  # 2026-11-29 is a Sunday
    assert monday.expires == date(2026, 11, 30) and not monday.expired and monday.urgent
    assert limitation(intake, date(2026, 12, 1), settings).expired


# ---- 3. LDMA Arts 5, 14: mediation is voluntary; an application during it is taken -------------


async def test_application_during_mediation_ends_it_and_tells_the_organiser(
        env: WorkflowEnvironment, workers: str, registry: Registry) -> None:
    number = await start(env.client, workers, consent=False)
    await until(env.client, number, lambda v: v.stage == "mediation" and v.deadlines, "mediating")
    receipt = await event(env.client, number, "arbitration_application", "legal_aid")  # day 0 of 15
    assert "当天立案" in receipt.message
    view = await until(env.client, number, lambda v: v.stage == "arbitration", "arbitration")
    assert any("调解系自愿" in f for f in view.facts)
    assert {d.clock_key: d.state for d in registry.deadlines(number)}["mediation.window"] == "cancelled"
    told = [n for n in registry.notifications(number) if n.kind == "mediation.worker_applied"]
    assert [n.unit for n in told] == ["union"] and "已申请劳动争议仲裁" in told[0].body


# ---- 4. LDMA Art 43: the award period is extended by up to 15 days ------------------------------


def test_extension_of_up_to_the_rules_length(settings: Settings) -> None:
    rule = settings.rule("arb.award")
    filed_at = datetime(2026, 9, 1, 10, 0, tzinfo=SHANGHAI)
    assert last_day(extended_due(rule, filed_at, settings, by=10).due) == settings.calendar.add_days(
        filed_at.date(), 45 + 10).day
    assert extended_due(rule, filed_at, settings).due == extended_due(rule, filed_at, settings, by=15).due
    with pytest.raises(ValueError):
        extended_due(rule, filed_at, settings, by=16)


async def test_award_extended_by_fewer_days(env: WorkflowEnvironment, workers: str, settings: Settings) -> None:
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await until(env.client, number, lambda v: v.stage == "arbitration" and "当天立案" in v.waiting_for, "to file")
    await event(env.client, number, "arbitration_filed", "arbitration")
    view = await case_state(env.client, number)
    first = next(d for d in view.deadlines if d.key == "arb.award")
    with pytest.raises(EventRefused) as too_long:
        await event(env.client, number, "arbitration_award_extended", "arbitration", approver="示例主任",
                    reason="案情复杂", length=16)
    assert "1至15" in too_long.value.zh
    await event(env.client, number, "arbitration_award_extended", "arbitration", approver="示例主任",
                reason="案情复杂", length=5)
    after = next(d for d in (await case_state(env.client, number)).deadlines if d.key == "arb.award")
    started = first.started_at.astimezone(SHANGHAI).date()
    assert after.extended and last_day(after.due) == settings.calendar.add_days(started, 45 + 5).day


# ---- 5. CPL Art 86: only the body before which a party's window runs grants 顺延 ------------------


def test_every_party_window_names_a_granting_unit(settings: Settings) -> None:
    windows = [r for r in settings.rules.values() if r.responsible == "party" and r.kind == "clock"
               and r.id not in ("meeting.action", "major.notify")]
    assert windows and all(r.granted_by in {a.value for a in Agency} for r in windows)


async def test_party_window_paused_only_by_the_commission(env: WorkflowEnvironment, workers: str) -> None:
    number = await start(env.client, workers, channel="arbitration", consent=False)
    await until(env.client, number, lambda v: v.stage == "arbitration" and "当天立案" in v.waiting_for, "to file")
    await event(env.client, number, "arbitration_filed", "arbitration")
    await event(env.client, number, "arbitration_copy_served", "arbitration")  # the employer's defence window
    for unit in ("legal_aid", "court"):
        with pytest.raises(EventRefused) as refused:
            await event(env.client, number, "clock_pause", unit, clock="arb.defence", reason="当事人申请顺延")
        assert "只能由" in refused.value.zh and "CPL Art 86" in refused.value.zh
    receipt = await event(env.client, number, "clock_pause", "arbitration", clock="arb.defence", reason="不可抗力")
    assert "中止计时" in receipt.message


# ---- 6. LAL Art 43: an incomplete legal-aid file pauses the review --------------------------------


async def test_missing_documents_pause_the_legal_aid_review(env: WorkflowEnvironment, workers: str,
                                                            registry: Registry) -> None:
    number = await start(env.client, workers, channel="arbitration")  # consents: referred to legal aid
    await until(env.client, number, lambda v: v.stage == "legal_aid_review"
                and {"legal_aid.review", "legal_aid.same_day_review"} <= {d.key for d in v.deadlines}, "in review")
    receipt = await event(env.client, number, "legal_aid_documents_requested", "legal_aid",
                          items=["身份证复印件", "劳动合同或工资条"])
    assert "审查期限中止" in receipt.message
    states = {d.key: d.state for d in (await case_state(env.client, number)).deadlines}
    assert states["legal_aid.review"] == "paused" and states["legal_aid.same_day_review"] == "paused"
    with pytest.raises(EventRefused) as again:
        await event(env.client, number, "legal_aid_documents_requested", "legal_aid", items=["银行流水"])
    assert "一次性" in again.value.zh
    await env.sleep(timedelta(days=10))  # longer than the 7-day review period: paused, it does not lapse
    view = await case_state(env.client, number)
    review = next(d for d in view.deadlines if d.key == "legal_aid.review")
    assert review.state == "paused" and any("已一次性告知补正" in f for f in view.facts)
    receipt = await event(env.client, number, "legal_aid_documents_supplied", "legal_aid")
    assert "恢复计算" in receipt.message
    resumed = next(d for d in (await case_state(env.client, number)).deadlines if d.key == "legal_aid.review")
    assert resumed.state == "running" and resumed.due > await env.get_current_time()
    kinds = [e.kind for e in registry.events(number)]
    assert kinds.count("clock.paused") == 2 and kinds.count("clock.resumed") == 2


# ---- 7. messages read the period from the rule table (an operator's override shows) ---------------


def test_period_text_reads_the_rule(settings: Settings) -> None:
    assert settings.rule("mediation.window").period_text() == "15日"
    assert settings.rule("inspect.investigate").period_text() == "60个工作日"
    assert settings.rule("inspect.investigate").extension_text() == "30个工作日"
    assert settings.rule("police.transfer.send").period_text("en") == "24 hours"
    assert settings.rule("legal_aid.same_day_review").period_text() == "当日"


async def test_an_overridden_window_shows_in_the_log(env: WorkflowEnvironment, registry: Registry,
                                                     tmp_path: Path) -> None:
    config = tmp_path / "weiquan.toml"
    config.write_text('[rules."mediation.window"]\nlength = 5\n', encoding="utf-8")
    five = load_settings(config)
    async with running_workers(env.client, registry, five) as prefix:
        number = await start(env.client, prefix, consent=False)
        view = await until(env.client, number, lambda v: v.stage == "mediation" and v.deadlines, "mediating")
        window = next(d for d in view.deadlines if d.key == "mediation.window")
        await env.sleep(window.due - await env.get_current_time() + timedelta(hours=1))
        await until(env.client, number, lambda v: "may_apply_arbitration" in v.flags, "window lapsed")
        lapsed = [e.detail for e in registry.events(number) if e.kind == "mediation.window_lapsed"]
        assert lapsed == ["调解5日期限届满未达成协议：劳动者可以申请仲裁"]
        await terminate_open_cases(env.client, registry)


# ---- 8. LDMA Art 35 / 办案规则 Art 80: the hearing notice's 5 days, calendar by default ------------


def test_hearing_notice_days_are_configurable(settings: Settings, tmp_path: Path) -> None:
    hearing = date(2026, 12, 14)  # a Monday
    at = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    rule = settings.rule("arb.hearing_notice")
    assert last_day(compute_due(rule, at, settings, on_date=hearing).due) == date(2026, 12, 9)
    config = tmp_path / "weiquan.toml"
    config.write_text('[rules."arb.hearing_notice"]\nunit = "working_days_before"\n', encoding="utf-8")
    working = load_settings(config)
    due = compute_due(working.rule("arb.hearing_notice"), at, working, on_date=hearing)
    assert last_day(due.due) == date(2026, 12, 7) and not due.provisional  # 12-07..12-11 lie between
    assert working.rule("arb.hearing_notice").period_text() == "5个工作日"
