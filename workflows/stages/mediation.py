"""Mediation, the default before any filing [Plan 三(三)], with its 15-day window (LDMA Art 14)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inspection import InspectionDesk
    from activities.union import UnionDesk
    from domain.events.base import above_claim_problem
    from domain.events.mediation import EmployerRefuses, MediationAgreement, MediationFailed
    from domain.models import Agency, CaseFlag, Stage

from workflows.clock import Clock
from workflows.events import Said, case_event
from workflows.runtime import CaseRuntime
from workflows.together import together

ORGANISERS = {Agency.UNION, Agency.INSPECTION, Agency.WINDOW}


@dataclass
class MediationOutcome:
    kind: str  # agreement | failed | refused | arbitration
    agreement: MediationAgreement | None = None
    reason: str | None = None


class Mediation:
    def __init__(self, case: CaseRuntime) -> None:
        self.case = case
        self.open = False
        self.outcome: MediationOutcome | None = None

    async def run(self, until: Callable[[], bool] = lambda: False) -> MediationOutcome:
        """Mediate until an outcome is recorded, or ``until()`` holds: the worker applied for
        arbitration, within the window or after it, which ends mediation (kind "arbitration"):
        mediation is voluntary (LDMA Arts 5, 14), so the organiser is told, not the worker refused."""
        case = self.case
        organiser = Agency.INSPECTION if case.intake.channel == Agency.INSPECTION else Agency.UNION
        case.enter(Stage.MEDIATION, organiser, ("调解组织调解：达成协议、调解不成或用人单位拒绝协商",
                                                "mediation: agreement, failure or the employer refuses"))
        self.open = True
        desk = InspectionDesk.organise_mediation if organiser == Agency.INSPECTION else UnionDesk.organise_mediation
        _, window = await together(
            case.hand_over(desk, organiser, "mediation", f"组织调解 {case.number}"),
            case.clocks.start("mediation.window", responsible=organiser, on_lapse=self._window_lapsed),
        )
        await workflow.wait_condition(lambda: self.outcome is not None or until())
        self.open = False
        if self.outcome is None:
            self.outcome = MediationOutcome("arbitration", reason="劳动者申请仲裁")
            await window.withdraw("劳动者选择申请仲裁", "the worker chose arbitration")
            await self._worker_applied(organiser)
        else:
            await window.complete()
        assert self.outcome is not None
        if self.outcome.kind != "agreement":
            case.flag(CaseFlag.MAY_APPLY_ARBITRATION)
        return self.outcome

    async def _worker_applied(self, organiser: Agency) -> None:
        line = "劳动者已申请仲裁：调解系自愿（LDMA Art 5、14），调解程序结束"
        self.case.fact(line, "the worker applied for arbitration: mediation is voluntary (LDMA Art 5, 14), "
                             "so it ends")
        await self.case.record("mediation.ended_by_application", line, self.case.facts_en[-1])
        await self.case.notify(
            organiser, "mediation.worker_applied", f"【劳动者已申请仲裁】{self.case.number}",
            f"{self.case.label}的劳动者已申请劳动争议仲裁，调解程序结束（LDMA Art 5、14：调解自愿）。"
            "请确认调解进展；双方仍愿调解的，可在仲裁中由仲裁庭调解（LDMA Art 42）。",
            key=f"mediation.worker_applied:{self.case.number}")

    async def _window_lapsed(self, window: Clock) -> None:
        """No agreement within the window: the worker may apply for arbitration; mediation may go on."""
        self.case.flag(CaseFlag.MAY_APPLY_ARBITRATION)
        self.case.fact("调解期限届满未达成协议，劳动者可以申请仲裁（LDMA Art 14）",
                       "no agreement within the mediation window: the worker may apply for arbitration (LDMA Art 14)")
        self.case.wait_for(("调解继续；劳动者可以申请仲裁", "mediation goes on; the worker may apply for arbitration"))
        await self.case.record("mediation.window_lapsed", f"调解{window.period}期限届满未达成协议：劳动者可以申请仲裁",
                               f"no agreement within the mediation period of {window.period_en}: the worker may "
                               "apply for arbitration")

    def _mediating(self, _: object) -> Said | None:
        return None if self.open else ("案件不在调解阶段", "the case is not in mediation")

    def _agreeing(self, event: MediationAgreement) -> Said | None:
        return self._mediating(event) or above_claim_problem(event.amount, self.case.intake.amount_claimed,
                                                              event.above_claim_reason)

    @case_event("mediation_agreement", MediationAgreement, actors=ORGANISERS,
                title=("记录调解协议", "record a mediation agreement"), when=_agreeing)
    async def agreed(self, event: MediationAgreement) -> Said:
        self.outcome = MediationOutcome("agreement", agreement=event)
        self.case.settled(event.amount)
        return (f"已记录调解协议：金额 {event.amount} 元，履行期限 {event.performance_date}",
                f"agreement recorded: CNY {event.amount} by {event.performance_date}")

    @case_event("mediation_failed", MediationFailed, actors=ORGANISERS,
                title=("记录调解不成", "record a failed mediation"), when=_mediating)
    async def failed(self, event: MediationFailed) -> Said:
        self.outcome = MediationOutcome("failed", reason=event.reason)
        return f"已记录调解不成：{event.reason}", "mediation failure recorded"

    @case_event("employer_refuses_mediation", EmployerRefuses, actors=ORGANISERS,
                title=("记录用人单位拒绝协商", "record the employer's refusal"), when=_mediating)
    async def refused(self, event: EmployerRefuses) -> Said:
        self.outcome = MediationOutcome("refused", reason=event.reason)
        return "已记录：用人单位拒绝协商", "the employer's refusal is recorded"
