"""Events a consultation meeting accepts (updates and signals to the MTG-… workflow)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from domain.events.base import CaseEvent, Reason
from domain.meetings import ActionItem, LinkedUnit


class MeetingConvene(CaseEvent):
    """The convening unit confirms a proposed meeting: when, where, and whom it invites."""

    held_on: date | None = None
    place: str | None = Field(default=None, max_length=200)
    invitees: list[LinkedUnit] = Field(default_factory=list)  # empty: keep the proposal's


class MeetingConfirm(CaseEvent):
    """An invited unit confirms it takes part (the actor's person attends)."""


class MeetingMinutes(CaseEvent):
    """The agreed plan (会议纪要) and its actions, each owned by a unit, a post and a person."""

    plan: str = Field(min_length=2, max_length=4000)
    actions: list[ActionItem] = Field(min_length=1, max_length=30)


class ActionDone(CaseEvent):
    """The owning unit reports an action done, with what was done."""

    action: int = Field(ge=1, description="the action's number in the minutes, from 1")
    result: str = Field(min_length=2, max_length=1000)


class MeetingCancel(CaseEvent, Reason):
    """The convening unit declines a proposal or calls a meeting off before minutes."""
