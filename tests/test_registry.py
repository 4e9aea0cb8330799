"""The registry on SQLite and on a real PostgreSQL: idempotent writes and the liaison directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.models import Agency, CaseIntake, Notice
from domain.records import CaseChange, CaseOpening, CaseSnapshot, LedgerEntry
from registry.errors import NoLiaison
from registry.store import Registry
from tests import factories
from tests.helpers import TODAY


def test_writes_are_idempotent(any_registry: Registry) -> None:
    reg = any_registry
    intake = CaseIntake.from_input(factories.intake(claimants=3), TODAY)
    number, now = intake.case_number(), datetime.now(UTC)
    snap = CaseSnapshot(stage="intake", agency=Agency.UNION, waiting_for="登记受理")
    opening = CaseOpening(case_number=number, intake=intake, opened_at=now, snapshot=snap)
    assert reg.register_case(opening) and not reg.register_case(opening)
    entry = LedgerEntry(clock_key="k", rule_id="mediation.window", responsible="union", started_at=now,
                        due=now, provisional=False, state="lapsed")
    change = CaseChange(case_number=number, key="seq:1", at=now, kind="clock.lapsed", detail="x",
                        snapshot=snap, deadline=entry)
    assert reg.record_change(change) and not reg.record_change(change)
    assert len(reg.events(number)) == 1 and len(reg.deadlines(number)) == 1
    case = reg.case(number)
    assert case is not None and case.overdue and case.worker_count == 3
    notice = Notice(case_number=number, unit=Agency.UNION, kind="k", subject="s", body="b", key="n1")
    first, again = reg.queue_notice(notice), reg.queue_notice(notice)
    assert first.id == again.id and first.recipient == "示例联络员丙"
    assert len(reg.notifications(number)) == 1


def test_entries_of_one_moment_read_back_in_the_order_the_case_made_them(any_registry: Registry) -> None:
    """Writes the case starts together may commit in any order; the log shows the case's order."""
    reg = any_registry
    intake = CaseIntake.from_input(factories.intake(), TODAY)
    number, now = intake.case_number(), datetime.now(UTC)
    snap = CaseSnapshot(version=1, stage="intake", agency=Agency.UNION, waiting_for="登记受理")
    reg.register_case(CaseOpening(case_number=number, intake=intake, opened_at=now, snapshot=snap))
    for version, kind in ((3, "case.assessed"), (2, "case.opened")):  # committed second first
        reg.record_change(CaseChange(case_number=number, key=f"seq:{version}", at=now, kind=kind, detail="x",
                                     snapshot=snap.model_copy(update={"version": version})))
    assert [e.kind for e in reg.events(number)] == ["case.opened", "case.assessed"]
    assert reg.case(number).snapshot_version == 3  # type: ignore[union-attr]


def test_unit_without_liaison_is_an_error(any_registry: Registry) -> None:
    any_registry.set_liaison(Agency.UNION, {"liaison_name": None}, by="test")
    with pytest.raises(NoLiaison):
        any_registry.queue_notice(Notice(case_number="c", unit=Agency.UNION, kind="k", subject="s", body="b",
                                         key="n"))
    history = any_registry.liaison_history("union")
    assert history[-1].field == "liaison_name" and history[-1].new is None


def test_a_sqlite_write_waits_for_another_process_instead_of_failing(tmp_path: Path) -> None:
    """Two processes writing one SQLite registry (a worker and `weiquan calendar load`): a
    read-then-write transaction holds the write lock from its start, so the other writer waits
    (here: gives up after its short busy timeout) and the first one's write never fails."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError
    from sqlmodel import select

    from registry.store import make_engine
    from registry.tables import CalendarRevision

    url = f"sqlite:///{tmp_path}/registry.db"
    first = Registry(make_engine(url))
    first.create_all()
    other = create_engine(url, connect_args={"timeout": 0.1})  # another process's connection

    def revision(year: int) -> CalendarRevision:
        return CalendarRevision(year=year, notice="", holidays=[], workdays=[], source="test",
                                loaded_at=datetime.now(UTC))

    with first.writing() as s:
        assert s.exec(select(CalendarRevision)).all() == []  # read, then write below
        with pytest.raises(OperationalError, match="locked"), other.begin() as conn:
            conn.execute(CalendarRevision.__table__.insert().values(**revision(2026).model_dump(exclude={"id"})))
        s.add(revision(2027))
        s.commit()
    with first.session() as s:
        assert [r.year for r in s.exec(select(CalendarRevision))] == [2027]
