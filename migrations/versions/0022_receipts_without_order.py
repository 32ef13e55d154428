"""trading: hold a bank receipt quoting a reference no order has (a payment without an order)

Revision ID: 0022_receipts_without_order
Revises: 0021_recon_finance
"""

from alembic import op
import sqlalchemy as sa


revision = '0022_receipts_without_order'
down_revision = '0021_recon_finance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute('DELETE FROM trading_payments WHERE order_id IS NULL')
    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
