"""trading: a cross-border order records who receives the data abroad, and where

Revision ID: 0025_cross_border_recipient
Revises: 0024_finance_audit_trail
"""

from alembic import op
import sqlalchemy as sa


revision = '0025_cross_border_recipient'
down_revision = '0024_finance_audit_trail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cross_border_recipient', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.drop_column('cross_border_recipient')
