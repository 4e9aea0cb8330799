"""The employer pays what it owes, or the worker asks the court to enforce it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from domain.events.base import CaseEvent
from domain.models import Money


class PaymentReceived(CaseEvent):
    """Money the employer paid the worker under the agreement, order or judgment now in force."""

    amount: Money = Field(gt=Decimal(0))
    paid_on: date | None = None


class EnforcementRequested(CaseEvent):
    """The worker applied to the court to enforce a confirmed agreement, a payment order or a
    judgment (an arbitral award's enforcement is the award's own event, enforcement_applied)."""

    court: str | None = Field(default=None, min_length=2, max_length=100)
