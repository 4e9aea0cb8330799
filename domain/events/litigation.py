"""A lawsuit, as the court reports it: filing, judgments and rulings, service, appeal."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from domain.arbitration import Party
from domain.events.base import CaseEvent, Mailed, Served
from domain.models import Money, _error

Procedure = Literal["simplified", "ordinary", "small_claims"]


class CourtFiling(CaseEvent):
    """The court filed the case (立案) and chose the procedure."""

    procedure: Procedure


class CourtDecision(CaseEvent, Served):
    """A judgment or a ruling (e.g. 不予受理, 驳回起诉), and whether it was served with delivery
    (on ``served_on`` if not the day it is recorded)."""

    kind: Literal["judgment", "ruling"]
    summary: str = Field(min_length=2, max_length=1000)
    amount_awarded: Money | None = None  # what the employer must pay the worker
    pay_by: date | None = None  # the performance period the judgment sets
    served: bool = True  # served on the parties now (当庭宣判并送达); else a court_served event follows

    @model_validator(mode="after")
    def _money_in_judgments(self) -> CourtDecision:
        if self.kind == "ruling" and (self.amount_awarded or self.pay_by):
            raise _error("ruling_no_money")
        if self.served_on and not self.served:
            raise _error("served_on_unserved")
        return self


class CourtService(CaseEvent, Served):
    """The judgment or ruling was served on the parties: the appeal period runs from ``served_on``."""


class CourtAppeal(CaseEvent, Mailed):
    """A party appeals; an appeal posted within the period is in time though it arrives later (CPL Art 85)."""

    appellant: Party
