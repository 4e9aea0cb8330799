"""A court payment order (支付令) on an unperformed agreement for wages, work-injury medical costs or
compensation (LDMA Art 16). Legal aid helps the worker apply; the court accepts within 5 days and
issues within 15 (CPL Art 226–227); the employer pays or objects in writing within 15 days of
service (``served_on`` of the issue event: the 15 days run from that day). No objection: the order
is enforceable. An objection ends the procedure and the dispute turns into a lawsuit on the
agreement (CPL Art 228; SPC-L1 Art 13). An objection posted within the 15 days (``mailed_on``) is in
time though it arrives after the window ran out in the system (CPL Art 85): while the case waits
for enforcement of the order (nothing applied for yet), the enforcement window is withdrawn and the
dispute goes to court as after any objection."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.court_liaison import LegalAidCourtDesk
    from domain.events.base import service_moment
    from domain.events.payment_order import (
        PaymentOrderAcceptance,
        PaymentOrderApplied,
        PaymentOrderIssued,
        PaymentOrderObjection,
    )
    from domain.models import Agency, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.stages.handoff import StageEnd
from workflows.stages.performance import Performance

ENDS = ("refused", "objected", "effective")
# after "effective" the step is "enforcing" while the case waits for payment or enforcement


class PaymentOrder:
    def __init__(self, case: CaseRuntime, performance: Performance) -> None:
        self.case, self.performance = case, performance
        # apply → accept → issue → objection → refused | objected | effective; "moving" while a handler
        # starts the next clock, so an event validated before the move is refused when applied
        self.step: str | None = None
        self.clock: Clock | None = None
        self.ending: Said = ("", "")

    async def run(self, owed: Decimal) -> StageEnd:
        case = self.case
        self.performance.expect(("调解协议", "the mediation agreement"), owed)
        self.step = "apply"
        case.enter(Stage.CONFIRMATION, Agency.LEGAL_AID, ("法律援助协助劳动者持调解协议书向人民法院申请支付令",
                                                          "legal aid helps the worker apply for a payment order"))
        await case.record("payment_order.opened", f"用人单位未履行调解协议，尚欠 {owed} 元：转入支付令程序",
                          f"the employer did not perform the agreement and owes CNY {owed}: a payment order follows")
        await case.hand_over(LegalAidCourtDesk.assist_payment_order, Agency.LEGAL_AID, "payment_order.apply",
                             f"协助申请支付令 {case.number}")
        await workflow.wait_condition(lambda: self.step in ENDS or self.performance.paid_in_full)
        if self.step == "effective":
            self.step = "enforcing"
            enforced = await self.performance.enforce(("支付令", "the payment order"))
            if self.step == "enforcing":  # no objection posted in time came meanwhile
                self.step = None
                return StageEnd(*enforced)
        step, self.step = self.step, None
        if self.clock:
            await self.clock.withdraw("用人单位已清偿", "the employer paid")
        if self.performance.paid_in_full:
            return StageEnd(f"用人单位清偿调解协议欠款，收回 {self.performance.paid} 元",
                            f"the employer paid what the agreement left owing: CNY {self.performance.paid} recovered")
        return StageEnd(*self.ending, next="arbitration" if step == "refused" else "litigation")

    # ---- events from the worker's helpers and the court --------------------------------------

    def _at(self, step: str) -> Said | None:
        if self.step == step:
            return None
        if self.step == "moving":
            return "正在处理上一事件，请稍后重试", "busy with the previous event: retry"
        return "支付令程序不在这一步", "the payment-order procedure is not at this step"

    def _applying(self, _: object) -> Said | None:
        return self._at("apply")

    def _accepting(self, _: object) -> Said | None:
        return self._at("accept")

    def _issuing(self, _: object) -> Said | None:
        return self._at("issue")

    def _objecting(self, event: PaymentOrderObjection) -> Said | None:
        """In the window, or after it ran out with the objection posted within it (CPL Art 85) while
        the order is not yet being enforced."""
        if (self.step == "enforcing" and self.clock is not None and self.clock.mailed_in_time(event.mailed_on)
                and self.performance.application is None and not self.performance.paid_in_full):
            return None
        return self._at("objection")

    @case_event("payment_order_applied", PaymentOrderApplied, actors={Agency.LEGAL_AID, Agency.UNION, Agency.WINDOW},
                title=("记录申请支付令", "record the payment-order application"), when=_applying)
    async def applied(self, event: PaymentOrderApplied) -> Said:
        self.step = "moving"
        self.case.enter(Stage.CONFIRMATION, Agency.COURT, (f"{event.court}决定是否受理支付令申请",
                                                           "the court decides whether to accept"))
        self.clock = await self.case.clocks.start("payment_order.accept")
        self.step = "accept"
        return f"已记录：劳动者向{event.court}申请支付令", "payment-order application recorded"

    @case_event("payment_order_accepted", PaymentOrderAcceptance, actors={Agency.COURT},
                title=("法院决定是否受理支付令申请", "the court accepts or refuses the application"), when=_accepting)
    async def accepted(self, event: PaymentOrderAcceptance) -> Said:
        assert self.clock is not None
        self.step = "moving"
        await self.clock.complete()
        if not event.accepted:
            self.ending = (f"人民法院不予受理支付令申请（{event.reason}）：劳动者可以申请仲裁（LDMA Art 15）",
                           f"the court did not accept the application for a payment order ({event.reason}): the "
                           "worker may apply for arbitration (LDMA Art 15)")
            self.case.fact(*self.ending)
            self.step = "refused"
            return self.ending[0], "the court refused the application"
        self.clock = await self.case.clocks.start("payment_order.issue")
        self.case.wait_for((f"人民法院受理后{self.clock.period}内发出支付令",
                            f"the court issues the order within {self.clock.period_en}"))
        self.step = "issue"
        return "已记录：人民法院受理支付令申请", "the court accepted the application"

    @case_event("payment_order_issued", PaymentOrderIssued, actors={Agency.COURT},
                title=("法院发出并送达支付令", "the court issues and serves the order"), when=_issuing)
    async def issued(self, event: PaymentOrderIssued) -> Said:
        assert self.clock is not None
        self.step = "moving"
        await self.clock.complete()
        self.clock = clock = await self.case.clocks.start("payment_order.objection", on_lapse=self._no_objection,
                                                          since=service_moment(event.served_on, workflow.now()))
        line = f"支付令已送达用人单位：{clock.period}内清偿或书面提出异议，截止 {clock.due_text}"
        self.case.fact(line, f"the payment order was served on the employer: it pays or objects in writing within "
                             f"{clock.period_en}, due {clock.due_text_en}")
        self.case.wait_for((f"用人单位自收到支付令之日起{clock.period}内清偿或书面提出异议",
                            f"the employer pays or objects within {clock.period_en}"), Agency.COURT)
        self.step = "objection"
        return f"已记录：{line}", "the order was served on the employer"

    @case_event("payment_order_objection", PaymentOrderObjection, actors={Agency.COURT},
                title=("记录用人单位对支付令的异议", "record the employer's objection"), when=_objecting)
    async def objected(self, event: PaymentOrderObjection) -> Said:
        assert self.clock is not None
        self.ending = (f"用人单位对支付令提出书面异议（{event.reason}），督促程序终结，转入诉讼",
                       f"the employer objected to the payment order in writing ({event.reason}): the order "
                       "procedure ends and the dispute goes to court")
        enforcing, self.step = self.step == "enforcing", "objected"
        self.case.fact(*self.ending)
        await self.clock.complete(mailed_on=event.mailed_on)
        if enforcing:
            await self.performance.call_off(f"异议邮寄日期 {event.mailed_on} 在期间内，不算过期（CPL Art 85）：支付令未生效",
                                            f"the objection was posted on {event.mailed_on}, within the period "
                                            "(CPL Art 85): the payment order has not taken effect")
        return self.ending[0], "the employer objected: the order is void and the dispute goes to court"

    async def _no_objection(self, window: Clock) -> None:
        self.step = "effective"
        self.case.fact(f"用人单位在{window.period}内既未清偿也未提出异议：支付令生效（{window.source}）",
                       f"the employer neither paid nor objected within {window.period_en}: the payment order took "
                       f"effect ({window.source})")
