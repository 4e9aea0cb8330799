"""The registry: what activities write and what the CLI and reports read.

Every write is idempotent — keyed by (case, key) — because activities are retried.
"""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case as sa_case
from sqlalchemy import event, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, create_engine, select

from domain import identity
from domain.meetings import MeetingSnapshot
from domain.models import LINKED_UNITS, Agency, Notice
from domain.records import CaseChange, CaseOpening, LedgerEntry, WorkOrder
from registry import migrate
from registry.errors import NoLiaison, NoParty
from registry.grants import grant_workers
from registry.sealing import FieldSealer, seal_in_place
from registry.tables import (
    CaseRecord,
    ClaimRecord,
    DeadlineRecord,
    EventRecord,
    Liaison,
    LiaisonChange,
    MeetingRecord,
    NotificationRecord,
    PartyRecord,
    WorkItem,
)
from workers.codec import load_keyring

DEFAULT_URL = "sqlite:///.weiquan/registry.db"
# The tables record_change writes with plain statements.
CASES, EVENTS, DEADLINES = CaseRecord.__table__, EventRecord.__table__, DeadlineRecord.__table__  # type: ignore[attr-defined]
OPEN_CLOCK_STATES = ("running", "warning", "lapsed")


def database_url() -> str:
    return os.environ.get("WEIQUAN_DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error's text never quotes row values (names, ID numbers) into a log.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """Times are stored in UTC (sqlmodel's UTCDateTime needs aware values)."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Registry:
    def __init__(self, engine: Engine | None = None, fields: FieldSealer | None = None) -> None:
        self.engine = engine or make_engine()
        # ID numbers and phones are sealed with the payload keys (registry/sealing.py).
        self.fields = fields or FieldSealer(load_keyring())
        # SQLite takes one writer at a time and makes the others sleep-and-retry (up to 100 ms a
        # try); queueing this process's writers on a lock instead measured faster (bench/run.py).
        self._write_lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    def create_all(self) -> None:
        """Tables straight from the models (tests, for speed); start-ups use upgrade()."""
        SQLModel.metadata.create_all(self.engine)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (registry/migrations), seal what is still in
        clear (rows written before keys were configured) and, run by the tables' owner on
        PostgreSQL, grant the workers' users their rights (registry/grants.py); what every start-up
        does."""
        def then(conn: Connection) -> None:
            seal_in_place(conn, self.fields)
            grant_workers(conn)
        migrate.upgrade(self.engine, then=then)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        if self._write_lock is None:
            with self.session() as s:
                yield s
            return
        with self._write_lock, self.session() as s:
            # Take SQLite's write lock before the first read: a read-then-write transaction that
            # another process wrote under since would fail at once (SQLITE_BUSY_SNAPSHOT) instead
            # of waiting its turn; this one waits (the busy timeout) and then sees the latest rows.
            s.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield s

    # ---- cases -------------------------------------------------------------------------------

    def register_case(self, opening: CaseOpening) -> bool:
        """Insert the case, its parties and claims once. Returns False when already registered."""
        intake = opening.intake
        with self.writing() as s:
            if s.get(CaseRecord, opening.case_number):
                return False
            snap = opening.snapshot
            s.add(
                CaseRecord(
                    case_number=opening.case_number,
                    channel=intake.channel.value,
                    district=intake.district,
                    employer_name=intake.employer.name,
                    employer_credit_code=intake.employer.credit_code,
                    stage=snap.stage,
                    agency=snap.agency.value if snap.agency else None,
                    tracks=snap.tracks,
                    flags=snap.flags,
                    worker_count=len(intake.claimants),
                    amount_claimed=intake.amount_claimed,
                    waiting_for=snap.waiting_for,
                    waiting_for_en=snap.waiting_for_en or None,
                    opened_at=_utc(opening.opened_at),
                    stage_entered_at=_utc(opening.opened_at),
                    snapshot_version=snap.version,
                )
            )
            s.flush()
            s.add(
                PartyRecord(
                    case_number=opening.case_number,
                    role="employer",
                    name=intake.employer.name,
                    identifier=self.fields.seal(intake.employer.credit_code, "parties.identifier"),
                    identifier_hash=self.fields.lookup(intake.employer.credit_code),
                    phone=self.fields.seal(intake.employer.contact_phone, "parties.phone"),
                )
            )
            s.add_all(
                PartyRecord(
                    case_number=opening.case_number,
                    role="claimant",
                    name=c.name,
                    identifier=self.fields.seal(c.id_number, "parties.identifier"),
                    identifier_hash=self.fields.lookup(c.id_number),
                    phone=self.fields.seal(c.phone, "parties.phone"),
                    migrant_worker=c.migrant_worker,
                )
                for c in intake.claimants
            )
            s.add_all(
                ClaimRecord(case_number=opening.case_number, position=i, type=c.type.value, amount=c.amount)
                for i, c in enumerate(intake.claims)
            )
            try:
                s.commit()
            except IntegrityError:  # a concurrent retry got there first
                s.rollback()
                return False
        return True

    def record_change(self, change: CaseChange) -> bool:
        """Append to the event log, refresh the case row, upsert the ledger row — once per key.
        Plain table statements, not ORM objects: this is the write every step of every case makes."""
        actor = change.actor
        with self.writing() as s:
            logged = s.execute(self._insert(EVENTS).on_conflict_do_nothing(index_elements=["case_number", "key"])
                               .returning(EVENTS.c.id).values(
                case_number=change.case_number, key=change.key, at=_utc(change.at), seq=change.snapshot.version,
                kind=change.kind,
                stage=change.snapshot.stage, actor_unit=actor.unit.value if actor else None,
                actor_person=actor.person if actor else None, detail=change.detail,
                detail_en=change.detail_en))
            if logged.first() is None:  # the key was there: a retried write
                return False
            if change.deadline:
                self._upsert_deadline(s, change.case_number, change.deadline)
            self._apply_snapshot(s, change)
            s.commit()
        return True

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT, in the registry's dialect (SQLite or PostgreSQL)."""
        return (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(table)

    def _apply_snapshot(self, s: Session, change: CaseChange) -> None:
        where = CASES.c.case_number == change.case_number
        # PostgreSQL: lock the row first, so two writers of one case apply their snapshots and
        # derive the deadline summary one after the other (no lost update).
        if s.execute(sa_select(CASES.c.case_number).where(where).with_for_update()).first() is None:
            return
        snap = change.snapshot
        # Two records of one case may run at once (an event's and the run's own); the later
        # snapshot wins even when it commits first. Version 0: a writer that does not count.
        newer = where if not snap.version else where & (CASES.c.snapshot_version < snap.version)
        s.execute(update(CASES).where(newer).values(
            stage_entered_at=sa_case((CASES.c.stage != snap.stage, _utc(change.at)), else_=CASES.c.stage_entered_at),
            stage=snap.stage, agency=snap.agency.value if snap.agency else None, tracks=list(snap.tracks),
            flags=list(snap.flags), waiting_for=snap.waiting_for, waiting_for_en=snap.waiting_for_en or None,
            amount_recovered=snap.amount_recovered, amount_above_claim=snap.amount_above_claim, outcome=snap.outcome, closed_at=_utc(snap.closed_at),
            **({"snapshot_version": snap.version} if snap.version else {})))
        if change.deadline is None:  # the ledger did not change, nor does its summary
            return
        # The row's deadline summary is derived from the ledger, the one place clocks are kept.
        open_rows = s.execute(sa_select(DEADLINES.c.due, DEADLINES.c.provisional, DEADLINES.c.state).where(
            DEADLINES.c.case_number == change.case_number, DEADLINES.c.state.in_(OPEN_CLOCK_STATES))).all()
        running = sorted((r for r in open_rows if r.state != "lapsed"), key=lambda r: r.due)
        s.execute(update(CASES).where(where).values(
            next_deadline=running[0].due if running else None,
            next_deadline_provisional=bool(running) and running[0].provisional,
            overdue=any(r.state == "lapsed" for r in open_rows)))

    def _upsert_deadline(self, s: Session, case_number: str, entry: LedgerEntry) -> None:
        """The ledger row mirrors the entry field for field (times stored in UTC)."""
        row = {name: _utc(value) if isinstance(value, datetime) else value
               for name, value in entry.model_dump().items()}
        insert = self._insert(DEADLINES).values(case_number=case_number, **row)
        s.execute(insert.on_conflict_do_update(index_elements=["case_number", "clock_key"], set_=row))

    # ---- agencies' inboxes and the outbox ----------------------------------------------------

    def open_work_item(self, order: WorkOrder) -> bool:
        with self.writing() as s:
            if s.exec(select(WorkItem.id).where(WorkItem.case_number == order.case_number,
                                                WorkItem.key == order.key)).first():
                return False
            s.add(WorkItem(case_number=order.case_number, key=order.key, agency=order.agency.value,
                           kind=order.kind, title=order.title, created_at=_utc(order.at)))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
        return True

    def queue_notice(self, notice: Notice, at: datetime | None = None) -> NotificationRecord:
        """Put a notice in the outbox, addressed from the directory as it is now.

        Raises NoLiaison when the unit (or its head, for an escalation) is not in the directory.
        """
        with self.writing() as s:
            existing = s.exec(select(NotificationRecord).where(
                NotificationRecord.scope == notice.case_number, NotificationRecord.key == notice.key)).first()
            if existing:
                return existing
            liaison = s.get(Liaison, notice.unit.value)
            name = (liaison.head_name if notice.to_head else liaison.liaison_name) if liaison else None
            if liaison is None or not name:
                raise NoLiaison(notice.unit.value)
            phone = (liaison.head_phone if notice.to_head else liaison.liaison_phone) or liaison.landline
            row = NotificationRecord(scope=notice.case_number, key=notice.key, unit=notice.unit.value,
                                     kind=notice.kind, recipient=name,
                                     recipient_phone=self.fields.seal(phone, "notifications.recipient_phone"),
                                     subject=notice.subject, body=notice.body, created_at=_utc(at or _now()))
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return self.queue_notice(notice, at)
        return self._open_notices([row])[0]

    def queue_party_notice(self, notice: Notice, at: datetime | None = None) -> list[NotificationRecord]:
        """Put a notice to the case's parties of ``notice.party`` in the outbox: one row per party,
        addressed from the parties table as it is now. Raises NoParty when there is none."""
        with self.session() as s:
            parties = self._open_parties(s.exec(select(PartyRecord).where(
                PartyRecord.case_number == notice.case_number, PartyRecord.role == notice.party)
                .order_by(PartyRecord.id)).all())
            if not parties:
                raise NoParty(f"{notice.case_number}:{notice.party}")
            keys = [f"{notice.key}:{notice.party}:{i}" for i in range(len(parties))]
            known = {row.key: row for row in s.exec(select(NotificationRecord).where(
                NotificationRecord.scope == notice.case_number, col(NotificationRecord.key).in_(keys)))}
            rows = [known.get(key) or NotificationRecord(
                scope=notice.case_number, key=key, unit=notice.unit.value, kind=notice.kind, recipient=party.name,
                recipient_phone=self.fields.seal(party.phone, "notifications.recipient_phone"), subject=notice.subject,
                body=notice.body, created_at=_utc(at or _now()))
                for key, party in zip(keys, parties, strict=True)]
            s.add_all(row for row in rows if row.key not in known)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return self.queue_party_notice(notice, at)
        return self._open_notices(rows)

    def pending_notifications(self, limit: int = 100) -> Sequence[NotificationRecord]:
        with self.session() as s:
            return self._open_notices(s.exec(select(NotificationRecord).where(col(NotificationRecord.sent_at).is_(None))
                                      .order_by(NotificationRecord.id).limit(limit)).all())

    def mark_sent(self, ids: Sequence[int]) -> None:
        with self.session() as s:
            for row in s.exec(select(NotificationRecord).where(col(NotificationRecord.id).in_(ids))):
                row.sent_at = _utc(_now())
                s.add(row)
            s.commit()

    # ---- consultation meetings ---------------------------------------------------------------

    def save_meeting(self, snap: MeetingSnapshot) -> bool:
        """Upsert a meeting's row; a write older than the stored version is ignored."""
        with self.session() as s:
            row = s.get(MeetingRecord, snap.meeting_id)
            if row is not None and row.version > snap.version:
                return False
            values = snap.model_dump(mode="python")
            values.update(convened_by=snap.convened_by.value, kind=snap.kind.value, status=snap.status.value,
                          opened_at=_utc(snap.opened_at), closed_at=_utc(snap.closed_at))
            row = row or MeetingRecord(**values)
            for name, value in values.items():
                setattr(row, name, value)
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # a concurrent first write
                s.rollback()
                return self.save_meeting(snap)
        return True

    def meeting(self, meeting_id: str) -> MeetingRecord | None:
        with self.session() as s:
            return s.get(MeetingRecord, meeting_id)

    def meetings(self, *, open_only: bool = False, case_number: str | None = None) -> Sequence[MeetingRecord]:
        query = select(MeetingRecord)
        if open_only:
            query = query.where(col(MeetingRecord.status).in_(("proposed", "convened", "agreed")))
        with self.session() as s:
            rows = s.exec(query.order_by(col(MeetingRecord.opened_at).desc())).all()
        return [r for r in rows if case_number is None or case_number in r.cases]

    # ---- reading -----------------------------------------------------------------------------

    def case(self, case_number: str) -> CaseRecord | None:
        with self.session() as s:
            return s.get(CaseRecord, case_number)

    def cases(self, *, stage: str | None = None, agency: str | None = None, overdue: bool | None = None,
              district: str | None = None, person: str | None = None, limit: int = 200) -> Sequence[CaseRecord]:
        """Cases by filter; ``person`` is an ID number or credit code, found by its keyed hash."""
        query = select(CaseRecord)
        if person:
            hashes = self.fields.lookups(person)
            query = query.where(col(CaseRecord.case_number).in_(
                select(PartyRecord.case_number).where(col(PartyRecord.identifier_hash).in_(hashes))))
        if stage:
            query = query.where(CaseRecord.stage == stage)
        if agency:
            query = query.where(CaseRecord.agency == agency)
        if overdue is not None:
            query = query.where(CaseRecord.overdue == overdue)
        if district:
            query = query.where(CaseRecord.district == district)
        with self.session() as s:
            return s.exec(query.order_by(col(CaseRecord.opened_at).desc()).limit(limit)).all()

    def events(self, case_number: str) -> Sequence[EventRecord]:
        with self.session() as s:
            return s.exec(select(EventRecord).where(EventRecord.case_number == case_number)
                          .order_by(EventRecord.at, EventRecord.seq, EventRecord.id)).all()

    def parties(self, case_number: str) -> Sequence[PartyRecord]:
        with self.session() as s:
            return self._open_parties(s.exec(select(PartyRecord).where(PartyRecord.case_number == case_number)
                                      .order_by(PartyRecord.id)).all())

    def deadlines(self, case_number: str) -> Sequence[DeadlineRecord]:
        with self.session() as s:
            return s.exec(select(DeadlineRecord).where(DeadlineRecord.case_number == case_number)
                          .order_by(DeadlineRecord.started_at, DeadlineRecord.id)).all()

    def notifications(self, scope: str | None = None) -> Sequence[NotificationRecord]:
        query = select(NotificationRecord)
        if scope:
            query = query.where(NotificationRecord.scope == scope)
        with self.session() as s:
            return self._open_notices(s.exec(query.order_by(NotificationRecord.id)).all())

    # Rows come back with their sealed fields opened; they are detached copies, never written back.
    def _open_parties(self, rows: Sequence[PartyRecord]) -> list[PartyRecord]:
        return [PartyRecord.model_validate({**r.model_dump(),
                                            "identifier": self.fields.open(r.identifier, "parties.identifier"),
                                            "phone": self.fields.open(r.phone, "parties.phone")}) for r in rows]

    def _open_notices(self, rows: Sequence[NotificationRecord]) -> list[NotificationRecord]:
        return [NotificationRecord.model_validate({**r.model_dump(), "recipient_phone": self.fields.open(
            r.recipient_phone, "notifications.recipient_phone")}) for r in rows]

    def work_items(self, agency: str | None = None, case_number: str | None = None) -> Sequence[WorkItem]:
        query = select(WorkItem)
        if agency:
            query = query.where(WorkItem.agency == agency)
        if case_number:
            query = query.where(WorkItem.case_number == case_number)
        with self.session() as s:
            return s.exec(query.order_by(WorkItem.id)).all()

    # ---- liaison directory -------------------------------------------------------------------

    def liaisons(self) -> Sequence[Liaison]:
        with self.session() as s:
            return s.exec(select(Liaison).order_by(Liaison.unit)).all()

    def set_liaison(self, unit: Agency, changes: dict[str, str | None], by: str,
                    unit_name: str | None = None, department: str | None = None) -> Liaison:
        """Create or edit a unit's entry; every changed field is kept in the change history.
        An empty value clears the field; a malformed phone number raises ValueError."""
        changes = {name: _liaison_value(name, value) for name, value in changes.items()}
        with self.session() as s:
            row = s.get(Liaison, unit.value)
            if row is None:
                row = Liaison(unit=unit.value, unit_name=unit_name or unit.value,
                              department=department or "", updated_at=_utc(_now()))
            fields = dict(changes)
            if unit_name:
                fields["unit_name"] = unit_name
            if department:
                fields["department"] = department
            for name, value in fields.items():
                old = getattr(row, name)
                if old != value:
                    s.add(LiaisonChange(unit=unit.value, at=_utc(_now()), by=by, field=name, old=old, new=value))
                    setattr(row, name, value)
            row.updated_at = _utc(_now())
            s.add(row)
            s.commit()
            return row

    def liaison_history(self, unit: str | None = None) -> Sequence[LiaisonChange]:
        query = select(LiaisonChange)
        if unit:
            query = query.where(LiaisonChange.unit == unit)
        with self.session() as s:
            return s.exec(query.order_by(LiaisonChange.id)).all()

    def import_liaisons(self, path: Path, by: str) -> int:
        """CSV columns: unit, unit_name, department, head_name, head_phone, liaison_name,
        liaison_phone, landline (only unit is required)."""
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        entries = []
        for line, row in enumerate(rows, 2):  # check every row before writing any
            try:
                unit = Agency((row.pop("unit", None) or "").strip())
                if unit not in LINKED_UNITS:
                    raise ValueError(f"unit {unit.value!r} is not a linked unit")
                changes = {k: _liaison_value(k, v) for k, v in row.items() if k in LIAISON_FIELDS}
            except ValueError as err:
                raise ValueError(f"{path.name} 第 {line} 行 / line {line}: {err}") from None
            entries.append((unit, changes, row.get("unit_name") or None, row.get("department") or None))
        for unit, changes, unit_name, department in entries:
            self.set_liaison(unit, changes, by, unit_name=unit_name, department=department)
        return len(entries)


LIAISON_FIELDS = ("head_name", "head_phone", "liaison_name", "liaison_phone", "landline")
PHONE_FIELDS = ("head_phone", "liaison_phone", "landline")


def _liaison_value(name: str, value: str | None) -> str | None:
    value = (value or "").strip() or None
    if value and name in PHONE_FIELDS:
        compact = value.replace(" ", "")
        if not (identity.MOBILE_RE.match(compact) or identity.LANDLINE_RE.match(compact)):
            raise ValueError(f"{name}: 号码格式不正确 / not a phone number: {value!r}")
    return value
