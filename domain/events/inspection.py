"""Events of labour inspection: complaints and leads, acceptance, investigation and its outcomes,
payment, the malicious-arrears transfer to the police, and evidence help [Plan 三(二), 三(四), 三(五)]."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from domain.events.base import CaseEvent, Reason
from domain.models import Money, PastDate, _error

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class InspectionComplaint(CaseEvent):
    """A worker's complaint taken by inspection (or at the joint window), or a proactive inspection."""

    source: Literal["complaint", "proactive"] = "complaint"
    matters: str = Field(min_length=2, max_length=2000)
    violation_ended: PastDate | None = None  # when not given: worked out from the intake's claims


class InspectionLead(CaseEvent):
    """A violation legal aid or the union found: the worker's complaint passed on, or a lead."""

    kind: Literal["complaint", "lead"]
    matters: str = Field(min_length=2, max_length=2000)
    violation_ended: PastDate | None = None


class ComplaintAccepted(CaseEvent):
    """Accepted and opened the same day (受理之日立案)."""

    file_number: str | None = Field(default=None, max_length=50)


class ComplaintRefused(CaseEvent):
    """A written refusal. Incomplete: one notice listing everything to supplement."""

    ground: Literal["limitation", "wrong_office", "incomplete"]
    competent_office: str | None = Field(default=None, max_length=100)
    missing: list[Item] = Field(default_factory=list, max_length=50)
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _grounds_complete(self) -> ComplaintRefused:
        if self.ground == "wrong_office" and not self.competent_office:
            raise _error("competent_office_required")
        if self.ground == "incomplete" and not self.missing:
            raise _error("missing_items_required")
        if self.ground == "limitation" and not (self.reason and len(self.reason) >= 2):
            raise _error("reason_required")
        return self


class NegotiationResult(CaseEvent):
    """Inspection's own attempt at negotiation: settled, failed, or the employer refuses."""

    result: Literal["settled", "failed", "refused"]
    reason: str | None = Field(default=None, max_length=1000)


DECISIONS = {
    "order_to_pay": ("责令限期支付", "order to pay by a date"),
    "order_to_correct": ("责令限期改正", "order to correct by a date"),
    "penalty": ("行政处罚", "administrative penalty"),
    "closed_corrected": ("已改正结案", "closed after correction"),
    "hand_over": ("移交仲裁或诉讼", "hand-over to arbitration or a lawsuit"),
}


class InspectionDecision(CaseEvent):
    """The investigation's outcome (LSIR Art 18, 26)."""

    kind: Literal["order_to_pay", "order_to_correct", "penalty", "closed_corrected", "hand_over"]
    amount: Money | None = None  # order_to_pay: what to pay; penalty: the fine
    by: date | None = None  # orders: the date set in the order
    matters: str | None = Field(default=None, max_length=2000)  # order_to_correct, penalty
    to: Literal["arbitration", "lawsuit"] | None = None  # hand_over
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _terms_complete(self) -> InspectionDecision:
        if self.kind == "order_to_pay" and not (self.amount and self.by):
            raise _error("order_to_pay_terms")
        if self.kind == "order_to_correct" and not (self.matters and self.by):
            raise _error("order_to_correct_terms")
        if self.kind == "penalty" and not (self.amount and self.matters):
            raise _error("penalty_terms")
        if self.kind == "hand_over" and not (self.to and self.reason):
            raise _error("hand_over_terms")
        return self


class WagesPaid(CaseEvent):
    """The employer paid (all or part). Paying what was ordered closes the transfer path."""

    amount: Money = Field(gt=0)


SUMMONS_METHODS = {
    "signed_receipt": "直接送达并由用人单位签收",
    "postal_receipt": "邮寄送达并取得回执",
    "electronic_receipt": "电子送达并取得送达回证",
    "posted_and_recorded": "行为人逃匿：张贴于住所地或生产经营场所并拍照录像记录",
}


class SummonsServed(CaseEvent):
    """The order to pay was served, or posted and recorded, in a way that proves receipt
    (法释〔2013〕3号 Art 4)."""

    method: Literal["signed_receipt", "postal_receipt", "electronic_receipt", "posted_and_recorded"]
    received_on: PastDate


class TransferDecision(CaseEvent):
    """The inspection agency head's decision on transfer to the police."""

    approved: bool
    approver: str = Field(min_length=1, max_length=50)
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _refusal_has_reason(self) -> TransferDecision:
        if not self.approved and not (self.reason and len(self.reason) >= 2):
            raise _error("reason_required")
        return self


class TransferSent(CaseEvent):
    police_unit: str = Field(min_length=2, max_length=100)


class PoliceAnswer(CaseEvent):
    """The police's decision on the transfer, as inspection received it."""

    filed: bool
    reason: str | None = Field(default=None, max_length=1000)


EVIDENCE_RESULTS = {
    "obtained": ("已全部调取", "obtained"),
    "partly": ("部分调取", "partly obtained"),
    "refused_by_employer": ("用人单位拒不提供", "refused by the employer"),
    "not_found": ("未查找到相关证据", "not found"),
    "withdrawn": ("请求已撤回", "withdrawn"),
}

HOLDERS = {"employer": "用人单位", "project_lead": "项目负责人"}


class EvidenceRequest(CaseEvent):
    """Legal aid, a union platform or the arbitration commission cannot get evidence and asks inspection."""

    items: list[Item] = Field(min_length=1, max_length=30)
    holder: Literal["employer", "project_lead"] = "employer"
    reason: str = Field(min_length=2, max_length=1000)  # why the requester cannot obtain it


class EvidenceResult(CaseEvent):
    """Inspection's coded answer to one request."""

    request: int = Field(ge=1)
    result: Literal["obtained", "partly", "refused_by_employer", "not_found"]
    obtained: list[Item] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _obtained_listed(self) -> EvidenceResult:
        if self.result in ("obtained", "partly") and not self.obtained:
            raise _error("obtained_items_required")
        return self


class EvidenceWithdrawn(CaseEvent, Reason):
    request: int = Field(ge=1)
