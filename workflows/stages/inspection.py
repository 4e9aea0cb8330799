"""Labour inspection as a parallel track [Plan 三(二), 三(四), 三(五); LSIR].

A complaint (taken at intake with channel "inspection", or later by event), a lead from legal aid or
the union, or a proactive inspection opens the track. A complaint or lead is accepted and opened
within 5 working days (inspect.accept) or refused in writing: violation over 2 years old (checked in
an activity, inspect.limitation), wrong office, or incomplete (one notice listing everything to
supplement). Once opened, the investigation has 60 working days (+30 once, approved: the
``clock_extend`` event). For a complaint inspection first presses for negotiation; when the employer
refuses or negotiation fails — by inspection's own event, or the main flow's mediation ending so —
formal investigation follows. Outcomes: order to pay or to correct by a date, penalty, closed after
correction, or hand-over to arbitration or a lawsuit (``handed_over``, with the legal-aid referral
check). An order to pay that lapses unpaid above the district's threshold opens the malicious-arrears
transfer (stages/arrears.py). Units that sent a lead hear the acceptance and the result.

The track never blocks the main flow, nor the main flow the track; closure waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inspection import ArrearsRequest, InspectionDesk, LimitationRequest
    from domain.calendar import SHANGHAI
    from domain.eligibility import needs_referral
    from domain.events.inspection import (
        DECISIONS,
        ComplaintAccepted,
        ComplaintRefused,
        InspectionComplaint,
        InspectionDecision,
        InspectionLead,
        NegotiationResult,
        WagesPaid,
    )
    from domain.i18n import AGENCY
    from domain.models import Agency, CaseFlag

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime, agency_queue
from workflows.stages.arrears import ArrearsTransfer
from workflows.stages.evidence import EvidenceHelp
from workflows.stages.mediation import Mediation
from workflows.tracks import Track

SOURCES = {"complaint": "投诉", "proactive": "主动监察", "lead": "移送线索"}
SOURCES_EN = {"complaint": "a complaint", "proactive": "its own inspection", "lead": "a referred lead"}
ORDERS = ("order_to_pay", "order_to_correct")
PAYABLE = ("negotiating", "investigating", "order", "assessing", "order_lapsed", "transfer")
CLOSING: Said = ("案件主程序已结束，正在结案", "the case is closing")


@dataclass
class Opening:
    source: str  # complaint | proactive | lead
    matters: str
    violation_ended: date | None


@dataclass
class HandOver:
    """Inspection hands the matter on. The arbitration stage (or the court route) picks this up and
    refers ``referrals`` to legal aid first."""

    to: str  # arbitration | lawsuit
    reason: str
    referrals: list[int]  # claimants (by position): eligible, consenting, no agent (Plan 三(二))
    at: datetime


class Inspection:
    def __init__(self, case: CaseRuntime, mediation: Mediation | None = None) -> None:
        self.case = case
        self.mediation = mediation  # its failure or refusal is the failed negotiation of a complaint
        self.track = Track(case, "inspection")
        self.evidence = EvidenceHelp(case)
        self.transfer = ArrearsTransfer(case, self.track, self._paid_up)
        self.desks = [self, self.evidence, self.transfer]  # event handlers, for the case's EventDesk
        self.tracks = [self.track, self.evidence.track]
        self.closing = False
        self.handed_over: HandOver | None = None
        self._reset()

    def _reset(self) -> None:
        # receiving | accepting | negotiating | investigating | order | assessing | transfer | order_lapsed
        self.phase: str | None = None
        self.opening: Opening | None = None
        self.referrers: list[Agency] = []  # units that sent the complaint or lead: they hear back
        self.answer: ComplaintAccepted | ComplaintRefused | None = None
        self.negotiation: NegotiationResult | None = None
        self.decision: InspectionDecision | None = None
        self.investigation: Clock | None = None
        self.ordered: Decimal | None = None  # the running order to pay
        self.paid = Decimal(0)  # paid since it was made
        self.order_lapsed = False

    # ---- the case calls these ------------------------------------------------------------------

    def receive_at_intake(self) -> None:
        """A complaint taken by inspection at intake opens the track beside the main flow."""
        intake = self.case.intake
        if intake.channel == Agency.INSPECTION:
            self._open(Opening("complaint", intake.summary or "劳动者投诉", None), referrer=None)

    def wind_up(self, note: str) -> None:
        """Closure: no new complaints, leads or evidence requests; open evidence requests are
        answered as withdrawn. A running inspection goes on: the case waits for it (tracks.settle)."""
        self.closing = True
        self.evidence.wind_up(note)

    # ---- the track -----------------------------------------------------------------------------

    def _open(self, opening: Opening, referrer: Agency | None) -> None:
        self._reset()
        self.opening, self.phase = opening, "receiving"
        self.referrers = [referrer] if referrer else []
        self.track.spawn(self._run(opening), f"{SOURCES[opening.source]}已收到", f"{SOURCES_EN[opening.source]} received")

    async def _run(self, opening: Opening) -> None:
        result, result_en = await self._handle(opening)
        self.phase = None
        self.case.fact(f"劳动保障监察办结：{result}", f"labour inspection closed its matter: {result_en}")
        await self.case.record("inspection.closed", self.case.facts[-1], self.case.facts_en[-1])
        await self._report_back((f"办理结果：{result}", f"result: {result_en}"))

    async def _handle(self, opening: Opening) -> Said:
        case = self.case
        if opening.source != "proactive":
            refusal = await self._acceptance(opening)
            if refusal:
                return refusal
        self.investigation = await case.clocks.start("inspect.investigate", responsible=Agency.INSPECTION)
        case.fact(f"劳动保障监察已立案（{SOURCES[opening.source]}：{opening.matters}），"
                  f"调查期限至 {case.local_time(self.investigation.due)}",
                  f"labour inspection opened an investigation ({SOURCES_EN[opening.source]}: {opening.matters}), "
                  f"due {self.investigation.due_text_en}")
        if opening.source == "complaint":
            settled = await self._negotiation()
            if settled:
                await self.investigation.complete()
                return settled
        self.phase = "investigating"
        inv = self.investigation
        more = f"（经批准可延长{inv.extension_period}）" if inv.extension_period else ""
        more_en = f" (extendable by {inv.extension_period_en} once approved)" if inv.extension_period else ""
        self.track.show(f"正式立案调查：{inv.period}内调查终结{more}",
                        f"formal investigation: to conclude within {inv.period_en}{more_en}")
        await case.hand_over(InspectionDesk.investigate, Agency.INSPECTION, "inspection.investigation",
                             f"立案调查 {case.number}")
        return await self._decide()

    async def _acceptance(self, opening: Opening) -> Said | None:
        """Accept and open within 5 working days, or refuse in writing; None once accepted."""
        case = self.case
        today = workflow.now().astimezone(SHANGHAI).date()
        check = await workflow.execute_activity_method(
            InspectionDesk.check_limitation,
            LimitationRequest(intake=case.intake, received_on=today, violation_ended=opening.violation_ended),
            task_queue=agency_queue(Agency.INSPECTION), **case.activity_options, summary="查处时效审查（LSIR Art 20）",
        )
        if check.barred:
            why = (f"违法行为终了于 {check.violation_ended}，至 {check.limit} 已满{check.period}未被发现或投诉，"
                   "依法不再查处（LSIR Art 20）")
            why_en = (f"the violation ended on {check.violation_ended} and was neither found nor complained of "
                      f"within {check.period_en or check.period} (by {check.limit}): it is no longer pursued "
                      "(LSIR Art 20)")
            await case.hand_over(InspectionDesk.refuse_in_writing, Agency.INSPECTION, "inspection.refusal",
                                 f"书面告知不予受理（超过查处时效）{case.number}")
            await case.record("inspection.refused", f"书面告知不予受理：{why}", f"refused in writing: {why_en}")
            return f"不予受理：{why}，已书面告知", f"refused in writing: {why_en}"
        if check.violation_ended is None:
            case.fact(f"违法行为处于持续状态，不受{check.period}查处时效限制",
                      "the violation is continuing: no time bar applies to it (LSIR Art 20)")
        else:
            case.fact(f"查处时效至 {check.limit}（LSIR Art 20）", f"time bar for inspection: {check.limit} (LSIR Art 20)")
        await case.hand_over(InspectionDesk.accept_complaint, Agency.INSPECTION, "inspection.complaint",
                             f"{SOURCES[opening.source]}受理审查 {case.number}")
        clock = await case.clocks.start("inspect.accept", responsible=Agency.INSPECTION)
        self.phase = "accepting"
        self.track.show(f"{SOURCES[opening.source]}待受理：{case.local_time(clock.due)} 前受理立案或书面不予受理",
                        f"{SOURCES_EN[opening.source]}: to accept and open, or refuse in writing, by "
                        f"{clock.due_text_en}")
        await workflow.wait_condition(lambda: self.answer is not None)
        await clock.complete()
        if isinstance(self.answer, ComplaintRefused):
            why, why_en = refusal_text(self.answer)
            await case.hand_over(InspectionDesk.refuse_in_writing, Agency.INSPECTION, "inspection.refusal",
                                 f"书面告知不予受理（{why}）{case.number}")
            return f"不予受理：{why}，已书面告知", f"refused in writing: {why_en}"
        assert self.answer is not None
        number = f"（立案号 {self.answer.file_number}）" if self.answer.file_number else ""
        number_en = f" (file number {self.answer.file_number})" if self.answer.file_number else ""
        await self._report_back((f"已受理立案{number}", f"accepted and opened{number_en}"))
        return None

    async def _negotiation(self) -> Said | None:
        """Press for negotiation; the settled result, or None when formal investigation follows."""
        self.phase = "negotiating"
        self.track.show("已受理立案：督促协商；用人单位拒不协商或协商不成的，转入正式立案调查",
                        "accepted and opened: negotiation first; a refusal or a failed one leads to a formal "
                        "investigation")
        await workflow.wait_condition(lambda: self._negotiated() is not None)
        if self._negotiated() == "settled":
            reason = self.negotiation.reason if self.negotiation else None
            return "经协商解决" + (f"（{reason}）" if reason else ""), "settled by negotiation" + (
                f" ({reason})" if reason else "")
        why = "用人单位拒绝协商" if self._negotiated() == "refused" else "协商不成"
        if self.negotiation is None:
            why += "（调解结果）"
        why_en = "the employer refused to negotiate" if self._negotiated() == "refused" else "no settlement"
        self.case.fact(f"{why}：劳动保障监察转入正式立案调查", f"{why_en}: labour inspection opens a formal investigation")
        await self.case.record("inspection.investigation", f"{why}：转入正式立案调查", self.case.facts_en[-1])
        return None

    def _negotiated(self) -> str | None:
        if self.negotiation is not None:
            return self.negotiation.result
        # An agreement in mediation does not settle a complaint by itself: inspection records that.
        outcome = self.mediation.outcome if self.mediation else None
        return outcome.kind if outcome and outcome.kind in ("failed", "refused") else None

    async def _decide(self) -> Said:
        """Outcomes until one ends the track; an order that lapses leaves room for the next decision."""
        while True:
            await workflow.wait_condition(lambda: self.decision is not None)
            decision = self.decision
            assert decision is not None and self.investigation is not None
            await self.investigation.complete()  # the first decision ends the investigation
            if decision.kind not in ORDERS:
                return self._conclude(decision)
            result = await self._order(decision)
            if result:
                return result

    async def _order(self, decision: InspectionDecision) -> Said | None:
        case = self.case
        pay = decision.kind == "order_to_pay"
        assert decision.by is not None
        await case.hand_over(InspectionDesk.serve_order, Agency.INSPECTION, "inspection.order",
                             f"送达{DECISIONS[decision.kind][0]}指令书 {case.number}")
        self.order_lapsed = False
        self.ordered, self.paid = (decision.amount, Decimal(0)) if pay else (None, Decimal(0))
        clock = await case.clocks.start("inspect.order_to_pay" if pay else "inspect.order_to_correct",
                                        on_date=decision.by, on_lapse=self._order_due)
        what = (f"责令于 {decision.by} 前支付 {decision.amount} 元" if pay
                else f"责令于 {decision.by} 前改正：{decision.matters}")
        case.fact(what, f"ordered to pay CNY {decision.amount} by {decision.by}" if pay
                  else f"ordered to correct by {decision.by}: {decision.matters}")
        self.phase, self.decision = "order", None
        self.track.show(what, case.facts_en[-1])
        await workflow.wait_condition(lambda: self._paid_up() or self.order_lapsed or self.decision is not None)
        if self._paid_up():
            await clock.complete()
            return self._paid_text()
        if self.decision is not None:
            if self.decision.kind == "closed_corrected":
                await clock.complete()
            else:
                await clock.withdraw(f"另行作出{DECISIONS[self.decision.kind][0]}决定",
                                     f"a decision of another kind: {DECISIONS[self.decision.kind][1]}")
            return None
        if pay:
            outcome = None if self._paid_up() else await self._unpaid(decision.by)
            if outcome or self._paid_up():
                return outcome or self._paid_text()
        else:
            case.fact(f"逾期未改正（期限 {decision.by}）：可依法处罚或移交",
                      f"not corrected by {decision.by}: a penalty or a hand-over may follow")
        self.phase = "order_lapsed"
        self.track.show("指令逾期未履行：待作出加付赔偿金、处罚、移交或结案决定",
                        "the order lapsed: additional compensation, a penalty, a hand-over or closure to decide")
        await workflow.wait_condition(lambda: self._paid_up() or self.decision is not None)
        return self._paid_text() if self._paid_up() else None

    async def _order_due(self, _: Clock) -> None:
        self.phase, self.order_lapsed = "assessing", True  # no decision until the lapse is weighed

    async def _unpaid(self, by: date) -> Said | None:
        """An order to pay lapsed unpaid: above the district's threshold, the transfer path opens."""
        case = self.case
        assert self.ordered is not None
        assessment = await workflow.execute_activity_method(
            InspectionDesk.assess_arrears, ArrearsRequest(intake=case.intake, unpaid=self.ordered - self.paid),
            task_queue=agency_queue(Agency.INSPECTION), **case.activity_options, summary="恶意欠薪移送标准审查",
        )
        if not assessment.crosses:
            case.fact(f"逾期未支付（期限 {by}）：{assessment.basis}，不移送；可责令加付赔偿金（LSIR Art 26）",
                      f"not paid by {by}: below the threshold for a transfer to the police; additional compensation "
                      "may be ordered (LSIR Art 26)")
            await case.record("arrears.below_threshold", f"责令支付逾期未履行，{assessment.basis}",
                              f"the order to pay was not followed in time; {assessment.basis_en or assessment.basis}")
            return None
        self.phase = "transfer"
        return await self.transfer.run(assessment)

    def _paid_up(self) -> bool:
        return self.ordered is not None and self.paid >= self.ordered

    def _paid_text(self) -> Said:
        transfer = self.phase == "transfer"
        closed, closed_en = ("，恶意欠薪移送程序终止", "; the malicious-arrears transfer ends") if transfer else ("", "")
        return (f"用人单位已按责令足额支付 {self.paid} 元{closed}，结案",
                f"the employer paid the CNY {self.paid} ordered in full{closed_en}; closed")

    def _conclude(self, decision: InspectionDecision) -> Said:
        if decision.kind == "penalty":
            return (f"作出行政处罚决定：{decision.matters}，罚款 {decision.amount} 元",
                    f"administrative penalty: {decision.matters}, fine CNY {decision.amount}")
        if decision.kind == "closed_corrected":
            return ("用人单位已改正，结案" + (f"（{decision.note}）" if decision.note else ""),
                    "the employer corrected it; closed" + (f" ({decision.note})" if decision.note else ""))
        assert decision.to is not None and decision.reason is not None
        intake = self.case.intake
        referrals = [i for i, c in enumerate(intake.claimants) if needs_referral(c, intake.claim_types)]
        self.handed_over = HandOver(to=decision.to, reason=decision.reason, referrals=referrals, at=workflow.now())
        if decision.to == "arbitration":
            self.case.flag(CaseFlag.MAY_APPLY_ARBITRATION)
        where = "劳动人事争议仲裁" if decision.to == "arbitration" else "人民法院诉讼"
        where_en = "labour arbitration" if decision.to == "arbitration" else "a lawsuit"
        aid = f"；{len(referrals)}名劳动者符合条件且同意，一并转介法律援助" if referrals else ""
        aid_en = f"; {len(referrals)} eligible, consenting workers referred to legal aid too" if referrals else ""
        return f"移交{where}：{decision.reason}{aid}", f"handed over to {where_en}: {decision.reason}{aid_en}"

    async def _report_back(self, text: Said) -> None:
        """Tell the units that sent the complaint or lead (outbox)."""
        case, opening = self.case, self.opening
        assert opening is not None
        for unit in self.referrers:
            await case.notify(unit, "inspection.feedback", f"劳动保障监察办理情况反馈 {case.number}",
                              f"贵单位移送的{SOURCES[opening.source]}（{opening.matters}）{text[0]}。")
            await case.record("inspection.feedback", f"向{AGENCY[unit.value][0]}反馈：{text[0]}",
                              f"reported to {AGENCY[unit.value][1]}: {text[1]}")

    # ---- events --------------------------------------------------------------------------------

    def _can_open(self, event: InspectionComplaint) -> Said | None:
        if self.track.running:
            return "已有正在办理的劳动保障监察案件", "an inspection is already under way"
        if self.closing:
            return CLOSING
        if event.source == "proactive" and event.actor.unit != Agency.INSPECTION:
            return "主动监察只能由劳动保障监察发起", "only inspection starts a proactive inspection"
        return None

    def _can_take_lead(self, _: object) -> Said | None:
        return CLOSING if self.closing and not self.track.running else None

    def _in(self, *phases: str) -> Said | None:
        return None if self.phase in phases else ("劳动保障监察案件不在这一环节", "inspection is not at this step")

    def _accepting(self, _: object) -> Said | None:
        return self._in("accepting") if self.answer is None else ("已作出受理决定", "already decided")

    def _negotiating(self, _: object) -> Said | None:
        return self._in("negotiating") if self.negotiation is None else ("已记录协商结果", "already recorded")

    def _can_decide(self, event: InspectionDecision) -> Said | None:
        if self.decision is not None:
            return "上一项决定正在办理", "the previous decision is being carried out"
        if self.phase == "order" and event.kind in ORDERS:
            return "已有未到期的指令", "an order is still running"
        return self._in("investigating", "order", "order_lapsed")

    def _can_pay(self, _: object) -> Said | None:
        return self._in(*PAYABLE)

    @case_event("inspection_complaint", InspectionComplaint, actors={Agency.INSPECTION, Agency.WINDOW},
                title=("登记投诉或主动监察", "register a complaint or a proactive inspection"), when=_can_open)
    async def complaint(self, event: InspectionComplaint) -> Said:
        self._open(Opening(event.source, event.matters, event.violation_ended), referrer=None)
        return f"已登记{SOURCES[event.source]}：{event.matters}", f"{event.source} registered"

    @case_event("inspection_lead", InspectionLead, actors={Agency.LEGAL_AID, Agency.UNION},
                title=("向劳动保障监察移送投诉或线索", "pass a complaint or lead to inspection"), when=_can_take_lead)
    async def lead(self, event: InspectionLead) -> Said:
        unit = event.actor.unit
        if self.track.running:
            if unit not in self.referrers:
                self.referrers.append(unit)
            return "已并入正在办理的劳动保障监察案件，办结后向贵单位反馈", "joined the running inspection"
        self._open(Opening(event.kind, event.matters, event.violation_ended), referrer=unit)
        return f"劳动保障监察已收到{SOURCES[event.kind]}，办理情况将向贵单位反馈", f"{event.kind} passed to inspection"

    @case_event("inspection_accept", ComplaintAccepted, actors={Agency.INSPECTION},
                title=("受理立案", "accept and open the complaint"), when=_accepting)
    async def accept(self, event: ComplaintAccepted) -> Said:
        self.answer = event
        return "已受理立案", "accepted and opened"

    @case_event("inspection_refuse", ComplaintRefused, actors={Agency.INSPECTION},
                title=("书面不予受理", "refuse in writing"), when=_accepting)
    async def refuse(self, event: ComplaintRefused) -> Said:
        self.answer = event
        why, why_en = refusal_text(event)
        return f"不予受理：{why}", f"refused: {why_en}"

    @case_event("inspection_negotiation", NegotiationResult, actors={Agency.INSPECTION},
                title=("记录协商结果", "record the negotiation"), when=_negotiating)
    async def negotiated(self, event: NegotiationResult) -> Said:
        self.negotiation = event
        words = {"settled": "协商解决", "failed": "协商不成，转入正式立案调查",
                 "refused": "用人单位拒绝协商，转入正式立案调查"}
        return f"已记录：{words[event.result]}", f"negotiation {event.result}"

    @case_event("inspection_decision", InspectionDecision, actors={Agency.INSPECTION},
                title=("作出监察处理决定", "decide the inspection's outcome"), when=_can_decide)
    async def decide(self, event: InspectionDecision) -> Said:
        self.decision = event
        return f"已记录：{DECISIONS[event.kind][0]}", f"decision: {DECISIONS[event.kind][1]}"

    @case_event("inspection_payment", WagesPaid, actors={Agency.INSPECTION},
                title=("记录用人单位支付", "record a payment by the employer"), when=_can_pay)
    async def pay(self, event: WagesPaid) -> Said:
        self.paid += event.amount
        self.case.amount_recovered += event.amount
        self.case.publish()
        if self.ordered is None:
            return f"已记录支付 {event.amount} 元", f"CNY {event.amount} paid"
        left = max(self.ordered - self.paid, Decimal(0))
        return (f"已记录支付 {event.amount} 元" + (f"，尚欠 {left} 元" if left else "，已足额支付"),
                f"CNY {event.amount} paid, {left} outstanding")


def refusal_text(refusal: ComplaintRefused) -> Said:
    if refusal.ground == "wrong_office":
        return (f"不属本机关管辖，请向{refusal.competent_office}投诉",
                f"not this office's matter: complain to {refusal.competent_office}")
    if refusal.ground == "incomplete":
        items = "；".join(f"{i}. {item}" for i, item in enumerate(refusal.missing, 1))
        return (f"材料不全，请一次性补正以下材料：{items}（补正后可重新投诉）",
                f"incomplete: supply these, all at once: {'; '.join(refusal.missing)} (then complain again)")
    return f"超过查处时效（{refusal.reason}）", f"past the time bar ({refusal.reason})"


# Every class here that declares events, for the case's catalogue.
INSPECTION_STAGES = (Inspection, EvidenceHelp, ArrearsTransfer)
