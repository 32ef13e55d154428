"""hardening: two-person period close

Revision ID: 0007_hardening
Revises: 0005_trading
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_hardening'
down_revision = '0005_trading'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: SQLite would drop the append-only triggers with
    # the copied table.
    op.add_column('ledger_periods', sa.Column('close_requested_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('ledger_periods', sa.Column('close_requested_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column('ledger_periods', 'close_requested_by')
    op.drop_column('ledger_periods', 'close_requested_at')
