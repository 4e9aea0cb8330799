"""One labor dispute, from first contact to closure: the single address for every event about it.

The workflow id is the case number. Each stage is its own module; this file composes them in the
order the plan lays down.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_file import AssessRequest, CaseFile
    from domain.calendar import SHANGHAI
    from domain.events.mediation import MediationAgreement
    from domain.i18n import AGENCY, FLAG
    from domain.identity import is_case_number
    from domain.models import Agency, CaseIntake, CaseOutcome, CaseView, Stage
    from domain.records import CaseOpening
    from domain.visibility import CASE_WORKFLOW

from workflows.events import EventDesk, EventSpec, TakesEvents, specs_of
from workflows.runtime import CaseRuntime, require_id
from workflows.stages.arbitration import Arbitration
from workflows.stages.award import AwardWindows
from workflows.stages.clocks import ClockDesk
from workflows.stages.confirmation import Confirmation
from workflows.stages.coordination import Coordination
from workflows.stages.handoff import StageEnd
from workflows.stages.inspection import INSPECTION_STAGES, Inspection
from workflows.stages.legal_aid import LegalAidReview
from workflows.stages.litigation import Litigation
from workflows.stages.mediation import Mediation
from workflows.stages.payment_order import PaymentOrder
from workflows.stages.performance import Performance
from workflows.together import together
from workflows.tracks import settle

# Every stage class that declares events, with the stage whose events they are (None: events a
# case takes at any stage); the CLI and the integration docs read this catalogue.
STAGES: tuple[tuple[type, Stage | None], ...] = (
    (LegalAidReview, Stage.LEGAL_AID_REVIEW), (Mediation, Stage.MEDIATION),
    *((cls, Stage.INSPECTION) for cls in INSPECTION_STAGES), (ClockDesk, None),
    (Arbitration, Stage.ARBITRATION), (AwardWindows, Stage.ARBITRATION), (Coordination, None), (Performance, None),
    (Confirmation, Stage.CONFIRMATION), (PaymentOrder, Stage.CONFIRMATION), (Litigation, Stage.LITIGATION),
)


def event_catalog() -> dict[str, EventSpec]:
    return {spec.name: spec for cls, _ in STAGES for spec in specs_of(cls)}


def event_stages() -> dict[str, Stage | None]:
    """Each event's stage (None: any)."""
    return {spec.name: stage for cls, stage in STAGES for spec in specs_of(cls)}


@workflow.defn(name=CASE_WORKFLOW)
class CaseWorkflow(TakesEvents):
    @workflow.init
    def __init__(self, intake: CaseIntake) -> None:
        self.case = CaseRuntime(intake)
        self.legal_aid = LegalAidReview(self.case)
        self.mediation = Mediation(self.case)
        self.arbitration = Arbitration(self.case)
        self.inspection = Inspection(self.case, self.mediation)  # a parallel track, with evidence help
        self.coordination = Coordination(self.case)  # watches for major flags from the start
        self.performance = Performance(self.case)  # what the employer owes under an agreement, order, judgment
        self.confirmation = Confirmation(self.case, self.performance)
        self.payment_order = PaymentOrder(self.case, self.performance)
        self.litigation = Litigation(self.case, self.performance)
        self.events = EventDesk(self.case, [self.legal_aid, self.mediation, *self.inspection.desks,
                                            ClockDesk(self.case), self.arbitration, self.arbitration.windows,
                                            self.coordination, self.performance, self.confirmation,
                                            self.payment_order, self.litigation])

    @workflow.run
    async def run(self, intake: CaseIntake) -> CaseOutcome:
        require_id(is_case_number, "案件编号")
        return await self.events.beside(self.dispute(intake))  # the desk takes events beside the flow

    async def dispute(self, intake: CaseIntake) -> CaseOutcome:
        """The case's main flow, from intake to closure."""
        referrals = await self.open_case()
        self.inspection.receive_at_intake()
        asyncio.create_task(self.take_inspection_hand_over())  # noqa: RUF006 - ends with the case
        direct = intake.channel == Agency.ARBITRATION
        if direct:  # applied at the commission: filed without mediation, clocks run from intake
            await self.arbitration.apply_from(intake.channel)
        if referrals:
            await self.legal_aid.review(referrals, referrer=intake.channel)
        if not direct:
            mediation = await self.mediation.run(until=lambda: self.arbitration.applied)
            if mediation.kind == "agreement":
                assert mediation.agreement is not None
                step = await self.after_agreement(mediation.agreement)
                if step.next != "arbitration":
                    return await self.close(step.outcome, step.outcome_en)
                why = (step.outcome, step.outcome_en)
            else:
                refused = mediation.kind == "refused"
                zh = "用人单位拒绝协商" if refused else f"调解不成（{mediation.reason}）"
                en = "the employer refused to negotiate" if refused else f"mediation failed ({mediation.reason})"
                why = (f"{zh}：劳动者可以申请仲裁（LDMA Art 14）", f"{en}: the worker may apply for arbitration (LDMA Art 14)")
            if not await self.arbitration.await_application(why):
                assert self.arbitration.result is not None
                return await self.close(self.arbitration.result.outcome, self.arbitration.result.outcome_en)
        result = await self.arbitration.run()
        if result.litigation:
            assert result.plaintiff is not None
            lawsuit = await self.litigation.run(origin="arbitration", plaintiff=result.plaintiff)
            return await self.close(lawsuit.outcome, lawsuit.outcome_en)
        return await self.close(result.outcome, result.outcome_en)

    async def after_agreement(self, agreement: MediationAgreement) -> StageEnd:
        """Confirmation or performance of the agreement; unperformed: a payment order (an objection:
        a lawsuit) or arbitration (returned as ``next``, the case then waits for the application)."""
        step = await self.confirmation.run(agreement)
        if step.next == "payment_order":
            step = await self.payment_order.run(step.owed)
        if step.next == "litigation":
            step = await self.litigation.run(origin="payment_order", plaintiff="worker")
        if step.next == "arbitration":
            self.performance.stop()
        return step

    async def take_inspection_hand_over(self) -> None:
        """Inspection handing a matter to arbitration is the worker's application (Plan 三(二), 三(五));
        the intake's legal-aid referral check has already run for the same workers."""
        await workflow.wait_condition(lambda: self.inspection.handed_over is not None or self.arbitration.applied
                                      or self.case.closed_at is not None)
        hand_over = self.inspection.handed_over
        if hand_over is not None and hand_over.to == "arbitration" and self.case.closed_at is None:
            await self.arbitration.apply_from(Agency.INSPECTION)

    async def open_case(self) -> list[int]:
        """Intake: register the case, check the limitation period, set the flags."""
        case = self.case
        case.publish()  # the case is started without search attributes: the Web UI lists it from here on
        today = workflow.now().astimezone(SHANGHAI).date()
        assessment = await workflow.execute_activity_method(
            CaseFile.assess_intake, AssessRequest(intake=case.intake, on=today), **case.activity_options,
            summary="受理审查：时效、标记、法律援助条件",
        )
        for flag in assessment.flags:
            case.flag(flag)
        limit = assessment.limitation
        if limit.expires is None:
            case.fact("在职期间拖欠劳动报酬，仲裁时效自劳动关系终止之日起计算（LDMA Art 27）",
                      "wages owed during employment: the limitation period runs from the end of the employment "
                      "(LDMA Art 27)")
        elif limit.expired:
            case.fact(f"提示：仲裁时效可能已于 {limit.expires} 届满，请核实是否中断（LDMA Art 27）",
                      f"note: the limitation period may have expired on {limit.expires}; check whether it was "
                      "interrupted (LDMA Art 27)")
        else:
            case.fact(f"仲裁时效至 {limit.expires}（LDMA Art 27）",
                      f"limitation period until {limit.expires} (LDMA Art 27)")
        await workflow.execute_activity_method(
            CaseFile.register_case,
            CaseOpening(case_number=case.number, intake=case.intake, opened_at=case.opened_at,
                        snapshot=case.snapshot()),
            **case.activity_options, summary="登记案件",
        )
        channel = AGENCY[case.intake.channel.value][0]
        opened = f"{channel}受理案件；{case.facts[-1]}"
        flags = "、".join(FLAG[f.value][0] for f in assessment.flags) or "无"
        assessed = f"受理审查：标记 {flags}；转介法律援助 {len(assessment.referrals)} 人；{case.facts[-1]}"
        opened_en = f"{AGENCY[case.intake.channel.value][1]} opened the case; {case.facts_en[-1]}"
        flags_en = ", ".join(FLAG[f.value][1] for f in assessment.flags) or "none"
        assessed_en = (f"intake review: flags {flags_en}; {len(assessment.referrals)} referred to legal aid; "
                       f"{case.facts_en[-1]}")
        await together(case.record("case.opened", opened, opened_en),
                       case.record("case.assessed", assessed, assessed_en))
        return assessment.referrals

    async def close(self, outcome: str, outcome_en: str) -> CaseOutcome:
        case = self.case
        # Closure answers open evidence requests (withdrawn, reported back) and waits for running
        # tracks, saying so in the current details: an inspection is never cut off.
        self.inspection.wind_up("案件主程序已结束，请求视为撤回")
        await settle(case, self.inspection.tracks)
        await case.clocks.close_all("结案", "case closed")
        case.outcome, case.outcome_en = outcome, outcome_en
        case.closed_at = workflow.now()
        case.enter(Stage.CLOSED, None, ("已结案", "closed"))
        await case.written()  # the events' log entries come before the closing one
        await case.record("case.closed", f"结案：{outcome}", f"case closed: {outcome_en}")
        await workflow.wait_condition(self.events.idle)
        await case.written()
        clocks = case.clocks.clocks.values()
        return CaseOutcome(
            case_number=case.number, outcome=outcome, amount_recovered=case.amount_recovered,
            days=(case.closed_at - case.opened_at) // timedelta(days=1),
            agencies=sorted({c.responsible for c in clocks if c.responsible}),
            deadlines_met=sum(c.state == "met" for c in clocks),
            deadlines_missed=sum(c.state in ("lapsed", "met_late") for c in clocks),
        )

    # ---- the events a case accepts (see docs/integration.md) -----------------------------------

    @workflow.query
    def state(self) -> CaseView:
        case = self.case
        return CaseView(
            case_number=case.number, stage=case.stage, agency=case.agency, waiting_for=case.waiting[0],
            waiting_for_en=case.waiting[1], flags=list(case.flags), tracks=dict(case.tracks),
            tracks_en=dict(case.tracks_en),
            facts=list(case.facts), facts_en=list(case.facts_en),
            deadlines=[c.view() for c in case.clocks.clocks.values()],
            outcome=case.outcome, outcome_en=case.outcome_en, amount_claimed=case.intake.amount_claimed,
            amount_recovered=case.amount_recovered, opened_at=case.opened_at, closed_at=case.closed_at,
        )
