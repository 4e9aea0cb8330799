"""A lawsuit [Plan 三(五)]. Legal aid follows the worker into court: consultation, representation
by the assigned lawyer, and support of prosecution (支持起诉, CPL Art 15) for a worker suing
without a legal-aid lawyer. The court's steps arrive as events: filing within 7 days (CPL Art 126);
first instance under the simplified, ordinary or small-claims limit (CPL Art 164, 152, 168; small
claims are final at first instance, Art 165); judgment or ruling and its service; appeal within 15
days for a judgment, 10 for a ruling (CPL Art 171); second instance (CPL Art 183); the effective
judgment is performed or enforced (CPL Art 250).

The appeal period runs from the day the decision was served (``served_on``). An appeal posted within
it (``mailed_on``) is in time though it arrives after the period ran out in the system (CPL Art 85):
while the case waits for the employer to pay under the decision or for an enforcement application
(nothing applied for yet), the decision did not take effect after all — the performance clock is
withdrawn and the second instance begins. A decision without money closes the case when it takes
effect; an appeal against it that arrives after that is not recorded here.

Other stages enter with the complaint already at the court: ``Litigation.run(origin, plaintiff)``,
each origin listed in ORIGINS.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.court_liaison import LegalAidCourtDesk
    from domain.arbitration import PARTY, Party
    from domain.events.base import service_moment
    from domain.events.litigation import CourtAppeal, CourtDecision, CourtFiling, CourtService
    from domain.models import Agency, CaseFlag, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.stages.handoff import StageEnd
from workflows.stages.performance import Performance

ORIGINS = {
    "payment_order": "支付令因用人单位异议失效，转入诉讼程序，劳动者依调解协议起诉（CPL Art 228；SPC-L1 Art 13）",
    "arbitration": "当事人不服仲裁裁决（或仲裁不予受理、逾期未裁决）向人民法院起诉（LDMA Art 29、43、48、50）",
}
ORIGINS_EN = {
    "payment_order": "the payment order lapsed on the employer's objection: the worker sues on the agreement "
                     "(CPL Art 228; SPC-L1 Art 13)",
    "arbitration": "a party sues against the award (or arbitration's refusal or silence) (LDMA Art 29, 43, 48, 50)",
}
PROCEDURE = {"simplified": "简易程序", "ordinary": "普通程序", "small_claims": "小额诉讼程序"}
DECISION = {"judgment": "判决", "ruling": "裁定"}
DECISION_EN = {"judgment": "judgment", "ruling": "ruling"}


class Litigation:
    def __init__(self, case: CaseRuntime, performance: Performance) -> None:
        self.case, self.performance = case, performance
        # filing → trial → service → appeal → (trial) → effective; "moving" while a handler starts the
        # next clock, so an event validated before the move is refused when applied
        self.step: str | None = None
        self.instance = 0
        self.procedure: str | None = None
        self.clock: Clock | None = None
        self.decision: CourtDecision | None = None

    async def run(self, origin: str, plaintiff: Party) -> StageEnd:
        case = self.case
        self.step = "moving"
        case.enter(Stage.LITIGATION, Agency.COURT, ("人民法院立案或裁定不予受理",
                                                    "the court files the case or rules it inadmissible"))
        case.fact(f"{ORIGINS[origin]}；原告：{PARTY[plaintiff][0]}",
                  f"{ORIGINS_EN[origin]}; plaintiff: {PARTY[plaintiff][1]}")
        await case.record("litigation.opened", ORIGINS[origin], ORIGINS_EN[origin])
        await self._legal_aid_follows(plaintiff)
        self.clock = await case.clocks.start("court.file")
        case.wait_for((f"人民法院{self.clock.period}内立案或裁定不予受理，截止 {self.clock.due_text}",
                       f"the court files the case or rules it inadmissible within {self.clock.period_en}"))
        self.step = "filing"
        while True:
            await workflow.wait_condition(lambda: self.step == "effective")
            self.step = "performing"  # an appeal posted in time may still come (CPL Art 85)
            end = await self._effective()
            if self.step == "performing":
                self.step = None
                return end

    async def _legal_aid_follows(self, plaintiff: Party) -> None:
        case = self.case
        await case.hand_over(LegalAidCourtDesk.advise_on_lawsuit, Agency.LEGAL_AID, "lawsuit.consultation",
                             f"诉讼咨询 {case.number}")
        if CaseFlag.LEGAL_AID_GRANTED in case.flags:
            await case.hand_over(LegalAidCourtDesk.represent_in_court, Agency.LEGAL_AID, "lawsuit.representation",
                                 f"法律援助律师诉讼代理 {case.number}")
        elif plaintiff == "worker":
            await case.hand_over(LegalAidCourtDesk.support_prosecution, Agency.LEGAL_AID, "lawsuit.support",
                                 f"支持起诉 {case.number}")

    async def _trial(self, rule_id: str, what: str) -> None:
        self.case.enter(Stage.LITIGATION, Agency.COURT, (f"{what}审理，作出判决或裁定", "the court tries the case"))
        self.clock = await self.case.clocks.start(rule_id)
        self.step = "trial"

    async def _served(self, event: CourtDecision | CourtService) -> None:
        """Service starts the appeal period, unless the decision is final (second instance, small claims)."""
        assert self.decision is not None
        if self.instance == 2 or self.procedure == "small_claims":
            self.step = "effective"
            return
        rule = "court.appeal" if self.decision.kind == "judgment" else "court.appeal.ruling"
        self.clock = await self.case.clocks.start(rule, on_lapse=self._no_appeal,
                                                  since=service_moment(event.served_on, workflow.now()))
        self.case.wait_for((f"{DECISION[self.decision.kind]}已送达：上诉期内当事人可以上诉，期满无人上诉即生效",
                            f"the {self.decision.kind} was served: appeal period running"), Agency.COURT)
        self.step = "appeal"

    async def _no_appeal(self, _: Clock) -> None:
        self.step = "effective"

    async def _effective(self) -> StageEnd:
        case, decision = self.case, self.decision
        assert decision is not None
        line = f"{DECISION[decision.kind]}发生法律效力：{decision.summary}"
        case.fact(line, f"the {DECISION_EN[decision.kind]} took effect: {decision.summary}")
        await case.record("litigation.effective", line, case.facts_en[-1])
        if not decision.amount_awarded:
            return StageEnd(line, case.facts_en[-1])
        self.performance.expect(("生效判决", f"the effective {DECISION_EN[decision.kind]}"), decision.amount_awarded)
        by = f"于 {decision.pay_by} 前" if decision.pay_by else ""
        case.wait_for((f"用人单位{by}按生效判决支付 {decision.amount_awarded} 元", "the employer pays under the judgment"))
        if decision.pay_by and await self.performance.by_date("judgment.performance", decision.pay_by):
            return StageEnd(f"生效判决已履行，收回 {self.performance.paid} 元",
                            f"the effective {DECISION_EN[decision.kind]} was performed: CNY {self.performance.paid} "
                            "recovered")
        return StageEnd(*await self.performance.enforce())

    # ---- events from the court ---------------------------------------------------------------

    def _at(self, *steps: str) -> Said | None:
        if self.step in steps:
            return None
        if self.step is None:
            return "案件不在诉讼阶段", "the case is not in litigation"
        if self.step == "moving":
            return "正在处理上一事件，请稍后重试", "busy with the previous event: retry"
        return f"诉讼程序当前在“{self.step}”步骤", f"the lawsuit is at step {self.step}"

    def _filing(self, _: object) -> Said | None:
        return self._at("filing")

    def _deciding(self, event: CourtDecision) -> Said | None:
        if self.step == "filing" and event.kind == "judgment":
            return "尚未立案，只能裁定不予受理", "not filed yet: only an inadmissibility ruling is possible"
        return self._at("filing", "trial")

    def _serving(self, _: object) -> Said | None:
        return self._at("service")

    def _appealable(self, event: CourtAppeal) -> Said | None:
        """In the appeal period, or after it ran out with the appeal posted within it (CPL Art 85)
        while the decision is not yet performed or enforced."""
        performance = self.performance
        if (self.step == "performing" and self.clock is not None and self.clock.rule_id.startswith("court.appeal")
                and self.clock.mailed_in_time(event.mailed_on) and performance.application is None
                and not performance.paid_in_full):
            return None
        return self._at("appeal")

    @case_event("court_filing", CourtFiling, actors={Agency.COURT},
                title=("法院立案", "the court files the case"), when=_filing)
    async def court_files(self, event: CourtFiling) -> Said:
        assert self.clock is not None
        self.step = "moving"
        await self.clock.complete()
        self.instance, self.procedure = 1, event.procedure
        await self._trial(f"court.{event.procedure}", f"一审（{PROCEDURE[event.procedure]}）")
        return f"已记录：人民法院立案，适用{PROCEDURE[event.procedure]}", f"filed ({event.procedure})"

    @case_event("court_decision", CourtDecision, actors={Agency.COURT},
                title=("法院作出判决或裁定", "the court gives a judgment or ruling"), when=_deciding)
    async def court_decides(self, event: CourtDecision) -> Said:
        assert self.clock is not None
        self.step, self.decision = "moving", event
        await self.clock.complete()
        instance = "二审" if self.instance == 2 else "一审"
        line = f"人民法院{instance}{DECISION[event.kind]}：{event.summary}"
        self.case.fact(line, f"the court's {'second' if self.instance == 2 else 'first'}-instance "
                             f"{DECISION_EN[event.kind]}: {event.summary}")
        if event.served:
            await self._served(event)
        else:
            self.case.wait_for((f"人民法院送达{DECISION[event.kind]}", "the court serves the decision"), Agency.COURT)
            self.step = "service"
        return f"已记录：{line}", f"{event.kind} recorded"

    @case_event("court_served", CourtService, actors={Agency.COURT},
                title=("法院送达判决书或裁定书", "the court serves the decision"), when=_serving)
    async def court_serves(self, event: CourtService) -> Said:
        self.step = "moving"
        await self._served(event)
        return "已记录：判决书/裁定书已送达", "service recorded"

    @case_event("court_appeal", CourtAppeal, actors={Agency.COURT, Agency.LEGAL_AID},
                title=("记录上诉", "record an appeal"), when=_appealable)
    async def appealed(self, event: CourtAppeal) -> Said:
        assert self.clock is not None and self.decision is not None
        performing, self.step = self.step == "performing", "moving"
        await self.clock.complete(mailed_on=event.mailed_on)
        if performing:
            line = (f"上诉状邮寄日期 {event.mailed_on} 在上诉期内，不算过期（CPL Art 85）："
                    f"{DECISION[self.decision.kind]}未发生法律效力")
            en = (f"the appeal was posted on {event.mailed_on}, within the appeal period (CPL Art 85): the "
                  f"{DECISION_EN[self.decision.kind]} has not taken effect")
            await self.performance.call_off(line, en)
            await self.case.record("litigation.not_effective", line, en)
        self.instance = 2
        line = f"{PARTY[event.appellant][0]}对{DECISION[self.decision.kind]}提起上诉"
        self.case.fact(line, f"{PARTY[event.appellant][1]} appealed against the {DECISION_EN[self.decision.kind]}")
        rule = "court.second_instance" if self.decision.kind == "judgment" else "court.second_instance.ruling"
        await self._trial(rule, "二审")
        return f"已记录：{line}", f"appeal by the {event.appellant}"
