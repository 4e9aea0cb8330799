"""Alembic environment: the registry's sqlmodel metadata, on the connection registry/migrate.py passes
in (or on WEIQUAN_DATABASE_URL when run as plain `alembic`)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import registry.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from registry.store import database_url, make_engine

config = context.config


def render_item(kind: str, obj: Any, _: Any) -> str | bool:
    """Write plain SQLAlchemy types into revisions, so old revisions never depend on sqlmodel internals."""
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String({obj.impl.length or ''})"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


OPTIONS: dict[str, Any] = {
    "render_item": render_item,
    "target_metadata": SQLModel.metadata,
    "compare_type": True,
    # SQLite cannot ALTER most things; batch mode copies the table, and is a no-op wrapper elsewhere.
    "render_as_batch": True,
}


def run_offline() -> None:
    """`alembic upgrade head --sql`: the SQL for a DBA to review and apply."""
    context.configure(url=database_url(), literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    with nullcontext(given) if given is not None else make_engine().begin() as connection:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
