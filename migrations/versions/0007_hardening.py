"""hardening: two-person period close; exclusive licences belong to the listing; sign-out ends sessions

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
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('trading_exclusive_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listing_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE trading_exclusive_claims SET listing_id = ("
        " SELECT listing_revisions.listing_id FROM listing_plans"
        " JOIN listing_revisions ON listing_revisions.id = listing_plans.revision_id"
        " WHERE listing_plans.id = trading_exclusive_claims.plan_id)"
    )
    with op.batch_alter_table('trading_exclusive_claims', schema=None) as batch_op:
        batch_op.alter_column('listing_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_trading_exclusive_claims_plan_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_trading_exclusive_claims_plan_id'), ['plan_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_trading_exclusive_claims_listing_id'), ['listing_id'])
        batch_op.create_foreign_key(batch_op.f('fk_trading_exclusive_claims_listing_id_listings'), 'listings', ['listing_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
    with op.batch_alter_table('trading_exclusive_claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trading_exclusive_claims_listing_id_listings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_trading_exclusive_claims_listing_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_trading_exclusive_claims_plan_id'))
        batch_op.create_unique_constraint('uq_trading_exclusive_claims_plan_id', ['plan_id'])
        batch_op.drop_column('listing_id')
    op.drop_column('ledger_periods', 'close_requested_by')
    op.drop_column('ledger_periods', 'close_requested_at')
