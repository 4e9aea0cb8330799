"""parties and notifications: ID numbers and phones sealed with the payload keys, in place, and a
keyed hash of each party's identifier for lookups (and for the one-row-per-person constraint the
clear identifier used to carry). Without keys configured the rows stay in clear and get an
unkeyed hash; the first start-up with keys seals them (registry/sealing.py). Downgrading opens
them again, so it needs every key they were sealed with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.sealing import FieldSealer, open_in_place, seal_in_place
from workers.codec import load_keyring

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ['case_number', 'role', 'identifier']
NEW = ['case_number', 'role', 'identifier_hash']
# SQLite keeps the baseline's unique constraint unnamed; batch mode names it by this convention to drop it.
NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _unique(columns: list[str]) -> str:
    """The constraint's name in this database (PostgreSQL named the baseline's for itself)."""
    found = next((u["name"] for u in sa.inspect(op.get_bind()).get_unique_constraints('parties')
                  if u["column_names"] == columns), None)
    return found or NAMES["uq"] % {"table_name": "parties", "column_0_N_name": "_".join(columns)}


def upgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_hash', sa.String(), nullable=True))
    if not op.get_context().as_sql:  # offline SQL cannot seal; the first start-up does (Registry.upgrade)
        seal_in_place(op.get_bind(), FieldSealer(load_keyring()))
    old = _unique(OLD)
    with op.batch_alter_table('parties', schema=None, naming_convention=NAMES) as batch_op:
        batch_op.alter_column('identifier_hash', existing_type=sa.String(), nullable=False)
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint('uq_parties_person', NEW)
        batch_op.create_index(batch_op.f('ix_parties_identifier_hash'), ['identifier_hash'], unique=False)


def downgrade() -> None:
    if not op.get_context().as_sql:
        open_in_place(op.get_bind(), FieldSealer(load_keyring()))
    with op.batch_alter_table('parties', schema=None, naming_convention=NAMES) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parties_identifier_hash'))
        batch_op.drop_constraint('uq_parties_person', type_='unique')
        batch_op.create_unique_constraint(_unique(OLD), OLD)
        batch_op.drop_column('identifier_hash')
