"""Events of the arbitration track [Plan 三(五)]: the commission's acts (actor arbitration), the
parties' acts (sent by legal aid, the union or the window, or recorded by arbitration) and the
court's (set-aside rulings)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from domain.arbitration import AwardItem, LocalMoment, Name, Party, Tribunal
from domain.events.base import AboveClaim, CaseEvent, Mailed, Reason, Served
from domain.models import Claim, Money, _error


class ArbitrationApplication(CaseEvent):
    """The worker applies for arbitration. Without ``claims`` the intake's claims are arbitrated."""

    claims: list[Claim] | None = Field(default=None, min_length=1)
    representatives: list[Name] = Field(default_factory=list, max_length=5)


class ArbitrationFiled(CaseEvent):
    """The commission files (受理/立案) the application."""


class ArbitrationRefused(CaseEvent, Reason):
    """The commission refuses the application (不予受理), with its reasons (LDMA Art 29)."""


class Representatives(CaseEvent):
    """A collective dispute's elected representatives (LDMA Art 7; Rules Art 5 ◐: three to five)."""

    names: list[Name] = Field(min_length=1, max_length=5)


class OneTimeNotice(CaseEvent):
    """The one notice of everything: tribunal, defence, evidence, hearing [Plan 三(五)]."""

    tribunal: Tribunal
    evidence_until: date
    hearing_at: LocalMoment
    hearing_place: str = Field(min_length=2, max_length=200)

    @model_validator(mode="after")
    def _evidence_before_hearing(self) -> OneTimeNotice:
        if self.evidence_until > self.hearing_at.date():
            raise _error("evidence_after_hearing")
        return self


class CopyServed(CaseEvent, Served):
    """The application copy was served on the employer; the defence period runs from that day (LDMA Art 30)."""


class DefenceFiled(CaseEvent, Mailed):
    """The employer filed its defence (recorded by arbitration); posted within the period, it is in time."""


class PostponementRequest(CaseEvent, Reason):
    """A party asks to postpone the hearing (LDMA Art 35: at least 3 days before it)."""

    party: Party


class HearingChanged(CaseEvent, Reason):
    """The commission sets a new hearing date or place (postponement granted, rescheduling)."""

    hearing_at: LocalMoment
    hearing_place: str = Field(min_length=2, max_length=200)


class AwardClockRestart(CaseEvent, Reason):
    """Rules Art 46 ◐: the award period counts again from this event."""

    cause: Literal["party_added", "application_corrected", "claims_changed", "counterclaim", "transfer"]
    added_claims: list[Claim] = Field(default_factory=list)


class Suspension(CaseEvent, Reason):
    """Rules Art 46 ◐: the award period stops during suspension (中止) and service by public notice."""

    cause: Literal["suspension", "public_notice"]


class Resumption(CaseEvent, Reason):
    pass


class AwardExtension(CaseEvent, Reason):
    """The single extension of up to the rule's length (15 days), approved by the commission's chair (LDMA Art 43)."""

    approver: Name
    length: int | None = Field(default=None, ge=1, description="days (default: the longest the rule allows)")


class WageMediation(CaseEvent):
    """Wages mixed with other claims: the wage part is mediated first [Plan 三(五)]."""

    terms: str = Field(min_length=2, max_length=2000)
    amount: Money
    performance_date: date


class AwardItems(CaseEvent):
    """A partial award (先行裁决, LDMA Art 43) or an advance-execution ruling (先予执行, LDMA Art 44)."""

    items: list[AwardItem] = Field(min_length=1)


class EvidenceRequest(CaseEvent, Reason):
    """The worker asks the commission to collect evidence it cannot collect for objective reasons."""

    evidence: str = Field(min_length=2, max_length=1000)


class EvidenceCollected(CaseEvent):
    obtained: bool
    result: str = Field(min_length=2, max_length=1000)


class Award(CaseEvent, Served, AboveClaim):
    """The award, item by item; ``served_to`` lists the parties served when it was announced (on
    ``served_on``, default the day the award is recorded)."""

    items: list[AwardItem] = Field(min_length=1)
    served_to: list[Party] = Field(default_factory=list, max_length=2)
    performance_date: date | None = None

    @model_validator(mode="after")
    def _served_on_needs_service(self) -> Award:
        if self.served_on and not self.served_to:
            raise _error("served_on_unserved")
        return self


class AwardServed(CaseEvent, Served):
    """The award was served on a party: its windows to sue or set aside run from ``served_on``."""

    party: Party


class LawsuitFiled(CaseEvent, Mailed):
    """A party sues in court (against the award, or because the commission was silent or late); a
    complaint posted within the window is in time though it arrives later (CPL Art 85)."""

    party: Party
    court: str | None = Field(default=None, max_length=100)


class SetAsideApplied(CaseEvent, Mailed):
    """The employer applies to the intermediate court to set a final award aside (LDMA Art 49)."""

    court: str | None = Field(default=None, max_length=100)


class SetAsideRuling(CaseEvent, Reason, Served):
    """The court's ruling on the set-aside; once set aside, the parties' 15 days to sue run from its
    service (``served_on``)."""

    set_aside: bool


class AwardPerformed(CaseEvent):
    amount: Money


class EnforcementApplied(CaseEvent):
    court: str | None = Field(default=None, max_length=100)


class CaseWithdrawn(CaseEvent, Reason):
    """The worker does not apply for arbitration, or withdraws the application before the award."""
