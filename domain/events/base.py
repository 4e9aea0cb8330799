"""The envelope every event carries: an id (idempotency), the acting unit and person."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import BaseModel, Field, model_validator

from domain.models import Actor, Strict, _error


class CaseEvent(Strict):
    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    actor: Actor
    note: str | None = Field(default=None, max_length=1000)


class Reason(Strict):
    """Events that end something need a reason."""

    reason: str = Field(min_length=2, max_length=1000)


class Decision(CaseEvent):
    """A court's or an agency's yes or no (``verdict`` names the field); a no states its reason."""

    verdict: ClassVar[str]
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _no_states_reason(self) -> Self:
        if not getattr(self, self.verdict) and not (self.reason and len(self.reason.strip()) >= 2):
            raise _error("reason_required")
        return self


class EventReceipt(BaseModel):
    """The answer to an event. A repeated event id gets the first answer again."""

    event_id: str
    event: str
    stage: str
    message: str
    message_en: str


class EventRefusal(BaseModel):
    """Why a case refused an event: the details of the update's failure (ApplicationError of type
    EventRejected); nothing in the case changed."""

    code: Literal["unknown_event", "payload", "wrong_actor", "invalid_payload", "conflict", "not_now"] = Field(
        description="checked in this order · unknown_event: no such event · payload: not exactly one JSON object · "
                    "wrong_actor: the unit may not send this event (looked at before the payload's schema) · "
                    "invalid_payload: the payload breaks its schema · conflict: the event id was used before for "
                    "another event or other content (nothing applied; use a new id for a new fact) · not_now: the "
                    "case is not at a step where this event fits")
    zh: str
    en: str
