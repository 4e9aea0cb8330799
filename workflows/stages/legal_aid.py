"""Legal-aid referral and the same-day review [Plan 三(二)].

An incomplete file gets one notice listing everything to supplement (LAL Art 43,
``legal_aid_documents_requested``): the review clocks pause until the documents are in
(``legal_aid_documents_supplied``). Not supplied in time the application is deemed withdrawn —
recorded by legal aid's decision (a refusal naming it), since the law sets no fixed period for it."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.legal_aid import LegalAidDesk
    from domain.events.legal_aid import DocumentsRequested, DocumentsSupplied, LawyerAssigned, LegalAidDecision
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
        self.review_clocks: list[Clock] = []
        self.documents: str | None = None  # None → requested (paused) → supplied; asked once only

    async def review(self, claimants: list[int], referrer: Agency) -> None:
        """Refer the consenting, eligible workers; wait for legal aid's decision; tell the referrer."""
        case = self.case
        names = "、".join(case.intake.claimants[i].name for i in claimants[:5])
        more = f"等{len(claimants)}人" if len(claimants) > 5 else ""
        more_en = f" ({len(claimants)} workers)" if len(claimants) > 5 else ""
        case.enter(Stage.LEGAL_AID_REVIEW, Agency.LEGAL_AID,
                   ("法律援助机构当日审查转介申请并作出决定", "legal aid to review the referral the same day"))
        self.awaiting_decision = True
        *_, same_day, outer = await together(
            case.record("legal_aid.referred",
                        f"{AGENCY[referrer.value][0]}转介法律援助（劳动者同意、无代理人、符合条件）：{names}{more}",
                        f"{AGENCY[referrer.value][1]} referred to legal aid (consenting, unrepresented, eligible): "
                        f"{', '.join(case.intake.claimants[i].name for i in claimants[:5])}{more_en}"),
            case.hand_over(LegalAidDesk.receive_referral, Agency.LEGAL_AID, "legal_aid.referral",
                           f"法律援助转介审查 {case.number}"),
            case.clocks.start("legal_aid.same_day_review"),
            case.clocks.start("legal_aid.review"),
        )
        self.review_clocks = [same_day, outer]
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

    def _may_request(self, _: object) -> Said | None:
        if why := self._deciding(None):
            return why
        if not self.review_clocks:
            return "审查期限尚在设立，请稍后再试", "the review clocks are being set up; try again"
        if self.documents is not None:
            return ("补正材料只能一次性告知，已告知过（LAL Art 43）",
                    "missing documents are listed once only, and already were (LAL Art 43)")
        return None

    def _requested(self, _: object) -> Said | None:
        if self.documents != "requested" or not self.awaiting_decision:
            return "没有待补正的材料", "no documents are awaited"
        return None

    @case_event("legal_aid_documents_requested", DocumentsRequested, actors={Agency.LEGAL_AID},
                title=("一次性告知补正材料", "list the documents to supplement (once)"), when=_may_request)
    async def request_documents(self, event: DocumentsRequested) -> Said:
        self.documents = "requested"
        items = "；".join(event.items)
        reason = f"材料不全，一次性告知补正：{items}（LAL Art 43）"
        await together(*(clock.pause(reason, actor=event.actor) for clock in self.review_clocks))
        self.case.fact(f"法律援助申请材料不全，已一次性告知补正：{items}；补正期间审查期限中止",
                       f"legal aid listed the documents to supplement, once: {items}; the review period pauses "
                       "meanwhile")
        self.case.wait_for(("等待申请人补正材料（审查期限中止）", "the applicant to supplement documents (paused)"))
        return f"已一次性告知补正材料，审查期限中止：{items}", "documents requested; the review period pauses"

    @case_event("legal_aid_documents_supplied", DocumentsSupplied, actors={Agency.LEGAL_AID},
                title=("记录材料已补正", "record the documents supplied"), when=_requested)
    async def documents_supplied(self, event: DocumentsSupplied) -> Said:
        self.documents = "supplied"
        reason = f"材料已补正{'：' + event.note if event.note else ''}"
        await together(*(clock.resume(reason, actor=event.actor) for clock in self.review_clocks))
        outer = self.review_clocks[-1]
        self.case.fact(f"法律援助申请材料已补正，审查期限恢复计算，截止 {outer.due_text}",
                       f"legal aid documents supplied: the review period resumes, due {outer.due_text_en}")
        self.case.wait_for(("法律援助机构审查转介申请并作出决定", "legal aid to decide on the referral"))
        return f"材料已补正，审查期限恢复计算，截止 {outer.due_text}", "documents supplied; the review period resumes"

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
            lawyer = f"，指派律师 {event.lawyer.name}" if event.lawyer else "，待指派律师（期限见 legal_aid.assign）"
            return f"已记录：给予法律援助{lawyer}", "recorded: legal aid granted"
        return f"已记录：不予法律援助（{event.reason}）", "recorded: legal aid refused"

    @case_event("legal_aid_lawyer_assigned", LawyerAssigned, actors={Agency.LEGAL_AID},
                title=("指派法律援助律师", "assign the legal-aid lawyer"), when=_assigning)
    async def assign(self, event: LawyerAssigned) -> Said:
        self.lawyer = event.lawyer
        assert self.assign_clock is not None
        await self.assign_clock.complete()
        return f"已指派律师 {event.lawyer.name}", f"lawyer {event.lawyer.name} assigned"
