"""Registry migrations (alembic): empty → head → base on SQLite and PostgreSQL; head equals
registry/tables.py (a table added without a revision fails here); adding one is one command."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

from registry import migrate
from registry.store import Registry, make_engine
from starters.cli import app
from starters.directory import seed_demo_directory

runner = CliRunner()
MODEL_TABLES = set(SQLModel.metadata.tables)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_engine")


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_round_trip_empty_to_head_and_back(empty_db: Engine) -> None:
    assert migrate.current(empty_db) is None and not tables(empty_db)
    migrate.upgrade(empty_db)
    assert migrate.current(empty_db) == migrate.heads()[0]
    assert tables(empty_db) == MODEL_TABLES
    assert migrate.differences(empty_db) == []  # head, as the database sees it, is registry/tables.py
    migrate.upgrade(empty_db)  # a second start-up changes nothing
    migrate.downgrade(empty_db, "base")
    assert migrate.current(empty_db) is None and not tables(empty_db)
    migrate.upgrade(empty_db)
    assert tables(empty_db) == MODEL_TABLES


def test_the_registry_works_on_a_migrated_database(empty_db: Engine) -> None:
    reg = Registry(empty_db)
    reg.upgrade()
    seed_demo_directory(reg)
    assert {row.unit for row in reg.liaisons()} >= {"union", "legal_aid"}


def test_a_database_made_by_create_all_is_adopted(empty_db: Engine) -> None:
    SQLModel.metadata.create_all(empty_db)
    migrate.upgrade(empty_db)
    assert migrate.current(empty_db) == migrate.heads()[0] and migrate.differences(empty_db) == []


@pytest.mark.parametrize("made_by", ["nothing", "create_all"])
def test_replicas_starting_together_migrate_once(empty_db: Engine, made_by: str) -> None:
    """Workers of every agency (or CLI commands) start at once on a new database, or on one
    create_all() made: one migrates or adopts it while the others wait (PostgreSQL's advisory lock,
    SQLite's write lock); before the lock, SQLite's failed with duplicate stamps and half-seen tables."""
    if made_by == "create_all":
        SQLModel.metadata.create_all(empty_db)
    errors: list[BaseException] = []

    def start_up() -> None:
        try:
            migrate.upgrade(empty_db)
        except BaseException as err:  # pragma: no cover - the failure this test is about
            errors.append(err)

    threads = [threading.Thread(target=start_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and migrate.current(empty_db) == migrate.heads()[0]


def test_the_v1_baseline_keeps_the_id_of_the_pre_release_head() -> None:
    """0001–0005 were squashed into one baseline under 0005's id: databases at 0005 are at v1, and
    a revision written against 0005 follows the baseline."""
    scripts = ScriptDirectory.from_config(migrate.config())
    assert scripts.get_bases() == ["0005"]


def test_one_line_of_history_and_head_matches_the_models() -> None:
    assert len(migrate.heads()) == 1, "two branches added revisions: `alembic merge heads` (docs/deploy.md)"
    assert migrate.pending_model_changes() == [], (
        'registry/tables.py changed without a migration: run `weiquan db revision -m "..."` (docs/deploy.md)')


@pytest.fixture
def scratch_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the migrations to add a revision to, and a table the models gain for this test."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "SCRIPTS", scripts)
    table = sa.Table("meeting_minutes", SQLModel.metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("case_number", sa.String(40), nullable=False, index=True))
    yield scripts
    SQLModel.metadata.remove(table)


def test_adding_a_table_is_one_command(scratch_scripts: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")
    before = migrate.heads()[0]
    check = runner.invoke(app, ["db", "check"])
    assert check.exit_code == 1 and "meeting_minutes" in check.output
    made = runner.invoke(app, ["db", "revision", "-m", "meeting minutes"])
    assert made.exit_code == 0, made.output
    revision = Path(made.output.strip().splitlines()[-1])
    assert revision.parent == scratch_scripts / "versions" and "create_table('meeting_minutes'" in revision.read_text()
    assert runner.invoke(app, ["db", "check"]).output.strip() == "ok"
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = Registry().engine
    assert "meeting_minutes" in tables(engine) and migrate.current(engine) != before
    assert runner.invoke(app, ["db", "downgrade"]).output.strip() == before
    assert "meeting_minutes" not in tables(engine)
    engine.dispose()


def test_cli_commands_migrate_the_registry_they_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIQUAN_DATABASE_URL", f"sqlite:///{tmp_path}/registry.db")
    assert runner.invoke(app, ["db", "current"]).stdout.startswith("base")
    assert runner.invoke(app, ["liaison", "list", "--json"]).exit_code == 0
    assert runner.invoke(app, ["db", "current"]).stdout.startswith(migrate.heads()[0])


def test_0007_adds_the_english_waiting_text_and_the_recovery_base_in_place(empty_db: Engine) -> None:
    """A registry at 0006 with a case keeps it through 0007: the new columns are empty until the
    case's next change writes them, and `case list --lang en` / the report read them from then on."""
    migrate.upgrade(empty_db, "0006")
    row = {"case_number": "NC-OLD-1", "channel": "union", "district": "360113", "employer_name": "某公司",
           "employer_credit_code": "91360100MA00000001", "stage": "mediation", "tracks": "[]", "flags": "[]",
           "worker_count": 1, "amount_claimed": 18000, "amount_recovered": 0, "overdue": False,
           "opened_at": "2026-03-02 01:00:00", "waiting_for": "调解中"}
    with empty_db.begin() as conn:
        conn.execute(text(f"INSERT INTO cases ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row)
    migrate.upgrade(empty_db)
    assert migrate.current(empty_db) == migrate.heads()[0] and migrate.differences(empty_db) == []
    with empty_db.connect() as conn:
        kept = conn.execute(text("SELECT waiting_for, waiting_for_en, amount_above_claim FROM cases")).one()
    assert tuple(kept) == ("调解中", None, None)
    migrate.downgrade(empty_db, "0006")
    assert "waiting_for_en" not in {c["name"] for c in inspect(empty_db).get_columns("cases")}


def test_0009_adds_the_english_detail_of_log_entries_in_place(empty_db: Engine) -> None:
    """A registry at 0008 keeps its event log through 0009: an entry written before has no English
    (`case log --lang en` shows its Chinese), and downgrading drops the column again."""
    migrate.upgrade(empty_db, "0008")
    row = {"case_number": "NC-OLD-1", "key": "seq:1", "at": "2026-03-02 01:00:00", "seq": 1, "kind": "case.opened",
           "stage": "intake", "detail": "工会受理案件"}
    with empty_db.begin() as conn:
        conn.execute(text(f"INSERT INTO case_events ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
                     row)
    migrate.upgrade(empty_db)
    assert migrate.current(empty_db) == migrate.heads()[0] and migrate.differences(empty_db) == []
    with empty_db.connect() as conn:
        kept = conn.execute(text("SELECT detail, detail_en FROM case_events")).one()
    assert tuple(kept) == ("工会受理案件", None)
    migrate.downgrade(empty_db, "0008")
    assert "detail_en" not in {c["name"] for c in inspect(empty_db).get_columns("case_events")}
