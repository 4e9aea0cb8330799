"""Coordination events a case accepts: meeting news, clearing a major flag, re-sending a notice."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.events.base import CaseEvent, Reason
from domain.meetings import MeetingStatus
from domain.models import CaseFlag

MajorFlag = Literal[CaseFlag.MALICIOUS_ARREARS, CaseFlag.GROUP, CaseFlag.MAJOR]


class MeetingNews(CaseEvent):
    """A meeting tells each case it concerns where it stands (sent by the meeting workflow)."""

    meeting_id: str = Field(pattern=r"^MTG-[A-Za-z0-9\-]+$", max_length=80)
    topic: str = Field(max_length=200)
    status: MeetingStatus
    open_actions: int = Field(default=0, ge=0)
    overdue_actions: int = Field(default=0, ge=0)


class MajorFlagClear(CaseEvent, Reason):
    """A linked unit clears a major-case flag, saying why (e.g. wages paid, no longer a group)."""

    flag: MajorFlag


class MajorNoticeRetry(CaseEvent):
    """After fixing the liaison directory, send the major-case notice to the units it missed."""
