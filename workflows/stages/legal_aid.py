"""Legal-aid referral and the same-day review [Plan 三(二)]."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.legal_aid import LegalAidDesk
    from domain.events.legal_aid import LawyerAssigned, LegalAidDecision
    from domain.i18n import AGENCY
    from domain.models import LINKED_UNITS, Agency, CaseFlag, Lawyer, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.together import together


class LegalAidReview:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.awaiting_decision = False
        self.decision: LegalAidDecision | None = None
        self.lawyer: Lawyer | None = None
        self.assign_clock: Clock | None = None

    async def review(self, claimants: list[int], referrer: Agency) -> None:
        """Refer the consenting, eligible workers; wait for legal aid's decision; tell the referrer."""
        case = self.case
        names = "、".join(case.intake.claimants[i].name for i in claimants[:5])
        more = f"等{len(claimants)}人" if len(claimants) > 5 else ""
        case.enter(Stage.LEGAL_AID_REVIEW, Agency.LEGAL_AID,
                   ("法律援助机构当日审查转介申请并作出决定", "legal aid to review the referral the same day"))
        self.awaiting_decision = True
        *_, same_day, outer = await together(
            case.record("legal_aid.referred",
                        f"{AGENCY[referrer.value][0]}转介法律援助（劳动者同意、无代理人、符合条件）：{names}{more}"),
            case.hand_over(LegalAidDesk.receive_referral, Agency.LEGAL_AID, "legal_aid.referral",
                           f"法律援助转介审查 {case.number}"),
            case.clocks.start("legal_aid.same_day_review"),
            case.clocks.start("legal_aid.review"),
        )
        await workflow.wait_condition(lambda: self.decision is not None)
        self.awaiting_decision = False
        await together(same_day.complete(), outer.complete())
        decision = self.decision
        assert decision is not None
        if decision.granted:
            case.flag(CaseFlag.LEGAL_AID_GRANTED)
            if decision.lawyer is None:
                self.assign_clock = await case.clocks.start("legal_aid.assign")
        outcome = (f"给予法律援助{'，指派律师 ' + decision.lawyer.name if decision.lawyer else ''}"
                   if decision.granted else f"不予法律援助，理由：{decision.reason}")
        if referrer in LINKED_UNITS and referrer != Agency.LEGAL_AID:
            await case.notify(referrer, "legal_aid.decision", f"法律援助审查结果 {case.number}",
                              f"贵单位转介的案件 {case.number} 已审查：{outcome}。")

    def _deciding(self, _: object) -> Said | None:
        return None if self.awaiting_decision else ("没有待审查的法律援助转介", "no referral awaits review")

    def _assigning(self, _: object) -> Said | None:
        if self.assign_clock is None or not self.assign_clock.is_open:
            return ("没有待指派律师的法律援助", "no granted aid awaits a lawyer")
        return None

    @case_event("legal_aid_decision", LegalAidDecision, actors={Agency.LEGAL_AID},
                title=("作出法律援助审查决定", "decide on legal aid"), when=_deciding)
    async def decide(self, event: LegalAidDecision) -> Said:
        self.decision = event
        self.lawyer = event.lawyer
        if event.granted:
            lawyer = f"，指派律师 {event.lawyer.name}" if event.lawyer else "，待指派律师（3日内）"
            return f"已记录：给予法律援助{lawyer}", "recorded: legal aid granted"
        return f"已记录：不予法律援助（{event.reason}）", "recorded: legal aid refused"

    @case_event("legal_aid_lawyer_assigned", LawyerAssigned, actors={Agency.LEGAL_AID},
                title=("指派法律援助律师", "assign the legal-aid lawyer"), when=_assigning)
    async def assign(self, event: LawyerAssigned) -> Said:
        self.lawyer = event.lawyer
        assert self.assign_clock is not None
        await self.assign_clock.complete()
        return f"已指派律师 {event.lawyer.name}", f"lawyer {event.lawyer.name} assigned"
