"""The registry's schema, versioned with alembic. Every start-up (`weiquan up`, `weiquan worker`, the
CLI) upgrades to head; operators use `weiquan db upgrade|downgrade|current|check|revision`.

Concurrent start-ups (several worker replicas) are serialised on PostgreSQL by an advisory lock.
A database made by `create_all()` is adopted: stamped at head when it matches the models. v1 has a
single baseline revision (the pre-release revisions 0001–0005 squashed, under 0005's id).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import registry.tables  # noqa: F401  (the metadata compared against)

SCRIPTS = Path(__file__).parent / "migrations"
LOCK_KEY = 0x5745_4951  # "WEIQ": one advisory lock for the registry's migrations


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


def _locked(connection: Connection) -> Connection:
    """One upgrade at a time: processes starting together (workers, CLI commands) would otherwise
    race to stamp or migrate the same database, and all but one fail."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock until the upgrade commits
    return connection


def upgrade(engine: Engine, revision: str = "head", then: Callable[[Connection], object] | None = None) -> None:
    """Upgrade to ``revision``, then run ``then`` in the same transaction (under the same lock)."""
    with engine.begin() as conn:
        cfg = config(_locked(conn))
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        if context.get_current_revision() is None and inspect(conn).has_table("cases"):
            # Made by create_all(): adopted if it is today's schema. One made by a pre-release
            # version without migrations has no revision to start from.
            if compare_metadata(context, SQLModel.metadata):
                raise RuntimeError("登记库由发布前的版本创建、无迁移记录，请新建数据库 / the registry database was "
                                   "created by a pre-release version without migrations: create a new one")
            command.stamp(cfg, "head")
        command.upgrade(cfg, revision)
        if then is not None:
            then(conn)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(config(_locked(conn)), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(config()).get_heads())


def differences(engine: Engine) -> list[Any]:
    """What the database at its current revision lacks or has beyond registry/tables.py (empty = in sync)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


@contextmanager
def _scratch_at_head() -> Iterator[Engine]:
    """A throw-away SQLite database upgraded to head: no developer database needed."""
    from registry.store import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/head.db")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def pending_model_changes() -> list[Any]:
    """What registry/tables.py has that no revision makes (empty = every change has its migration)."""
    with _scratch_at_head() as engine:
        return differences(engine)


def new_revision(message: str) -> Path:
    """Autogenerate the next revision from what head lacks. Review the file before committing."""
    with _scratch_at_head() as engine, engine.begin() as conn:
        script = command.revision(config(conn), message=message, autogenerate=True)
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
