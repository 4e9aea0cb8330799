"""What the employer owes under an agreement, a payment order or a judgment: paid in full by its
date, or, once enforceable and unpaid, enforced by the court on the worker's application within
two years (CPL Art 250). Every payment counts toward the case's money recovered."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.calendar import SHANGHAI
    from domain.events.performance import EnforcementRequested, PaymentReceived
    from domain.models import Agency

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime

# Any unit that learns the worker was paid may say so; the court or the worker's helpers report enforcement.
PAYMENT_REPORTERS = {Agency.UNION, Agency.LEGAL_AID, Agency.WINDOW, Agency.INSPECTION, Agency.ARBITRATION,
                     Agency.COURT}
ENFORCEMENT_REPORTERS = {Agency.LEGAL_AID, Agency.UNION, Agency.WINDOW, Agency.COURT}


class Performance:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.basis: str | None = None  # what the employer pays under now: 调解协议, 支付令, 生效判决
        self.basis_en = ""
        self.owed = Decimal(0)
        self.paid = Decimal(0)
        self.enforcing = False
        self.clock: Clock | None = None  # the date to pay by, or the 2-year window to enforce
        self.called_off = False  # not enforceable after all (call_off)
        self.application: EnforcementRequested | None = None
        self.perform_by: date | None = None  # the last day of performance the document set

    def expect(self, basis: Said, owed: Decimal) -> None:
        """Payments from now on count toward ``owed`` under ``basis`` (its name, and in English)."""
        (self.basis, self.basis_en), self.owed, self.paid, self.perform_by = basis, owed, Decimal(0), None
        self.called_off = False

    def stop(self) -> None:
        """Nothing is owed under these any more: the dispute goes to arbitration, whose award has its
        own performance event (award_performed)."""
        self.basis = None

    @property
    def paid_in_full(self) -> bool:
        return self.basis is not None and self.paid >= self.owed

    @property
    def outstanding(self) -> Decimal:
        return max(self.owed - self.paid, Decimal(0))

    async def by_date(self, rule_id: str, day: date) -> bool:
        """Wait for payment in full until the end of ``day`` (a clock of ``rule_id``); True if paid."""
        self.perform_by = day
        clock = self.clock = await self.case.clocks.start(rule_id, on_date=day)
        await workflow.wait_condition(lambda: self.paid_in_full or not clock.is_open)
        if self.paid_in_full:
            await clock.complete()
        return self.paid_in_full

    async def enforce(self, basis: Said | None = None, effective: date | None = None) -> Said:
        """The obligation (renamed ``basis`` when confirmed) is enforceable and unpaid: wait for
        payment in full, the worker's application to the court, or the end of the 2 years. After
        call_off there is nothing to enforce: the answer is empty.

        CPL Art 250 counts the 2 years from the last day of performance the document set, else from
        the day it took effect (``effective``, default today); the later of the two when the
        document (a confirmation ruling) took effect after its performance date."""
        if self.called_off:
            return "", ""
        if basis:
            self.basis, self.basis_en = basis
        case, basis, basis_en = self.case, self.basis, self.basis_en
        self.enforcing = True
        case.wait_for((f"用人单位未履行{basis}：劳动者可申请人民法院强制执行",
                       "unperformed: the worker may apply to the court for enforcement"))
        days = [day for day in (self.perform_by, effective) if day]
        since = max(days) if days else workflow.now().astimezone(SHANGHAI).date()
        clock = self.clock = await case.clocks.start("enforce.apply", on_date=since)
        case.fact(f"{basis}具有强制执行力，用人单位未履行：劳动者可在{clock.period}内申请人民法院强制执行"
                  f"（{clock.source}），截止 {clock.due_text}",
                  f"enforceable and not performed by the employer: the worker may apply to the court for enforcement "
                  f"within {clock.period_en} ({clock.source}), due {clock.due_text_en}")
        await workflow.wait_condition(lambda: self.paid_in_full or self.application is not None or not clock.is_open)
        self.enforcing = False
        if self.paid_in_full:
            await clock.complete()
            return f"{basis}已履行，收回 {self.paid} 元", f"{basis_en} performed: CNY {self.paid} recovered"
        if self.application is not None:
            await clock.complete()
            court = self.application.court
            return (f"已向{court or '人民法院'}申请强制执行{basis}，尚欠 {self.outstanding} 元",
                    f"enforcement of {basis_en} applied for at {court or 'the court'}; CNY {self.outstanding} "
                    "outstanding")
        return (f"{basis}未履行，申请执行期间已届满",
                f"{basis_en} not performed; the time to apply for enforcement has passed")

    async def call_off(self, why: str, en: str) -> None:
        """The obligation was not enforceable after all (an objection or appeal posted in time, CPL
        Art 85): the clock waited on is withdrawn, by_date() and enforce() return, and their answers
        no longer apply."""
        self.called_off = True
        if self.clock is not None:
            await self.clock.cancel(why, en)

    # ---- events ------------------------------------------------------------------------------

    def _owing(self, _: object) -> Said | None:
        if self.basis is None:
            return "没有待履行的调解协议、支付令或判决", "nothing is owed under an agreement, order or judgment"
        if self.paid_in_full:
            return f"{self.basis}已全额履行", "already paid in full"
        return None

    def _enforceable(self, _: object) -> Said | None:
        if not self.enforcing or self.application is not None:
            return "尚不能申请强制执行（或已申请）", "nothing to enforce now, or already applied"
        return None

    @case_event("payment_received", PaymentReceived, actors=PAYMENT_REPORTERS,
                title=("记录用人单位付款", "record a payment by the employer"), when=_owing)
    async def received(self, event: PaymentReceived) -> Said:
        self.paid += event.amount
        self.case.amount_recovered += event.amount
        left = "已全额履行" if self.paid_in_full else f"尚欠 {self.outstanding} 元"
        line = f"用人单位按{self.basis}支付 {event.amount} 元，{left}；累计收回 {self.case.amount_recovered} 元"
        left_en = "paid in full" if self.paid_in_full else f"CNY {self.outstanding} outstanding"
        self.case.fact(line, f"the employer paid CNY {event.amount}, {left_en}; "
                             f"CNY {self.case.amount_recovered} recovered in all")
        return line, f"CNY {event.amount} paid; {self.outstanding} outstanding"

    @case_event("enforcement_requested", EnforcementRequested, actors=ENFORCEMENT_REPORTERS,
                title=("记录申请强制执行（调解协议、支付令、判决）",
                       "record an application to enforce an agreement, order or judgment"), when=_enforceable)
    async def applied(self, event: EnforcementRequested) -> Said:
        self.application = event
        return f"已记录：劳动者向{event.court or '人民法院'}申请强制执行{self.basis}", "enforcement application recorded"
