"""v1 baseline: the registry of the first release, 0001–0005 of the pre-release history in one

It keeps the revision id of the last pre-release revision (0005), so a database already at 0005
stays at head and a revision written against 0005 follows it.

Revision ID: 0005
Revises:
Create Date: 2026-12-02 20:29:29.354486
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('stage', sa.String(), nullable=False),
    sa.Column('actor_unit', sa.String(), nullable=True),
    sa.Column('actor_person', sa.String(), nullable=True),
    sa.Column('detail', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number', 'key')
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_events_case_number'), ['case_number'], unique=False)

    op.create_table('cases',
    sa.Column('case_number', sa.String(40), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('district', sa.String(), nullable=False),
    sa.Column('employer_name', sa.String(), nullable=False),
    sa.Column('employer_credit_code', sa.String(), nullable=False),
    sa.Column('stage', sa.String(), nullable=False),
    sa.Column('agency', sa.String(), nullable=True),
    sa.Column('tracks', sa.JSON(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('worker_count', sa.Integer(), nullable=False),
    sa.Column('amount_claimed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_recovered', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('waiting_for', sa.String(), nullable=True),
    sa.Column('next_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_deadline_provisional', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snapshot_version', sa.Integer(), nullable=False, server_default='0'),
    sa.PrimaryKeyConstraint('case_number')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_overdue'), ['overdue'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_stage'), ['stage'], unique=False)

    op.create_table('deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(), nullable=False),
    sa.Column('clock_key', sa.String(), nullable=False),
    sa.Column('rule_id', sa.String(), nullable=False),
    sa.Column('responsible', sa.String(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number', 'clock_key')
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadlines_case_number'), ['case_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_due'), ['due'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_responsible'), ['responsible'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadlines_state'), ['state'], unique=False)

    op.create_table('liaison_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(), nullable=False),
    sa.Column('field', sa.String(), nullable=False),
    sa.Column('old', sa.String(), nullable=True),
    sa.Column('new', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('liaison_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_changes_unit'), ['unit'], unique=False)

    op.create_table('liaisons',
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('unit_name', sa.String(), nullable=False),
    sa.Column('department', sa.String(), nullable=False),
    sa.Column('head_name', sa.String(), nullable=True),
    sa.Column('head_phone', sa.String(), nullable=True),
    sa.Column('liaison_name', sa.String(), nullable=True),
    sa.Column('liaison_phone', sa.String(), nullable=True),
    sa.Column('landline', sa.String(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit')
    )
    op.create_table('meetings',
    sa.Column('meeting_id', sa.String(60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('convened_by', sa.String(), nullable=False),
    sa.Column('topic', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('cases', sa.JSON(), nullable=False),
    sa.Column('invitees', sa.JSON(), nullable=False),
    sa.Column('confirmed', sa.JSON(), nullable=False),
    sa.Column('minutes_path', sa.String(), nullable=True),
    sa.Column('actions_total', sa.Integer(), nullable=False),
    sa.Column('actions_open', sa.Integer(), nullable=False),
    sa.Column('actions_overdue', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('meeting_id')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_convened_by'), ['convened_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_status'), ['status'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('recipient', sa.String(), nullable=False),
    sa.Column('recipient_phone', sa.String(), nullable=True),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_scope'), ['scope'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_unit'), ['unit'], unique=False)

    op.create_table('work_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('agency', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number', 'key')
    )
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_items_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_case_number'), ['case_number'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['case_number'], ['cases.case_number'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number', 'position')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_case_number'), ['case_number'], unique=False)

    op.create_table('parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('identifier', sa.String(), nullable=False),
    sa.Column('phone', sa.String(), nullable=True),
    sa.Column('migrant_worker', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_number'], ['cases.case_number'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number', 'role', 'identifier')
    )
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parties_case_number'), ['case_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parties_case_number'))

    op.drop_table('parties')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_case_number'))

    op.drop_table('claims')
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_items_case_number'))
        batch_op.drop_index(batch_op.f('ix_work_items_agency'))

    op.drop_table('work_items')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_unit'))
        batch_op.drop_index(batch_op.f('ix_notifications_scope'))

    op.drop_table('notifications')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_status'))
        batch_op.drop_index(batch_op.f('ix_meetings_opened_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_convened_by'))

    op.drop_table('meetings')
    op.drop_table('liaisons')
    with op.batch_alter_table('liaison_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_changes_unit'))

    op.drop_table('liaison_changes')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadlines_state'))
        batch_op.drop_index(batch_op.f('ix_deadlines_rule_id'))
        batch_op.drop_index(batch_op.f('ix_deadlines_responsible'))
        batch_op.drop_index(batch_op.f('ix_deadlines_due'))
        batch_op.drop_index(batch_op.f('ix_deadlines_case_number'))

    op.drop_table('deadlines')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_stage'))
        batch_op.drop_index(batch_op.f('ix_cases_overdue'))
        batch_op.drop_index(batch_op.f('ix_cases_opened_at'))
        batch_op.drop_index(batch_op.f('ix_cases_district'))
        batch_op.drop_index(batch_op.f('ix_cases_closed_at'))
        batch_op.drop_index(batch_op.f('ix_cases_channel'))
        batch_op.drop_index(batch_op.f('ix_cases_agency'))

    op.drop_table('cases')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_number'))
        batch_op.drop_index(batch_op.f('ix_case_events_at'))

    op.drop_table('case_events')
