"""A court payment order (支付令) on an unperformed agreement (LDMA Art 16; CPL Art 225–228)."""

from __future__ import annotations

from pydantic import Field

from domain.events.base import CaseEvent, Decision, Reason


class PaymentOrderApplied(CaseEvent):
    """The worker applied to the court, with the mediation agreement, for a payment order."""

    court: str = Field(min_length=2, max_length=100)


class PaymentOrderAcceptance(Decision):
    verdict = "accepted"
    accepted: bool


class PaymentOrderIssued(CaseEvent):
    """The court issued the payment order and served it on the employer."""


class PaymentOrderObjection(CaseEvent, Reason):
    """The employer objected in writing and the court ended the payment-order procedure."""
