"""Consultation meetings (协调会商) [Plan 四(二)1, 四(三)]: what a meeting is, as pydantic types.

A meeting is its own workflow (id ``MTG-…``) because it can concern several cases. Its minutes are
a document kept on disk beside it (never in a payload); the workflow only holds a reference.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from enum import StrEnum

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from domain.models import LINKED_UNITS, Agency, Strict


class MeetingKind(StrEnum):
    CASE = "case"  # 重点案件
    PROBLEM = "problem"  # 重点问题
    RISK = "risk"  # 重大隐患矛盾


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"  # suggested by a major case; the convening unit confirms or declines
    CONVENED = "convened"  # invitations sent; invitees confirm; minutes to be recorded
    AGREED = "agreed"  # minutes recorded; actions on the clock
    CLOSED = "closed"  # every action done
    CANCELLED = "cancelled"


KIND_WORDS = {
    "case": ("重点案件", "key case"),
    "problem": ("重点问题", "key problem"),
    "risk": ("重大隐患矛盾", "major hidden risk"),
}

STATUS_WORDS = {
    "proposed": ("建议召开，待召集单位确认", "proposed, awaiting the convening unit"),
    "convened": ("已召集，待形成会议纪要", "convened, minutes pending"),
    "agreed": ("已形成纪要，议定事项落实中", "minutes agreed, actions under way"),
    "closed": ("议定事项已全部落实", "all actions done"),
    "cancelled": ("已取消", "cancelled"),
}


def _linked(value: Agency) -> Agency:
    if value not in LINKED_UNITS:
        raise ValueError("只有四家联动单位参加协调会商 / only the four linked units take part")
    return value


LinkedUnit = Annotated[Agency, AfterValidator(_linked)]


class MeetingRequest(Strict):
    """What the convening unit states when it calls a meeting (or what a major case proposes)."""

    convened_by: LinkedUnit
    person: str = Field(min_length=1, max_length=50)
    topic: str = Field(min_length=2, max_length=200)
    kind: MeetingKind = MeetingKind.CASE
    cases: list[str] = Field(default_factory=list, max_length=50)
    invitees: list[LinkedUnit] = Field(default_factory=list)  # empty: the other three linked units
    held_on: date | None = None
    place: str | None = Field(default=None, max_length=200)
    proposed: bool = False
    reason: str | None = Field(default=None, max_length=500)

    def invited(self) -> list[Agency]:
        chosen = self.invitees or list(LINKED_UNITS)
        return [u for u in LINKED_UNITS if u in chosen and u != self.convened_by]

    def meeting_id(self, on: date) -> str:
        """A stable id: the same request on the same day is the same meeting."""
        digest = base64.b32encode(hashlib.sha256(self.model_dump_json().encode()).digest()).decode()[:6]
        return f"MTG-{on:%Y%m%d}-{digest}"


class ActionItem(Strict):
    """One agreed action: owned by a unit, a post and a person (到岗到人), with a due date."""

    task: str = Field(min_length=2, max_length=500)
    unit: LinkedUnit
    post: str = Field(min_length=1, max_length=50)
    person: str = Field(min_length=1, max_length=50)
    due: date


class ActionView(BaseModel):
    number: int
    task: str
    unit: Agency
    post: str
    person: str
    due: datetime
    state: str  # a clock state: running, warning, lapsed, met, met_late, cancelled
    result: str | None = None


class DocumentRef(BaseModel):
    """A document kept on disk beside a meeting: where, and its digest (to check the copy)."""

    path: str
    sha256: str
    chars: int


class MeetingView(BaseModel):
    """A meeting as its ``state`` query returns it."""

    meeting_id: str
    status: MeetingStatus
    convened_by: Agency
    topic: str
    kind: MeetingKind
    cases: list[str]
    invitees: list[Agency]
    confirmed: dict[str, str]  # unit → person
    held_on: date | None = None
    place: str | None = None
    minutes: DocumentRef | None = None
    actions: list[ActionView]
    invitations_sent: bool = False
    notify_errors: list[str]
    facts: list[str]
    facts_en: list[str] = []  # the same facts in English, one for each


class MeetingOutcome(BaseModel):
    meeting_id: str
    status: MeetingStatus
    actions: int
    met: int
    met_late: int
    minutes: DocumentRef | None = None


class MeetingSnapshot(BaseModel):
    """The registry row of a meeting, written at each recorded change (newest version wins)."""

    meeting_id: str
    version: int
    convened_by: Agency
    topic: str
    kind: MeetingKind
    status: MeetingStatus
    cases: list[str]
    invitees: list[str]
    confirmed: list[str]
    minutes_path: str | None = None
    actions_total: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    opened_at: datetime
    closed_at: datetime | None = None


class MinutesRequest(BaseModel):
    """Everything the minutes say; the activity renders and files the document."""

    meeting_id: str
    topic: str
    kind: MeetingKind
    convened_by: Agency
    convener: str
    held_on: date | None
    place: str | None
    attendees: dict[str, str]  # unit → person
    absent: list[Agency]
    cases: list[str]
    plan: str
    actions: list[ActionItem]
    recorded_at: datetime
    recorded_by: str
