from __future__ import annotations

from pydantic import Field

from domain.events.base import CaseEvent, Reason


class ClockEvent(CaseEvent, Reason):
    """Pause (中止, public-notice service), resume, or restart (Rules Art 46) a running clock."""

    clock: str = Field(min_length=1, description="clock key or rule id, e.g. arb.award")


class ClockExtension(ClockEvent):
    """The rule's single extension, with the approver named."""

    approver: str = Field(min_length=1, max_length=50)
    length: int | None = Field(default=None, ge=1, description="extend by this much (default: the longest the rule allows)")
