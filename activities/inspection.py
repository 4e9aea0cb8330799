"""Labour inspection's steps (inspection queue): its inbox, and the checks that read the rule table
and the district thresholds (the 2-year limit on investigation, the malicious-arrears threshold)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel
from temporalio import activity

from activities.case_file import log
from activities.desk import Desk
from domain.calendar import WorkCalendar
from domain.models import CaseIntake, ClaimType
from domain.records import WorkOrder
from domain.rules import DistrictRules, Rule, Settings, count_forward

if TYPE_CHECKING:
    from registry.store import Registry


class LimitationRequest(BaseModel):
    intake: CaseIntake
    received_on: date
    violation_ended: date | None = None  # given with the complaint; else worked out from the intake


class LimitationAnswer(BaseModel):
    violation_ended: date | None  # None: a continuing violation
    limit: date | None
    barred: bool
    period: str = ""  # the rule's period in words (2年), as the refusal states it
    period_en: str = ""  # the same in English ('' in answers recorded before it was added)


class ArrearsRequest(BaseModel):
    intake: CaseIntake
    unpaid: Decimal


class ArrearsAssessment(BaseModel):
    crosses: bool
    workers: int
    months: int
    unpaid: Decimal
    single: Decimal  # the district's figure for one worker unpaid ≥ 3 months
    group: Decimal  # the district's figure for ≥ 10 workers
    basis: str  # why, in Chinese
    basis_en: str = ""  # and in English ('' in answers recorded before it was added)


def violation_end(intake: CaseIntake) -> date | None:
    """When the violation ended (LSIR Art 20: a continuing violation counts from its end).

    While the employment goes on, the arrears continue. After it ends, the latest claimed period
    ends the violation, or the end of employment where the claims name no period.
    """
    if intake.employment_end is None:
        return None
    ends = [c.period_end for c in intake.claims if c.period_end]
    return max(ends) if ends else intake.employment_end


def limitation(rule: Rule, calendar: WorkCalendar, ended: date | None, received_on: date) -> LimitationAnswer:
    if ended is None:
        return LimitationAnswer(violation_ended=None, limit=None, barred=False, period=rule.period_text(),
                                period_en=rule.period_text("en"))
    limit = count_forward(calendar, rule.unit, ended, rule.length).day
    return LimitationAnswer(violation_ended=ended, limit=limit, barred=received_on > limit, period=rule.period_text(),
                            period_en=rule.period_text("en"))


def months_unpaid(intake: CaseIntake) -> int:
    """Whole months of the longest wage claim's period (06-01…09-30 is 4)."""
    months = 0
    for claim in intake.claims:
        if claim.type == ClaimType.WAGES and claim.period_start and claim.period_end:
            start, after = claim.period_start, claim.period_end + timedelta(days=1)
            span = (after.year - start.year) * 12 + after.month - start.month - (after.day < start.day)
            months = max(months, span)
    return months


def assess(intake: CaseIntake, unpaid: Decimal, district: DistrictRules) -> ArrearsAssessment:
    """拒不支付劳动报酬罪 thresholds (刑法 Art 276-1; 法释〔2013〕3号 Art 3): one worker unpaid ≥ 3 months
    and at least the single figure, or ≥ 10 workers and at least the group figure in total. The order
    to pay having lapsed unpaid is the other condition; the caller checks it."""
    workers, months = len(intake.claimants), months_unpaid(intake)
    per_worker = unpaid / workers
    single = months >= 3 and per_worker >= district.malicious_single
    group = workers >= 10 and unpaid >= district.malicious_group
    if group:
        basis = f"{workers}名劳动者，累计欠薪 {unpaid:.2f} 元，达到 {district.malicious_group:.2f} 元的标准"
        basis_en = (f"{workers} workers, CNY {unpaid:.2f} unpaid in total, at or above the threshold of "
                    f"CNY {district.malicious_group:.2f}")
    elif single:
        basis = f"拖欠{months}个月劳动报酬，人均 {per_worker:.2f} 元，达到 {district.malicious_single:.2f} 元的标准"
        basis_en = (f"{months} months of wages unpaid, CNY {per_worker:.2f} per worker, at or above the threshold of "
                    f"CNY {district.malicious_single:.2f}")
    else:
        basis = (f"{workers}名劳动者、{months}个月、欠薪 {unpaid:.2f} 元，未达到标准"
                 f"（单人3个月以上 {district.malicious_single:.2f} 元；10人以上 {district.malicious_group:.2f} 元）")
        basis_en = (f"{workers} workers, {months} months, CNY {unpaid:.2f} unpaid: below the thresholds (one worker "
                    f"3 months or more: CNY {district.malicious_single:.2f}; 10 workers or more: "
                    f"CNY {district.malicious_group:.2f})")
    return ArrearsAssessment(crosses=single or group, workers=workers, months=months, unpaid=unpaid,
                             single=district.malicious_single, group=district.malicious_group, basis=basis,
                             basis_en=basis_en)


class InspectionDesk(Desk):
    def __init__(self, registry: Registry, settings: Settings) -> None:
        super().__init__(registry)
        self.settings = settings

    @activity.defn(name="inspection_organise_mediation")
    def organise_mediation(self, order: WorkOrder) -> None:
        """Inspection mediates a complaint before any filing."""
        self.take(order)

    @activity.defn(name="inspection_accept_complaint")
    def accept_complaint(self, order: WorkOrder) -> None:
        """A complaint or lead lands in the inbox: accept and open it, or refuse it in writing."""
        self.take(order)

    @activity.defn(name="inspection_check_limitation")
    def check_limitation(self, req: LimitationRequest) -> LimitationAnswer:
        """LSIR Art 20: a violation not found or complained of within 2 years is not investigated."""
        ended = req.violation_ended or violation_end(req.intake)
        answer = limitation(self.settings.rule("inspect.limitation"), self.settings.calendar, ended, req.received_on)
        log().info("inspection limitation checked", barred=answer.barred, continuing=ended is None)
        return answer

    @activity.defn(name="inspection_refuse_in_writing")
    def refuse_in_writing(self, order: WorkOrder) -> None:
        """The written refusal (不予受理告知书) to issue to the complainant."""
        self.take(order)

    @activity.defn(name="inspection_investigate")
    def investigate(self, order: WorkOrder) -> None:
        """Formal filing and investigation (立案调查)."""
        self.take(order)

    @activity.defn(name="inspection_serve_order")
    def serve_order(self, order: WorkOrder) -> None:
        """Serve the order to pay or to correct by a date (责令限期支付/改正指令书)."""
        self.take(order)

    @activity.defn(name="inspection_assess_arrears")
    def assess_arrears(self, req: ArrearsRequest) -> ArrearsAssessment:
        answer = assess(req.intake, req.unpaid, self.settings.district(req.intake.district))
        log().info("malicious arrears assessed", crosses=answer.crosses, workers=answer.workers, months=answer.months)
        return answer

    @activity.defn(name="inspection_serve_summons")
    def serve_summons(self, order: WorkOrder) -> None:
        """Serve the order again in a way that proves receipt (or post and record it if the employer
        has absconded), and report the case to the head for a transfer decision."""
        self.take(order)

    @activity.defn(name="inspection_transfer_to_police")
    def transfer_to_police(self, order: WorkOrder) -> None:
        """Send the file to the police within 24 hours of the head's approval."""
        self.take(order)

    @activity.defn(name="inspection_notify_employer_to_explain")
    def notify_employer_to_explain(self, order: WorkOrder) -> None:
        """Tell the employer or the project lead to explain and produce the records [三(四)]."""
        self.take(order)

    @activity.defn(name="inspection_retrieve_evidence")
    def retrieve_evidence(self, order: WorkOrder) -> None:
        """Retrieve and copy the evidence a requesting unit could not obtain [三(四)]."""
        self.take(order)
