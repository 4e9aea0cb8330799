"""Malicious wage arrears (恶意欠薪): from an order to pay that lapsed unpaid to the police.

Opened by the inspection track when the unpaid amount crosses the district's threshold (刑法 Art
276-1; 法释〔2013〕3号). Steps: the order is served again in a way that proves receipt (or posted and
recorded where the employer has absconded); the agency head decides on transfer within 3 days
(police.transfer); the file goes to the police within 24 hours of approval (police.transfer.send);
the police decide within 3 days (police.transfer.decide). The case is flagged MALICIOUS_ARREARS,
which the coordination escalation reacts to. Payment of what was ordered closes the path at any
step.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inspection import ArrearsAssessment, InspectionDesk
    from domain.events.inspection import SUMMONS_METHODS, PoliceAnswer, SummonsServed, TransferDecision, TransferSent
    from domain.models import Agency, CaseFlag

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.tracks import Track


def at_step(step: str) -> Callable[[ArrearsTransfer, object], Said | None]:
    """An event of the path is taken only at its own step."""
    def check(transfer: ArrearsTransfer, _: object) -> Said | None:
        if transfer.step != step:
            return "恶意欠薪移送程序不在这一步", "the transfer is not at this step"
        return None
    return check


class ArrearsTransfer:
    def __init__(self, case: CaseRuntime, track: Track, paid_up: Callable[[], bool]) -> None:
        self.case, self.track, self.paid_up = case, track, paid_up
        self.step: str | None = None  # summons | head | send | police
        self.summons: SummonsServed | None = None
        self.head: TransferDecision | None = None
        self.sent: TransferSent | None = None
        self.police: PoliceAnswer | None = None

    async def run(self, assessment: ArrearsAssessment) -> Said | None:
        """The path's end in words; None when it ended without a transfer (paid, or the head declined)."""
        case = self.case
        self.summons = self.head = self.sent = self.police = None
        case.flag(CaseFlag.MALICIOUS_ARREARS)
        case.fact(f"涉嫌恶意欠薪：责令支付逾期未履行，{assessment.basis}（刑法 Art 276-1）",
                  "suspected malicious wage arrears: the order to pay was not followed in time "
                  "(Criminal Law Art 276-1)")
        await case.record("arrears.flagged", f"涉嫌恶意欠薪，启动移送公安程序：{assessment.basis}",
                          "suspected malicious wage arrears, the transfer to the police begins: "
                          f"{assessment.basis_en or assessment.basis}")
        await case.hand_over(InspectionDesk.serve_summons, Agency.INSPECTION, "arrears.summons",
                             f"以可证明送达的方式送达责令支付文书并记录 {case.number}")
        self._at("summons", "涉嫌恶意欠薪：以可证明送达的方式送达责令支付文书（行为人逃匿的，张贴并拍照录像）",
                 "suspected malicious arrears: the order to pay is to be served with proof of receipt (posted and "
                 "filmed where the employer absconded)")
        if not await self._until(lambda: self.summons is not None):
            return await self._paid(None)
        assert self.summons is not None
        head = await case.clocks.start("police.transfer", responsible=Agency.INSPECTION)
        case.fact(f"责令支付文书已送达（{SUMMONS_METHODS[self.summons.method]}，{self.summons.received_on}），"
                  "已报请负责人决定是否移送公安",
                  f"the order to pay was served ({self.summons.received_on}); the head is to decide on a transfer "
                  "to the police")
        self._at("head", f"待负责人于 {case.local_time(head.due)} 前决定是否移送公安机关",
                 f"the head decides on a transfer to the police by {head.due_text_en}")
        if not await self._until(lambda: self.head is not None):
            return await self._paid(head)
        await head.complete()
        assert self.head is not None
        if not self.head.approved:
            self.step = None
            case.fact(f"负责人 {self.head.approver} 决定不移送公安（{self.head.reason}）",
                      f"head {self.head.approver} decided against a transfer to the police ({self.head.reason})")
            return None
        send = await case.clocks.start("police.transfer.send", responsible=Agency.INSPECTION)
        await case.hand_over(InspectionDesk.transfer_to_police, Agency.INSPECTION, "arrears.transfer",
                             f"移送公安机关（批准人 {self.head.approver}）{case.number}")
        case.fact(f"负责人 {self.head.approver} 批准移送公安",
                  f"head {self.head.approver} approved the transfer to the police")
        self._at("send", f"已批准移送：{case.local_time(send.due)} 前移送公安机关",
                 f"transfer approved: to the police by {send.due_text_en}")
        if not await self._until(lambda: self.sent is not None):
            return await self._paid(send)
        await send.complete()
        assert self.sent is not None
        decide = await case.clocks.start("police.transfer.decide")
        case.fact(f"已移送{self.sent.police_unit}", f"transferred to {self.sent.police_unit}")
        self._at("police", f"已移送{self.sent.police_unit}：待公安机关于 {case.local_time(decide.due)} 前决定是否立案",
                 f"transferred to {self.sent.police_unit}: the police decide whether to open a case by "
                 f"{decide.due_text_en}")
        if not await self._until(lambda: self.police is not None):
            return await self._paid(decide)
        await decide.complete()
        assert self.police is not None
        self.step = None
        answer = "立案侦查" if self.police.filed else f"不予立案（{self.police.reason or '未说明理由'}）"
        answer_en = ("opened a criminal investigation" if self.police.filed
                     else f"declined to open a case ({self.police.reason or 'no reason given'})")
        return (f"涉嫌拒不支付劳动报酬罪，已移送{self.sent.police_unit}，公安机关{answer}",
                f"suspected refusal to pay wages (a crime): transferred to {self.sent.police_unit}, which {answer_en}")

    def _at(self, step: str, status: str, en: str) -> None:
        self.step = step
        self.track.show(status, en)

    async def _until(self, done: Callable[[], bool]) -> bool:
        """Wait for the step, or for payment; False when payment closed the path."""
        await workflow.wait_condition(lambda: done() or self.paid_up())
        return not self.paid_up()

    async def _paid(self, clock: Clock | None) -> None:
        if clock is not None:
            await clock.withdraw("用人单位已足额支付，移送程序终止", "the employer paid in full: the transfer ends")
        self.step = None
        await self.case.record("arrears.closed", "用人单位已足额支付：恶意欠薪移送程序终止",
                               "the employer paid in full: the malicious-arrears transfer ends")

    # ---- events --------------------------------------------------------------------------------

    @case_event("arrears_summons_served", SummonsServed, actors={Agency.INSPECTION},
                title=("记录责令支付文书已送达", "record proof that the order was received"),
                when=at_step("summons"))
    async def served(self, event: SummonsServed) -> Said:
        self.summons = event
        return f"已记录送达：{SUMMONS_METHODS[event.method]}（{event.received_on}）", "service recorded"

    @case_event("police_transfer_decision", TransferDecision, actors={Agency.INSPECTION},
                title=("负责人决定是否移送公安", "the head decides on transfer to the police"),
                when=at_step("head"))
    async def decided(self, event: TransferDecision) -> Said:
        self.head = event
        if event.approved:
            return f"负责人 {event.approver} 批准移送公安，待移送（期限见 police.transfer.send）", "transfer approved"
        return f"负责人 {event.approver} 决定不移送：{event.reason}", "transfer declined"

    @case_event("police_transfer_sent", TransferSent, actors={Agency.INSPECTION},
                title=("记录已移送公安", "record the transfer to the police"),
                when=at_step("send"))
    async def transferred(self, event: TransferSent) -> Said:
        self.sent = event
        return f"已记录：移送{event.police_unit}", "transfer recorded"

    @case_event("police_transfer_answer", PoliceAnswer, actors={Agency.INSPECTION},
                title=("记录公安机关是否立案", "record the police's decision"),
                when=at_step("police"))
    async def answered(self, event: PoliceAnswer) -> Said:
        self.police = event
        return ("已记录：公安机关立案侦查" if event.filed else f"已记录：公安机关不予立案（{event.reason}）",
                "police decision recorded")
