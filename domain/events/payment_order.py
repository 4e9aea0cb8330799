"""A court payment order (支付令) on an unperformed agreement (LDMA Art 16; CPL Art 225–228)."""

from __future__ import annotations

from pydantic import Field

from domain.events.base import CaseEvent, Decision, Mailed, Reason, Served


class PaymentOrderApplied(CaseEvent):
    """The worker applied to the court, with the mediation agreement, for a payment order."""

    court: str = Field(min_length=2, max_length=100)


class PaymentOrderAcceptance(Decision):
    verdict = "accepted"
    accepted: bool


class PaymentOrderIssued(CaseEvent, Served):
    """The court issued the payment order and served it on the employer (on ``served_on``): the 15
    days to pay or object run from that day (CPL Art 227)."""


class PaymentOrderObjection(CaseEvent, Reason, Mailed):
    """The employer objected in writing and the court ended the payment-order procedure; an objection
    posted within the 15 days is in time though it arrives later (CPL Art 85)."""
