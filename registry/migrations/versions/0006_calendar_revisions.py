"""calendar revisions: each year's holiday notice as loaded (weiquan calendar load)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:45:41.729253
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('notice', sa.String(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('workdays', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_revisions_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('calendar_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_revisions_year'))

    op.drop_table('calendar_revisions')
