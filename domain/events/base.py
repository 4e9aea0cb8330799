"""The envelope every event carries: an id (idempotency), the acting unit and person; the dates a
party's window is counted by (service, mailing)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field, model_validator

from domain.calendar import SHANGHAI, last_day
from domain.models import Actor, Strict, _error


class CaseEvent(Strict):
    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    actor: Actor
    note: str | None = Field(default=None, max_length=1000)
    # The sender's signature, checked on the raw JSON (domain.signing); never kept with the event.
    proof: dict[str, Any] | None = Field(
        default=None, exclude=True,
        description="发送单位的签名（见“Signing events”）· the sending unit's signature (see Signing events)")


class Served(Strict):
    """An event that starts a party's window: the day the document was served on (or received by)
    the party. The window runs from that day, not from when the event is recorded."""

    served_on: date | None = Field(
        default=None, description="the day the document was served or received (送达/收到之日); default: the day "
                                  "the event is recorded; not in the future, not before the case was opened")


class Mailed(Strict):
    """A filing that uses a party's window: the day it was posted. A filing posted within the period
    is in time even if it arrives after the window lapsed (CPL Art 85: 期间不包括在途时间)."""

    mailed_on: date | None = Field(
        default=None, description="the day the filing was posted (交邮之日), if it came by post; not in the future, "
                                  "not before the case was opened")


def service_moment(served_on: date | None, now: datetime) -> datetime:
    """When a window counted from ``served_on`` starts: now if served today (or no day given), else
    the start of the service day (the day itself is not counted, CPL Art 85, so any hour of it
    gives the same due date)."""
    if served_on is None or served_on >= now.astimezone(SHANGHAI).date():
        return now
    return datetime.combine(served_on, time(0, 0), SHANGHAI)


def mailed_in_time(mailed_on: date | None, due: datetime) -> bool:
    """Posted on or before the period's last day (CPL Art 85: 期满前交邮的，不算过期)."""
    return mailed_on is not None and mailed_on <= last_day(due)


# Days an event reports as past (field, 中文, English, whether it may precede the case): none may be
# later than today; a service or a mailing belongs to this case, so not before it was opened (a
# payment may have been made before the dispute reached anyone).
PAST_DAYS = (("served_on", "送达日期", "the service date", False), ("mailed_on", "邮寄日期", "the mailing date", False),
             ("paid_on", "付款日期", "the payment date", True), ("held_on", "会议日期", "the meeting date", True),
             ("received_on", "签收日期", "the receipt date", False))


def date_problem(event: CaseEvent, opened_at: datetime, now: datetime) -> tuple[str, str] | None:
    """A day the event reports as past that is later than today, or (a service, a mailing, a
    receipt) earlier than the day the case was opened."""
    today, opened = now.astimezone(SHANGHAI).date(), opened_at.astimezone(SHANGHAI).date()
    for name, zh, en, before_case in PAST_DAYS:
        day = getattr(event, name, None)
        if not isinstance(day, date):
            continue
        if day > today:
            return f"{zh} {day} 晚于今天（{today}）", f"{en} {day} is in the future (today is {today})"
        if day < opened and not before_case:
            return f"{zh} {day} 早于本案受理之日（{opened}）", f"{en} {day} is before the case was opened ({opened})"
    return None


def dates_said(event: CaseEvent, now: datetime) -> tuple[str, str]:
    """How a receipt and the event log name a service or mailing day other than the day recorded."""
    today = now.astimezone(SHANGHAI).date()
    zh, en = [], []
    for name, word, word_en in (("served_on", "送达", "served"), ("mailed_on", "邮寄", "posted")):
        day = getattr(event, name, None)
        if day is not None and day != today:
            zh.append(f"{word}日期 {day}")
            en.append(f"{word_en} {day}")
    if not zh:
        return "", ""
    return f"（{'，'.join(zh)}；登记日期 {today}）", f" ({', '.join(en)}; recorded {today})"


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
    """An applied event's receipt. The same event sent again gets the first receipt again."""

    event_id: str
    event: str
    stage: str
    message: str
    message_en: str


class EventRefusal(BaseModel):
    """Why a case refused an event (in its answer); nothing in the case changed."""

    code: Literal["unknown_event", "payload", "wrong_actor", "unauthenticated", "invalid_payload", "conflict",
                  "not_now"] = Field(
        description="checked in this order · unknown_event: no such event · payload: not exactly one JSON object · "
                    "wrong_actor: the unit may not send this event (looked at before the payload's schema) · "
                    "unauthenticated: no valid signature (proof) by a key of the unit the event names, made for "
                    "this case or meeting, this event and this event id (docs/integration.md, Signing events) · "
                    "invalid_payload: the payload breaks its schema · conflict: the event id was used before for "
                    "another event or other content (nothing applied; use a new id for a new fact) · not_now: the "
                    "case is not at a step where this event fits")
    zh: str
    en: str


class AboveClaim(Strict):
    """An amount agreed or awarded above what the case claims needs a reason (claims added or
    changed, interest and compensation found due), so a clerk's slip never passes as a fact."""

    above_claim_reason: str | None = Field(default=None, min_length=2, max_length=500)


def above_claim_problem(amount: Decimal, claimed: Decimal, reason: str | None) -> tuple[str, str] | None:
    if amount <= claimed or reason:
        return None
    return (f"金额 ¥{amount:,.2f} 高于本案请求 ¥{claimed:,.2f}：请在 above_claim_reason 写明原因（如增加请求）",
            f"CNY {amount:,.2f} is above the CNY {claimed:,.2f} claimed: give above_claim_reason (e.g. claims added)")
