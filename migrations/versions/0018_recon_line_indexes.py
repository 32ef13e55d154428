"""finance: drop the indexes of Stripe lines' source and payment intent ids (never queried)

Revision ID: 0018_recon_line_indexes
Revises: 0016_balance_assertions
"""

from alembic import op


revision = '0018_recon_line_indexes'
down_revision = '0016_balance_assertions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('finance_stripe_balance_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_payment_intent_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_source_id'))


def downgrade() -> None:
    with op.batch_alter_table('finance_stripe_balance_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_payment_intent_id'), ['payment_intent_id'], unique=False)
