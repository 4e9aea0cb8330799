"""cases: the waiting text in English (case list --lang en) and the amount an agreement or award
set above the claim (the report's recovery base). Columns added in place; rows written before keep
NULL until their case's next change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 05:32:49.325128
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_above_claim', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('waiting_for_en', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('waiting_for_en')
        batch_op.drop_column('amount_above_claim')
