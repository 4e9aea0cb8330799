"""What workflows hand to the registry activities: plain pydantic records (no database types)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from domain.models import Actor, Agency, CaseIntake


class CaseSnapshot(BaseModel):
    """The case's current position, copied to the registry row at each recorded change."""

    stage: str
    agency: Agency | None
    tracks: list[str] = []
    flags: list[str] = []
    waiting_for: str
    waiting_for_en: str = ""  # '' in snapshots taken before it was added
    amount_recovered: Decimal = Decimal(0)
    # What an agreement or award set above the claim, with the reason the case required (AboveClaim):
    # the report measures recovery against it. None: the claim is the measure.
    amount_above_claim: Decimal | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    # Taken in workflow order; the registry keeps the highest, whatever order activities commit in.
    version: int = 0


class LedgerEntry(BaseModel):
    clock_key: str
    rule_id: str
    responsible: str | None
    started_at: datetime
    due: datetime
    provisional: bool
    state: str
    extended: bool = False
    closed_at: datetime | None = None
    note: str | None = None


class CaseChange(BaseModel):
    """One entry of the event log, with the snapshot and ledger row it leaves behind."""

    case_number: str
    key: str  # unique per case; a retried activity writes nothing twice
    at: datetime
    kind: str
    detail: str
    detail_en: str | None = None  # None in changes recorded before it was added
    actor: Actor | None = None
    snapshot: CaseSnapshot
    deadline: LedgerEntry | None = None


class CaseOpening(BaseModel):
    case_number: str
    intake: CaseIntake
    opened_at: datetime
    snapshot: CaseSnapshot


class DueRequest(BaseModel):
    """Ask for a due moment: a period of ``length`` ``unit`` (None: the rule's) from ``start``,
    or, with ``extend``, the same period made longer by the rule's one extension."""

    rule_id: str
    start: datetime
    length: int | None = None
    unit: str | None = None
    on_date: date | None = None
    extend: bool = False
    extend_by: int | None = None  # with ``extend``: a shorter extension than the rule's longest


class DueAnswer(BaseModel):
    due: datetime
    warn_at: datetime | None
    provisional: bool
    length: int  # the period counted, in ``unit``
    unit: str | None = None  # None in answers recorded before it was added: the rule's unit
    title: str
    title_en: str = ""  # '' in answers recorded before it was added
    source: str
    responsible: str
    on_lapse: str
    extendable: bool
    extension: int | None = None  # the longest extension the rule allows, in its extension unit
    granted_by: str | None = None  # a party's window: the unit that alone may pause or extend it
    period: str = ""  # the rule's period in words (15日), for the messages staff read
    period_en: str = ""
    extension_period: str = ""  # the longest extension in words, '' if none
    extension_period_en: str = ""


class RemainingRequest(BaseModel):
    """Measure what is left of a clock's current period when it is paused at ``at``."""

    rule_id: str
    at: datetime
    due: datetime
    start: datetime
    length: int | None = None
    unit: str | None = None


class Remaining(BaseModel):
    """What a paused clock has left; None when resuming computes it afresh (a date, the same day)."""

    length: int | None = None
    unit: str | None = None
    text: str = ""  # e.g. 3个工作日
    text_en: str = ""  # e.g. 3 working days ('' in answers recorded before it was added)
    # The period's due moment as re-derived with the calendar at the pause (None: not re-derived).
    due: datetime | None = None
    provisional: bool = False


class ClockBasis(BaseModel):
    """A clock's current period, to re-derive its due moment with the calendar as it is now: same
    rule, same start, same length (an extension included), same act's date."""

    key: str
    rule_id: str
    title: str
    start: datetime
    length: int | None
    unit: str | None
    on_date: date | None = None
    due: datetime
    provisional: bool
    paused_at: datetime | None = None  # a paused clock's remaining time is measured again from here
    remaining: Remaining | None = None


class ClockResolution(BaseModel):
    key: str
    due: datetime
    warn_at: datetime | None
    provisional: bool
    remaining: Remaining | None = None
    moved: bool  # the due moment, its provisional mark or a paused clock's remaining time changed
    was: str  # the due moments as shown, before and after
    now: str
    revision: int  # the calendar revision counted with (0: none loaded)


class WorkOrder(BaseModel):
    """A hand-off to an agency: an item in that agency's inbox."""

    case_number: str
    key: str
    agency: Agency
    kind: str
    title: str
    at: datetime


class NoticeResult(BaseModel):
    delivered_to: str | None  # recipient name; None when the unit has no liaison
    error: str | None = None
