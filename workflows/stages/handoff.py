"""How a stage ends: the outcome in words, and where the case goes next (None: it closes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Next = Literal["payment_order", "litigation", "arbitration"]


@dataclass(frozen=True)
class StageEnd:
    outcome: str
    outcome_en: str
    next: Next | None = None
    owed: Decimal = Decimal(0)  # what the employer still owes the worker
