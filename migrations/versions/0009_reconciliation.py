"""reconciliation: payee accounts, payouts with a life, Stripe balance transactions, bank
statements, VAT

Revision ID: 0009_reconciliation
Revises: 0008_search
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0009_reconciliation'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('finance_bank_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('account_number', sa.String(length=34), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('ledger_account', sa.String(length=200), nullable=False),
    sa.Column('csv_layout', sa.String(length=32), nullable=True),
    sa.Column('csv_mapping', sa.JSON(), nullable=True),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_bank_accounts')),
    sa.UniqueConstraint('account_number', name=op.f('uq_finance_bank_accounts_account_number')),
    sa.UniqueConstraint('name', name=op.f('uq_finance_bank_accounts_name'))
    )
    op.create_table('finance_stripe_balance_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('reporting_category', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_facing_amount', sa.BigInteger(), nullable=True),
    sa.Column('customer_facing_currency', sa.String(length=3), nullable=True),
    sa.Column('exchange_rate', sa.String(length=32), nullable=True),
    sa.Column('source_id', sa.String(length=255), nullable=True),
    sa.Column('charge_id', sa.String(length=255), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('refund_id', sa.String(length=255), nullable=True),
    sa.Column('payout_id', sa.String(length=255), nullable=True),
    sa.Column('dispute_id', sa.String(length=255), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('created', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('available_on', sa.Date(), nullable=True),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('booked', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('unreconciled', 'partially_reconciled', 'reconciled', 'archived', name='itemstate', native_enum=False, length=32), nullable=False),
    sa.Column('imported_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_stripe_balance_transactions')),
    sa.UniqueConstraint('stripe_id', name=op.f('uq_finance_stripe_balance_transactions_stripe_id'))
    )
    with op.batch_alter_table('finance_stripe_balance_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_dispute_id'), ['dispute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_payment_intent_id'), ['payment_intent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_refund_id'), ['refund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_stripe_balance_transactions_state'), ['state'], unique=False)

    op.create_table('finance_stripe_syncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.String(length=255), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('lines_new', sa.Integer(), nullable=False),
    sa.Column('lines_known', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('started_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_stripe_syncs'))
    )
    op.create_table('finance_audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_finance_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_audit_events'))
    )
    with op.batch_alter_table('finance_audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_audit_events_subject'), ['subject'], unique=False)

    op.create_table('finance_bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('opening_minor', sa.BigInteger(), nullable=False),
    sa.Column('closing_minor', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['finance_bank_accounts.id'], name=op.f('fk_finance_bank_statements_bank_account_id_finance_bank_accounts')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_finance_bank_statements_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_bank_statements')),
    sa.UniqueConstraint('bank_account_id', 'file_sha256', name=op.f('uq_finance_bank_statements_bank_account_id_file_sha256'))
    )
    with op.batch_alter_table('finance_bank_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_bank_statements_bank_account_id'), ['bank_account_id'], unique=False)

    op.create_table('finance_payee_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'rejected', 'superseded', name='payeestatus', native_enum=False, length=32), nullable=False),
    sa.Column('account_name', sa.String(length=200), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('branch_name', sa.String(length=200), nullable=True),
    sa.Column('account_number', sa.String(length=34), nullable=False),
    sa.Column('cnaps_code', sa.String(length=12), nullable=True),
    sa.Column('swift_bic', sa.String(length=11), nullable=True),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_finance_payee_accounts_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_finance_payee_accounts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_finance_payee_accounts_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_payee_accounts'))
    )
    with op.batch_alter_table('finance_payee_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_payee_accounts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_payee_accounts_status'), ['status'], unique=False)

    op.create_table('finance_bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bank_reference', sa.String(length=100), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=True),
    sa.Column('counterparty_account', sa.String(length=64), nullable=True),
    sa.Column('remark', sa.String(length=500), nullable=True),
    sa.Column('state', sa.Enum('unreconciled', 'partially_reconciled', 'reconciled', 'archived', name='itemstate', native_enum=False, length=32), nullable=False),
    sa.Column('matched_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['finance_bank_accounts.id'], name=op.f('fk_finance_bank_lines_bank_account_id_finance_bank_accounts')),
    sa.ForeignKeyConstraint(['statement_id'], ['finance_bank_statements.id'], name=op.f('fk_finance_bank_lines_statement_id_finance_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_bank_lines')),
    sa.UniqueConstraint('bank_account_id', 'bank_reference', name=op.f('uq_finance_bank_lines_bank_account_id_bank_reference'))
    )
    with op.batch_alter_table('finance_bank_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_bank_lines_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_bank_lines_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_bank_lines_value_date'), ['value_date'], unique=False)

    op.create_table('finance_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('stripe_line_id', sa.Integer(), nullable=True),
    sa.Column('bank_line_id', sa.Integer(), nullable=True),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('difference_minor', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_line_id'], ['finance_bank_lines.id'], name=op.f('fk_finance_matches_bank_line_id_finance_bank_lines')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_finance_matches_created_by_id_users')),
    sa.ForeignKeyConstraint(['stripe_line_id'], ['finance_stripe_balance_transactions.id'], name=op.f('fk_finance_matches_stripe_line_id_finance_stripe_balance_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_matches'))
    )
    with op.batch_alter_table('finance_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_matches_bank_line_id'), ['bank_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_matches_stripe_line_id'), ['stripe_line_id'], unique=False)

    op.create_table('finance_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='exceptionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('stripe_line_id', sa.Integer(), nullable=True),
    sa.Column('bank_line_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('opened_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_line_id'], ['finance_bank_lines.id'], name=op.f('fk_finance_exceptions_bank_line_id_finance_bank_lines')),
    sa.ForeignKeyConstraint(['payment_id'], ['trading_payments.id'], name=op.f('fk_finance_exceptions_payment_id_trading_payments')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_finance_exceptions_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['stripe_line_id'], ['finance_stripe_balance_transactions.id'], name=op.f('fk_finance_exceptions_stripe_line_id_finance_stripe_balance_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_exceptions'))
    )
    with op.batch_alter_table('finance_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_exceptions_bank_line_id'), ['bank_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_exceptions_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_exceptions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_exceptions_stripe_line_id'), ['stripe_line_id'], unique=False)

    op.create_table('finance_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exception_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('legs', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_finance_corrections_decided_by_id_users')),
    sa.ForeignKeyConstraint(['exception_id'], ['finance_exceptions.id'], name=op.f('fk_finance_corrections_exception_id_finance_exceptions')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_finance_corrections_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_corrections'))
    )
    with op.batch_alter_table('finance_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_corrections_status'), ['status'], unique=False)

    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_bps', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('vat_minor', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_refund_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('value_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_trading_payments_stripe_charge_id'), ['stripe_charge_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_trading_payments_stripe_refund_id'), ['stripe_refund_id'], unique=True)

    with op.batch_alter_table('trading_payout_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('built', 'submitted', 'paid', 'returned', 'cancelled', name='payoutbatchstatus', native_enum=False, length=32), nullable=False, server_default='paid'))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', market.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', market.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_trading_payout_batches_submitted_by_id_users'), 'users', ['submitted_by_id'], ['id'])

    with op.batch_alter_table('trading_payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hold_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', market.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_trading_payouts_payee_account_id_finance_payee_accounts'), 'finance_payee_accounts', ['payee_account_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('trading_payouts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trading_payouts_payee_account_id_finance_payee_accounts'), type_='foreignkey')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('bank_reference')
        batch_op.drop_column('value_date')
        batch_op.drop_column('hold_id')
        batch_op.drop_column('payee_account_id')

    with op.batch_alter_table('trading_payout_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trading_payout_batches_submitted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('status')

    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_payments_stripe_refund_id'))
        batch_op.drop_index(batch_op.f('ix_trading_payments_stripe_charge_id'))
        batch_op.drop_column('value_date')
        batch_op.drop_column('stripe_refund_id')

    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.drop_column('vat_minor')
        batch_op.drop_column('vat_bps')

    with op.batch_alter_table('finance_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_corrections_status'))

    op.drop_table('finance_corrections')
    with op.batch_alter_table('finance_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_exceptions_stripe_line_id'))
        batch_op.drop_index(batch_op.f('ix_finance_exceptions_status'))
        batch_op.drop_index(batch_op.f('ix_finance_exceptions_kind'))
        batch_op.drop_index(batch_op.f('ix_finance_exceptions_bank_line_id'))

    op.drop_table('finance_exceptions')
    with op.batch_alter_table('finance_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_matches_stripe_line_id'))
        batch_op.drop_index(batch_op.f('ix_finance_matches_bank_line_id'))

    op.drop_table('finance_matches')
    with op.batch_alter_table('finance_bank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_bank_lines_value_date'))
        batch_op.drop_index(batch_op.f('ix_finance_bank_lines_statement_id'))
        batch_op.drop_index(batch_op.f('ix_finance_bank_lines_state'))

    op.drop_table('finance_bank_lines')
    with op.batch_alter_table('finance_payee_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_payee_accounts_status'))
        batch_op.drop_index(batch_op.f('ix_finance_payee_accounts_organisation_id'))

    op.drop_table('finance_payee_accounts')
    with op.batch_alter_table('finance_bank_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_bank_statements_bank_account_id'))

    op.drop_table('finance_bank_statements')
    with op.batch_alter_table('finance_audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_audit_events_subject'))

    op.drop_table('finance_audit_events')
    op.drop_table('finance_stripe_syncs')
    with op.batch_alter_table('finance_stripe_balance_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_state'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_source_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_refund_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_payout_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_payment_intent_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_dispute_id'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_created'))
        batch_op.drop_index(batch_op.f('ix_finance_stripe_balance_transactions_charge_id'))

    op.drop_table('finance_stripe_balance_transactions')
    op.drop_table('finance_bank_accounts')
