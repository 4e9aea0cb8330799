"""The case registry's tables (sqlmodel). Only activities, the CLI and reports touch these;
workflows never import this module (sdk-python#646)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


def _money() -> Column:  # type: ignore[type-arg]
    return Column(Numeric(14, 2), nullable=False, default=0)


class CaseRecord(SQLModel, table=True):
    __tablename__ = "cases"

    case_number: str = Field(primary_key=True, max_length=40)
    channel: str = Field(index=True)
    district: str = Field(index=True)
    employer_name: str
    employer_credit_code: str
    stage: str = Field(index=True)
    agency: str | None = Field(default=None, index=True)
    tracks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    worker_count: int
    amount_claimed: Decimal = Field(sa_column=_money())
    amount_recovered: Decimal = Field(default=Decimal(0), sa_column=_money())
    # Set by an agreement or award above the claim (with its reason): recovery is measured against it.
    amount_above_claim: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    waiting_for: str | None = None
    waiting_for_en: str | None = None
    next_deadline: datetime | None = None
    next_deadline_provisional: bool = False  # computed past the holiday data
    overdue: bool = Field(default=False, index=True)
    outcome: str | None = None
    opened_at: datetime = Field(index=True)
    closed_at: datetime | None = Field(default=None, index=True)
    stage_entered_at: datetime | None = None
    snapshot_version: int = 0  # of the snapshot the row shows: an older one arriving late is ignored


class PartyRecord(SQLModel, table=True):
    """A case's party. ``identifier`` and ``phone`` are stored sealed (registry/sealing.py); the
    registry's reads return them in clear."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("case_number", "role", "identifier_hash", name="uq_parties_person"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True, foreign_key="cases.case_number")
    role: str  # claimant | employer
    name: str
    identifier: str  # ID number or credit code
    identifier_hash: str = Field(index=True)  # keyed: finds a person's cases without opening every row
    phone: str | None = None
    migrant_worker: bool = False


class ClaimRecord(SQLModel, table=True):
    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("case_number", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True, foreign_key="cases.case_number")
    position: int
    type: str
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))


class EventRecord(SQLModel, table=True):
    """The event log: every state change of a case — what, who, when."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_number", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True)
    key: str  # unique per case: makes a retried activity write once
    at: datetime = Field(index=True)
    # The case's own order of its changes (its snapshot version): entries of one moment, written
    # at once, read back in the order the case made them. 0: a writer that does not count.
    seq: int = 0
    kind: str
    stage: str
    actor_unit: str | None = None
    actor_person: str | None = None
    detail: str
    detail_en: str | None = None  # NULL in entries written before it was added


class DeadlineRecord(SQLModel, table=True):
    """The deadline ledger: one row per clock, updated at each transition."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("case_number", "clock_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True)
    clock_key: str
    rule_id: str = Field(index=True)
    responsible: str | None = Field(default=None, index=True)
    started_at: datetime
    due: datetime = Field(index=True)
    provisional: bool = False
    state: str = Field(index=True)
    extended: bool = False
    closed_at: datetime | None = None
    note: str | None = None


class NotificationRecord(SQLModel, table=True):
    """The notification outbox: recipients resolved from the liaison directory at send time."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(index=True)  # case number or meeting id
    key: str
    unit: str = Field(index=True)
    kind: str
    recipient: str
    recipient_phone: str | None = None  # sealed like a party's phone
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None = None


class WorkItem(SQLModel, table=True):
    """An agency's inbox: what the case handed to the agency and whether it was taken up."""

    __tablename__ = "work_items"
    __table_args__ = (UniqueConstraint("case_number", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_number: str = Field(index=True)
    key: str
    agency: str = Field(index=True)
    kind: str
    title: str
    created_at: datetime
    done_at: datetime | None = None


class Liaison(SQLModel, table=True):
    """The liaison directory (annex 联络信息表): a unit's department, head and liaison."""

    __tablename__ = "liaisons"

    unit: str = Field(primary_key=True)
    unit_name: str
    department: str
    head_name: str | None = None
    head_phone: str | None = None
    liaison_name: str | None = None
    liaison_phone: str | None = None
    landline: str | None = None
    updated_at: datetime


class LiaisonChange(SQLModel, table=True):
    __tablename__ = "liaison_changes"

    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(index=True)
    at: datetime
    by: str
    field: str
    old: str | None = None
    new: str | None = None


class MeetingRecord(SQLModel, table=True):
    """A consultation meeting (协调会商): its event log, ledger rows and notices use its id as scope."""

    __tablename__ = "meetings"

    meeting_id: str = Field(primary_key=True, max_length=60)
    version: int = 0  # the workflow's change counter: an older write never overwrites a newer one
    convened_by: str = Field(index=True)
    topic: str
    kind: str
    status: str = Field(index=True)
    cases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    invitees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confirmed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    minutes_path: str | None = None
    actions_total: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    opened_at: datetime = Field(index=True)
    closed_at: datetime | None = None


class CalendarRevision(SQLModel, table=True):
    """A year's holiday notice as loaded (`weiquan calendar load`): the newest revision of a year is
    the calendar every clock counts with. Rows are never changed; a correction is a new revision."""

    __tablename__ = "calendar_revisions"

    id: int | None = Field(default=None, primary_key=True)  # the revision number
    year: int = Field(index=True)
    notice: str = ""
    holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # ISO dates
    workdays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str  # the file it was loaded from
    loaded_at: datetime
