"""finance: name the exchange's bank account each receipt, payout batch and bank refund used

Revision ID: 0023_bank_account_of_money
Revises: 0022_receipts_without_order

A default account per currency (``is_default``) and closed accounts (``closed_at``). The
backfill marks, in each currency, the oldest open account booked on ``assets:bank`` as the
default — where everything was booked until now — and names it on the bank receipts, payout
batches and bank refund transfers of that currency that were booked there.
"""

from alembic import op
import sqlalchemy as sa

import market.db


revision = '0023_bank_account_of_money'
down_revision = '0022_receipts_without_order'
branch_labels = None
depends_on = None

MONEY = (
    # table, which rows moved money through the bank
    ('trading_payments', "method = 'bank_transfer'"),
    ('trading_payout_batches', "submitted_at IS NOT NULL"),
    ('trading_refunds', "transfer_status IS NOT NULL AND sent_at IS NOT NULL"),
)


def upgrade() -> None:
    with op.batch_alter_table('finance_bank_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('closed_at', market.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('finance_bank_accounts', schema=None) as batch_op:
        batch_op.alter_column('is_default', server_default=None)
        batch_op.create_index('uq_finance_bank_accounts_default_currency', ['currency'],
                              unique=True, postgresql_where=sa.text('is_default'),
                              sqlite_where=sa.text('is_default'))
    for table, _ in MONEY:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('bank_account_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_bank_account_id_finance_bank_accounts'),
                'finance_bank_accounts', ['bank_account_id'], ['id'])
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    defaults = bind.execute(sa.text(
        "SELECT currency, MIN(id) FROM finance_bank_accounts "
        "WHERE ledger_account = 'assets:bank' GROUP BY currency"
    )).all()
    for currency, account_id in defaults:
        bind.execute(sa.text("UPDATE finance_bank_accounts SET is_default = :yes WHERE id = :id"),
                     {"yes": True, "id": account_id})
        for table, moved in MONEY:
            bind.execute(
                sa.text(f"UPDATE {table} SET bank_account_id = :id "
                        f"WHERE bank_account_id IS NULL AND currency = :currency AND {moved}"),
                {"id": account_id, "currency": currency},
            )


def downgrade() -> None:
    for table, _ in MONEY:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f'fk_{table}_bank_account_id_finance_bank_accounts'),
                type_='foreignkey')
            batch_op.drop_column('bank_account_id')
    with op.batch_alter_table('finance_bank_accounts', schema=None) as batch_op:
        batch_op.drop_index('uq_finance_bank_accounts_default_currency')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('is_default')
