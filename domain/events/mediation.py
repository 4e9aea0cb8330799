from __future__ import annotations

from datetime import date

from pydantic import Field

from domain.events.base import AboveClaim, CaseEvent, Reason, Served
from domain.models import Money


class MediationAgreement(CaseEvent, Served, AboveClaim):
    """An agreement: its terms, the amount the employer pays, and by when; ``served_on`` is the day it
    took effect and the parties received it (the windows to apply for confirmation run from it)."""

    terms: str = Field(min_length=2, max_length=2000)
    amount: Money
    performance_date: date
    wages_only: bool = False  # the wage claim mediated first [三(五)]


class MediationFailed(CaseEvent, Reason):
    pass


class EmployerRefuses(CaseEvent):
    reason: str | None = Field(default=None, max_length=1000)
