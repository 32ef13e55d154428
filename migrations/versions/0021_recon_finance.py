"""finance: index Stripe lines' refund, payout and dispute ids and matches' bank lines only
where present; follow a bank-paid order's refund until the bank statement shows it sent

Revision ID: 0021_recon_finance
Revises: 0018_recon_line_indexes
"""

from alembic import op
import sqlalchemy as sa

import market.db


revision = '0021_recon_finance'
down_revision = '0018_recon_line_indexes'
branch_labels = None
depends_on = None

PARTIAL = (
    ('finance_stripe_balance_transactions', 'refund_id'),
    ('finance_stripe_balance_transactions', 'payout_id'),
    ('finance_stripe_balance_transactions', 'dispute_id'),
    ('finance_matches', 'bank_line_id'),
)


def upgrade() -> None:
    with op.batch_alter_table('trading_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'transfer_status',
            sa.Enum('to_send', 'sent', 'paid', name='refundtransferstatus', native_enum=False,
                    length=32),
            nullable=True,
        ))
        batch_op.add_column(sa.Column('payee_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', market.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('value_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_trading_refunds_transfer_status'), ['transfer_status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_trading_refunds_payee_account_id_finance_payee_accounts'), 'finance_payee_accounts', ['payee_account_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_trading_refunds_sent_by_id_users'), 'users', ['sent_by_id'], ['id'])
    for table, column in PARTIAL:
        name = f'ix_{table}_{column}'
        where = sa.text(f'{column} IS NOT NULL')
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for table, column in PARTIAL:
        name = f'ix_{table}_{column}'
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
    with op.batch_alter_table('trading_refunds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trading_refunds_sent_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_trading_refunds_payee_account_id_finance_payee_accounts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_trading_refunds_transfer_status'))
        for column in ('bank_reference', 'value_date', 'sent_at', 'sent_by_id', 'payee_account_id',
                       'transfer_status'):
            batch_op.drop_column(column)
