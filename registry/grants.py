"""What each workers' database user may do to each registry table (PostgreSQL).

`deploy/registry-roles.sh` makes one user per worker queue (``weiquan_<queue>``) before any table
exists; the owner's migration (`weiquan db upgrade`, every ``Registry.upgrade`` run as the tables'
owner) grants them their rights once the tables do, table by table, and takes back anything else.
So the case workers, which keep the case file, read and write rows everywhere; an agency's workers
read who the parties are, where to send (liaisons, notices) and add their own work items, and
change nothing else. Nobody but the owner changes the schema or deletes. A user that does not
exist is skipped; an upgrade run by anyone but the owner (a worker's start-up) grants nothing.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.models import LINKED_UNITS

CASE_ROLE = "weiquan_case"
AGENCY_ROLES = tuple(f"weiquan_{unit.value}" for unit in LINKED_UNITS)

# An agency's desk adds work items (activities/desk.py); the arbitration desk reads parties and
# liaisons for its notices; every worker's start-up reads the revision and looks for rows to seal.
AGENCY_TABLES = {
    "work_items": "SELECT, INSERT",
    "parties": "SELECT",
    "liaisons": "SELECT",
    "notifications": "SELECT",
    "alembic_version": "SELECT",
}
AGENCY_SEQUENCES = ("work_items_id_seq",)


def grant_workers(conn: Connection) -> None:
    """Grant each existing workers' user its rights (see the module)."""
    if conn.dialect.name != "postgresql" or not _owns_the_tables(conn):
        return
    for role in (CASE_ROLE, *AGENCY_ROLES):
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            continue
        quoted = f'"{role}"'
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
        conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}"))
        if role == CASE_ROLE:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {quoted}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
        else:
            for table, rights in AGENCY_TABLES.items():
                conn.execute(text(f"GRANT {rights} ON TABLE {table} TO {quoted}"))
            for sequence in AGENCY_SEQUENCES:
                conn.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {quoted}"))


def _owns_the_tables(conn: Connection) -> bool:
    owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                              "AND tablename = 'cases'")).scalar()
    return owner is not None and owner == conn.execute(text("SELECT current_user")).scalar()
