"""finance: the audit trail names the API client and is filtered by action and date; a
refused correction keeps its note

Revision ID: 0024_finance_audit_trail
Revises: 0023_bank_account_of_money
"""

from alembic import op
import sqlalchemy as sa


revision = '0024_finance_audit_trail'
down_revision = '0023_bank_account_of_money'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('finance_audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_finance_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_audit_events_at'), ['at'], unique=False)
    with op.batch_alter_table('finance_corrections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('finance_corrections', schema=None) as batch_op:
        batch_op.drop_column('decision_note')
    with op.batch_alter_table('finance_audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_finance_audit_events_action'))
        batch_op.drop_column('client_id')
