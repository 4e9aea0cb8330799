from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from domain.events.base import CaseEvent
from domain.models import Lawyer, _error


class LegalAidDecision(CaseEvent):
    """Legal aid's decision on a referral: grant (with the assigned lawyer) or refuse with a reason."""

    granted: bool
    lawyer: Lawyer | None = None
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _refusal_has_reason(self) -> LegalAidDecision:
        if not self.granted and not (self.reason and len(self.reason.strip()) >= 2):
            raise _error("refusal_reason")
        return self


class LawyerAssigned(CaseEvent):
    lawyer: Lawyer


class DocumentsRequested(CaseEvent):
    """The file is incomplete: one notice listing everything to supplement (LAL Art 43); the review
    period pauses until the documents are in."""

    items: list[Annotated[str, Field(min_length=2, max_length=200)]] = Field(min_length=1, max_length=30)


class DocumentsSupplied(CaseEvent):
    """The worker supplied what the notice listed: the review period counts on."""

    note: str | None = Field(default=None, max_length=1000)
