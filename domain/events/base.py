"""The envelope every event carries: an id (idempotency), the acting unit and person."""

from __future__ import annotations

from typing import Literal

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


class EventRefusal(BaseModel):
    """Why a case refused an event: the details of the update's failure (ApplicationError of type
    EventRejected); nothing in the case changed."""

    code: Literal["unknown_event", "payload", "invalid_payload", "wrong_actor", "not_now"] = Field(
        description="unknown_event: no such event · payload: not exactly one JSON object · invalid_payload: the "
                    "payload breaks its schema · wrong_actor: the unit may not send this event · not_now: the "
                    "case is not at a step where this event fits")
    zh: str
    en: str
