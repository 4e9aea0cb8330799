"""Personal data at rest: with payload keys the registry's file holds no ID number or phone in
clear, its reads give them back, a person's cases are found by a keyed hash, and a registry made
before (migration 0008, or a start without keys) is sealed in place — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from domain.models import Agency, CaseIntake, Notice
from domain.records import CaseOpening, CaseSnapshot
from registry import migrate
from registry.sealing import PREFIX, FieldSealer
from registry.store import Registry, make_engine
from starters.directory import seed_demo_directory
from tests import factories
from tests.helpers import TODAY
from workers.codec import generate_key, load_keyring

KEY_A, KEY_B = generate_key(), generate_key()


def sealer(keys: str | None, current: str | None = None) -> FieldSealer:
    env = {"WEIQUAN_CODEC_KEYS": keys, **({"WEIQUAN_CODEC_KEY_ID": current} if current else {})} if keys else {}
    return FieldSealer(load_keyring({"WEIQUAN_HOME": "/nonexistent", **env}))


def open_case(reg: Registry, start: int = 0, claimants: int = 2) -> tuple[str, list[dict[str, str]]]:
    intake = CaseIntake.from_input(factories.intake(claimants=claimants, start=start), TODAY)
    snap = CaseSnapshot(stage="intake", agency=Agency.UNION, waiting_for="登记受理")
    reg.register_case(CaseOpening(case_number=intake.case_number(), intake=intake, opened_at=datetime.now(UTC),
                                  snapshot=snap))
    reg.queue_party_notice(Notice(case_number=intake.case_number(), unit=Agency.UNION, kind="k", subject="s",
                                  body="b", key="n1", party="claimant"))
    return intake.case_number(), factories.workers(claimants, start=start)


def file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def personal(rows: list[dict[str, str]]) -> list[bytes]:
    return [r[k].encode() for r in rows for k in ("id_number", "phone")]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    yield engine
    engine.dispose()


def test_the_registry_file_holds_no_id_number_or_phone_and_reads_give_them_back(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    reg = Registry(make_engine(f"sqlite:///{db}"), fields=sealer(f"a:{KEY_A}"))
    reg.upgrade()
    seed_demo_directory(reg)
    number, people = open_case(reg)
    reg.engine.dispose()  # the WAL checkpointed into the file: everything written is in the bytes read
    stored = file_bytes(db)
    assert not [s for s in personal(people) if s in stored]
    assert people[0]["name"].encode() in stored  # the same check sees what is in clear

    claimants = [p for p in reg.parties(number) if p.role == "claimant"]
    assert [(p.identifier, p.phone) for p in claimants] == [(r["id_number"], r["phone"]) for r in people]
    assert sorted(n.recipient_phone for n in reg.notifications(number)) == sorted(r["phone"] for r in people)
    assert [c.case_number for c in reg.cases(person=people[1]["id_number"])] == [number]
    assert reg.cases(person=factories.workers(1, start=50)[0]["id_number"]) == []

    # Without the key the registry neither reads nor finds them, and says so without naming keys.
    blind = Registry(reg.engine, fields=sealer(f"b:{KEY_B}"))
    with pytest.raises(ValueError, match="does not hold") as refused:
        blind.parties(number)
    assert "'a'" not in str(refused.value) and blind.cases(person=people[0]["id_number"]) == []


def test_after_rotation_rows_sealed_with_the_old_key_read_and_are_found() -> None:
    before, after = sealer(f"a:{KEY_A}"), sealer(f"a:{KEY_A},b:{KEY_B}", current="b")
    sealed = before.seal("13800000000", "parties.phone")
    assert sealed is not None and sealed.startswith(PREFIX + "a:") and "13800000000" not in sealed
    assert after.open(sealed, "parties.phone") == "13800000000"
    assert before.lookup("x") in after.lookups("x") and after.lookup("x") != before.lookup("x")
    with pytest.raises(ValueError, match="authentication"):  # moved to another column: refused
        after.open(sealed, "parties.identifier")
    # An SM4 payload key (where an assessment asks for the national algorithms) seals with SM4-GCM.
    national = sealer(f"a:{KEY_A},s:{generate_key('sm4-gcm')}", current="s")
    sm4 = national.seal("360102199001011234", "parties.identifier")
    assert sm4 is not None and sm4.startswith(PREFIX + "s:")
    assert national.open(sm4, "parties.identifier") == "360102199001011234"


def test_0008_seals_a_registry_in_place_and_a_later_start_with_keys_seals_the_rest(
        empty_db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry at 0007 with a case; upgraded with keys configured, its rows are sealed in place.
    Rows written afterwards by a process without keys are sealed by the next start-up with keys;
    a downgrade opens them again."""
    monkeypatch.setenv("WEIQUAN_HOME", "/nonexistent")
    migrate.upgrade(empty_db, "0007")
    with empty_db.begin() as conn:
        conn.execute(text("INSERT INTO cases (case_number, channel, district, employer_name, employer_credit_code, "
                          "stage, tracks, flags, worker_count, amount_claimed, amount_recovered, overdue, opened_at, "
                          "next_deadline_provisional, snapshot_version) VALUES ('NC360113-AAAAAAAA', 'union', "
                          "'360113', '某公司', '91360100MA00000001', 'mediation', '[]', '[]', 1, 1, 0, false, "
                          "'2026-03-02 01:00:00', false, 0)"))
        conn.execute(text("INSERT INTO parties (case_number, role, name, identifier, phone, migrant_worker) VALUES "
                          "('NC360113-AAAAAAAA', 'claimant', '张三', '360102199001011234', '13900000001', false)"))
        conn.execute(text("INSERT INTO notifications (scope, key, unit, kind, recipient, recipient_phone, subject, "
                          "body, created_at) VALUES ('NC360113-AAAAAAAA', 'n', 'union', 'k', '张三', '13900000001', "
                          "'s', 'b', '2026-03-02 01:00:00')"))
    monkeypatch.setenv("WEIQUAN_CODEC_KEYS", f"a:{KEY_A}")
    reg = Registry(empty_db)
    reg.upgrade()
    assert migrate.current(empty_db) == migrate.heads()[0] and migrate.differences(empty_db) == []

    def raw() -> list[str]:
        with empty_db.connect() as conn:
            return [v for row in conn.execute(text("SELECT identifier, phone FROM parties ORDER BY id")) for v in row] \
                + [r[0] for r in conn.execute(text("SELECT recipient_phone FROM notifications"))]

    assert all(v.startswith(PREFIX) for v in raw())
    [party] = reg.parties("NC360113-AAAAAAAA")
    assert (party.identifier, party.phone) == ("360102199001011234", "13900000001")
    assert [c.case_number for c in reg.cases(person="360102199001011234")] == ["NC360113-AAAAAAAA"]

    monkeypatch.delenv("WEIQUAN_CODEC_KEYS")  # a process started without keys writes in clear
    number, people = open_case(Registry(empty_db), start=40, claimants=1)
    assert people[0]["id_number"] in raw()
    reg.upgrade()  # the next start-up with keys seals them
    assert all(v.startswith(PREFIX) for v in raw())
    assert [c.case_number for c in reg.cases(person=people[0]["id_number"])] == [number]

    monkeypatch.setenv("WEIQUAN_CODEC_KEYS", f"a:{KEY_A}")
    migrate.downgrade(empty_db, "0007")
    assert "360102199001011234" in raw() and not any(v.startswith(PREFIX) for v in raw())
