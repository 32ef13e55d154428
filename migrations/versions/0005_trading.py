"""trading: orders, payments, refunds, disputes, entitlements, downloads, payouts, stripe events

Revision ID: 0005_trading
Revises: 0004_listings
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0005_trading'
down_revision = '0004_listings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stripe_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('received_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_events_event_id'))
    )
    op.create_table('trading_payout_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trading_payout_batches_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_payout_batches'))
    )
    op.create_table('trading_payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'bank_transfer', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'paid', name='payoutstatus', native_enum=False, length=32), nullable=False),
    sa.Column('stripe_transfer_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trading_payout_batches.id'], name=op.f('fk_trading_payouts_batch_id_trading_payout_batches')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trading_payouts_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_payouts'))
    )
    with op.batch_alter_table('trading_payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_payouts_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_payouts_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trading_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('buyer_organisation_id', sa.Integer(), nullable=False),
    sa.Column('provider_organisation_id', sa.Integer(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('awaiting_payment', 'paid', 'delivered', 'accepted', 'settled', 'cancelled', 'refunded', 'disputed', name='orderstatus', native_enum=False, length=32), nullable=False),
    sa.Column('usage_scenario', sa.Enum('research', 'internal_analytics', 'model_training', 'product_development', 'risk_control', 'marketing', 'public_service', 'media_publication', name='usagescenario', native_enum=False, length=32), nullable=False),
    sa.Column('usage_note', sa.Text(), nullable=True),
    sa.Column('cross_border', sa.Boolean(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('plan_snapshot', sa.JSON(), nullable=False),
    sa.Column('delivery_method', sa.Enum('download', 'api', name='deliverymethod', native_enum=False, length=32), nullable=False),
    sa.Column('category', sa.Enum('finance', 'healthcare', 'transport', 'meteorology', 'education', 'culture_tourism', 'manufacturing', 'government', 'energy', 'agriculture', 'other', name='industry', native_enum=False, length=32), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('fee_bps', sa.Integer(), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('provider_minor', sa.BigInteger(), nullable=False),
    sa.Column('payment_method', sa.Enum('stripe', 'bank_transfer', name='paymentmethod', native_enum=False, length=32), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acceptance_due_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_organisation_id'], ['organisations.id'], name=op.f('fk_trading_orders_buyer_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_trading_orders_listing_id_listings')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_trading_orders_placed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['listing_plans.id'], name=op.f('fk_trading_orders_plan_id_listing_plans')),
    sa.ForeignKeyConstraint(['provider_organisation_id'], ['organisations.id'], name=op.f('fk_trading_orders_provider_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_trading_orders_revision_id_listing_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_orders')),
    sa.UniqueConstraint('buyer_organisation_id', 'idempotency_key', name=op.f('uq_trading_orders_buyer_organisation_id_idempotency_key')),
    sa.UniqueConstraint('reference', name=op.f('uq_trading_orders_reference'))
    )
    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_orders_buyer_organisation_id'), ['buyer_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_orders_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_orders_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_orders_provider_organisation_id'), ['provider_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_orders_status'), ['status'], unique=False)
        batch_op.create_index('ix_trading_orders_status_due', ['status', 'acceptance_due_at'], unique=False)

    op.create_table('trading_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'decided', name='disputestatus', native_enum=False, length=32), nullable=False),
    sa.Column('order_status', sa.Enum('awaiting_payment', 'paid', 'delivered', 'accepted', 'settled', 'cancelled', 'refunded', 'disputed', name='orderstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('stripe_dispute_id', sa.String(length=255), nullable=True),
    sa.Column('decision', sa.Enum('release', 'partial_refund', 'full_refund', name='disputedecision', native_enum=False, length=32), nullable=True),
    sa.Column('refund_minor', sa.BigInteger(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('opened_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_trading_disputes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_trading_disputes_opened_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_disputes_order_id_trading_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_disputes')),
    sa.UniqueConstraint('stripe_dispute_id', name=op.f('uq_trading_disputes_stripe_dispute_id'))
    )
    with op.batch_alter_table('trading_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_disputes_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_disputes_status'), ['status'], unique=False)

    op.create_table('trading_entitlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('buyer_organisation_id', sa.Integer(), nullable=False),
    sa.Column('asset_version_id', sa.Integer(), nullable=False),
    sa.Column('delivery_method', sa.Enum('download', 'api', name='deliverymethod', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', name='entitlementstatus', native_enum=False, length=32), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('starts_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_downloads', sa.Integer(), nullable=True),
    sa.Column('downloads_used', sa.Integer(), nullable=False),
    sa.Column('calls_allowed', sa.BigInteger(), nullable=True),
    sa.Column('calls_used', sa.BigInteger(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_version_id'], ['registry_asset_versions.id'], name=op.f('fk_trading_entitlements_asset_version_id_registry_asset_versions')),
    sa.ForeignKeyConstraint(['buyer_organisation_id'], ['organisations.id'], name=op.f('fk_trading_entitlements_buyer_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_entitlements_order_id_trading_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_entitlements')),
    sa.UniqueConstraint('order_id', name=op.f('uq_trading_entitlements_order_id'))
    )
    with op.batch_alter_table('trading_entitlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_entitlements_buyer_organisation_id'), ['buyer_organisation_id'], unique=False)

    op.create_table('trading_exclusive_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_exclusive_claims_order_id_trading_orders')),
    sa.ForeignKeyConstraint(['plan_id'], ['listing_plans.id'], name=op.f('fk_trading_exclusive_claims_plan_id_listing_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_exclusive_claims')),
    sa.UniqueConstraint('order_id', name=op.f('uq_trading_exclusive_claims_order_id')),
    sa.UniqueConstraint('plan_id', name=op.f('uq_trading_exclusive_claims_plan_id'))
    )
    op.create_table('trading_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.Enum('awaiting_payment', 'paid', 'delivered', 'accepted', 'settled', 'cancelled', 'refunded', 'disputed', name='orderstatus', native_enum=False, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('awaiting_payment', 'paid', 'delivered', 'accepted', 'settled', 'cancelled', 'refunded', 'disputed', name='orderstatus', native_enum=False, length=32), nullable=False),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_order_events_order_id_trading_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trading_order_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_order_events'))
    )
    with op.batch_alter_table('trading_order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_order_events_order_id'), ['order_id'], unique=False)

    op.create_table('trading_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'bank_transfer', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', 'held', 'returned', name='paymentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_charge_id', sa.String(length=255), nullable=True),
    sa.Column('bank_transaction_id', sa.String(length=100), nullable=True),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_payments_order_id_trading_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_trading_payments_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_payments')),
    sa.UniqueConstraint('bank_transaction_id', name=op.f('uq_trading_payments_bank_transaction_id')),
    sa.UniqueConstraint('stripe_payment_intent_id', name=op.f('uq_trading_payments_stripe_payment_intent_id'))
    )
    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_payments_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_payments_status'), ['status'], unique=False)

    op.create_table('trading_downloads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entitlement_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('remote_addr', sa.String(length=45), nullable=True),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entitlement_id'], ['trading_entitlements.id'], name=op.f('fk_trading_downloads_entitlement_id_trading_entitlements')),
    sa.ForeignKeyConstraint(['file_id'], ['registry_asset_files.id'], name=op.f('fk_trading_downloads_file_id_registry_asset_files')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trading_downloads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_downloads'))
    )
    with op.batch_alter_table('trading_downloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_downloads_entitlement_id'), ['entitlement_id'], unique=False)

    op.create_table('trading_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='refundstatus', native_enum=False, length=32), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'bank_transfer', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('after_settlement', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('hold_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['trading_disputes.id'], name=op.f('fk_trading_refunds_dispute_id_trading_disputes')),
    sa.ForeignKeyConstraint(['order_id'], ['trading_orders.id'], name=op.f('fk_trading_refunds_order_id_trading_orders')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_trading_refunds_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_refunds')),
    sa.UniqueConstraint('order_id', 'idempotency_key', name=op.f('uq_trading_refunds_order_id_idempotency_key')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_trading_refunds_stripe_refund_id'))
    )
    with op.batch_alter_table('trading_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trading_refunds_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trading_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_refunds_status'))
        batch_op.drop_index(batch_op.f('ix_trading_refunds_order_id'))

    op.drop_table('trading_refunds')
    with op.batch_alter_table('trading_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_downloads_entitlement_id'))

    op.drop_table('trading_downloads')
    with op.batch_alter_table('trading_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_payments_status'))
        batch_op.drop_index(batch_op.f('ix_trading_payments_order_id'))

    op.drop_table('trading_payments')
    with op.batch_alter_table('trading_order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_order_events_order_id'))

    op.drop_table('trading_order_events')
    op.drop_table('trading_exclusive_claims')
    with op.batch_alter_table('trading_entitlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_entitlements_buyer_organisation_id'))

    op.drop_table('trading_entitlements')
    with op.batch_alter_table('trading_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_disputes_status'))
        batch_op.drop_index(batch_op.f('ix_trading_disputes_order_id'))

    op.drop_table('trading_disputes')
    with op.batch_alter_table('trading_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_trading_orders_status_due')
        batch_op.drop_index(batch_op.f('ix_trading_orders_status'))
        batch_op.drop_index(batch_op.f('ix_trading_orders_provider_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trading_orders_plan_id'))
        batch_op.drop_index(batch_op.f('ix_trading_orders_listing_id'))
        batch_op.drop_index(batch_op.f('ix_trading_orders_buyer_organisation_id'))

    op.drop_table('trading_orders')
    with op.batch_alter_table('trading_payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_payouts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trading_payouts_batch_id'))

    op.drop_table('trading_payouts')
    op.drop_table('trading_payout_batches')
    op.drop_table('stripe_events')
