"""The envelope every event carries: an id (idempotency), the acting unit and person."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.models import Actor, Strict


class CaseEvent(Strict):
    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    actor: Actor
    note: str | None = Field(default=None, max_length=1000)


class Reason(Strict):
    """Events that end something need a reason."""

    reason: str = Field(min_length=2, max_length=1000)


class EventReceipt(BaseModel):
    """The answer to an event. A repeated event id gets the first answer again."""

    event_id: str
    event: str
    stage: str
    message: str
    message_en: str
