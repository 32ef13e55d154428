"""listings: listings, revisions, plans, samples, compliance reviews, demands, matches, notifications

Revision ID: 0004_listings
Revises: 0003_registry
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0004_listings'
down_revision = '0003_registry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('category', sa.Enum('finance', 'healthcare', 'transport', 'meteorology', 'education', 'culture_tourism', 'manufacturing', 'government', 'energy', 'agriculture', 'other', name='industry', native_enum=False, length=32), nullable=True),
    sa.Column('budget_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('usage_scenario', sa.Enum('research', 'internal_analytics', 'model_training', 'product_development', 'risk_control', 'marketing', 'public_service', 'media_publication', name='usagescenario', native_enum=False, length=32), nullable=False),
    sa.Column('cross_border', sa.Boolean(), nullable=False),
    sa.Column('delivery_method', sa.Enum('download', 'api', name='deliverymethod', native_enum=False, length=32), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='demandstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('matched_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_demands_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_demands_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demands'))
    )
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demands_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demands_status'), ['status'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=255), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notifications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_unread', ['organisation_id', 'read_at'], unique=False)

    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'published', 'suspended', 'delisted', name='listingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('live_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_listings_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_listings_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_listings_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_status'), ['status'], unique=False)

    op.create_table('listing_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'in_review', 'changes_requested', 'live', 'superseded', 'withdrawn', name='revisionstate', native_enum=False, length=32), nullable=False),
    sa.Column('asset_version_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('rights', sa.JSON(), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('category', sa.Enum('finance', 'healthcare', 'transport', 'meteorology', 'education', 'culture_tourism', 'manufacturing', 'government', 'energy', 'agriculture', 'other', name='industry', native_enum=False, length=32), nullable=False),
    sa.Column('delivery_method', sa.Enum('download', 'api', name='deliverymethod', native_enum=False, length=32), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('coverage_from', sa.Integer(), nullable=True),
    sa.Column('coverage_to', sa.Integer(), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('valuation_report_number', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asset_version_id'], ['registry_asset_versions.id'], name=op.f('fk_listing_revisions_asset_version_id_registry_asset_versions')),
    sa.ForeignKeyConstraint(['certificate_id'], ['registry_certificates.id'], name=op.f('fk_listing_revisions_certificate_id_registry_certificates')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_listing_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_revisions_listing_id_listings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_revisions')),
    sa.UniqueConstraint('listing_id', 'number', name=op.f('uq_listing_revisions_listing_id_number'))
    )
    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_revisions_state'), ['state'], unique=False)

    # listings and listing_revisions point at each other: the live revision's key comes last.
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_listings_live_revision_id_listing_revisions'), 'listing_revisions', ['live_revision_id'], ['id'])

    op.create_table('listing_compliance_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'changes_requested', name='reviewdecision', native_enum=False, length=32), nullable=False),
    sa.Column('personal_info', sa.Enum('none', 'deidentified', 'lawful_basis', name='personalinfohandling', native_enum=False, length=32), nullable=False),
    sa.Column('personal_info_note', sa.Text(), nullable=True),
    sa.Column('important_data', sa.Boolean(), nullable=False),
    sa.Column('important_data_note', sa.Text(), nullable=True),
    sa.Column('cross_border_pathway', sa.Enum('exempt', 'standard_contract', 'certification', 'security_assessment', name='crossborderpathway', native_enum=False, length=32), nullable=True),
    sa.Column('cross_border_evidence', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_listing_compliance_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_listing_compliance_reviews_revision_id_listing_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_compliance_reviews')),
    sa.UniqueConstraint('revision_id', name=op.f('uq_listing_compliance_reviews_revision_id'))
    )
    op.create_table('listing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'in_review', 'published', 'suspended', 'delisted', name='listingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'in_review', 'published', 'suspended', 'delisted', name='listingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_events_listing_id_listings')),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_listing_events_revision_id_listing_revisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_listing_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_events'))
    )
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_events_listing_id'), ['listing_id'], unique=False)

    op.create_table('listing_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('one_time', 'subscription', 'usage_package', 'private_offer', name='plankind', native_enum=False, length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period', sa.Enum('month', 'year', name='billingperiod', native_enum=False, length=32), nullable=True),
    sa.Column('periods', sa.Integer(), nullable=True),
    sa.Column('calls', sa.BigInteger(), nullable=True),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('buyer_organisation_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_organisation_id'], ['organisations.id'], name=op.f('fk_listing_plans_buyer_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], name=op.f('fk_listing_plans_demand_id_demands')),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_listing_plans_revision_id_listing_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_plans'))
    )
    with op.batch_alter_table('listing_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_plans_buyer_organisation_id'), ['buyer_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_plans_revision_id'), ['revision_id'], unique=False)

    op.create_table('listing_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_listing_samples_revision_id_listing_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_samples'))
    )
    with op.batch_alter_table('listing_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_samples_revision_id'), ['revision_id'], unique=False)

    op.create_table('demand_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], name=op.f('fk_demand_matches_demand_id_demands')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_demand_matches_listing_id_listings')),
    sa.ForeignKeyConstraint(['plan_id'], ['listing_plans.id'], name=op.f('fk_demand_matches_plan_id_listing_plans')),
    sa.ForeignKeyConstraint(['revision_id'], ['listing_revisions.id'], name=op.f('fk_demand_matches_revision_id_listing_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_matches')),
    sa.UniqueConstraint('demand_id', 'listing_id', name=op.f('uq_demand_matches_demand_id_listing_id'))
    )
    with op.batch_alter_table('demand_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_matches_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('demand_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_matches_listing_id'))

    op.drop_table('demand_matches')
    with op.batch_alter_table('listing_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_samples_revision_id'))

    op.drop_table('listing_samples')
    with op.batch_alter_table('listing_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_plans_revision_id'))
        batch_op.drop_index(batch_op.f('ix_listing_plans_buyer_organisation_id'))

    op.drop_table('listing_plans')
    with op.batch_alter_table('listing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_events_listing_id'))

    op.drop_table('listing_events')
    op.drop_table('listing_compliance_reviews')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_listings_live_revision_id_listing_revisions'), type_='foreignkey')

    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_revisions_state'))

    op.drop_table('listing_revisions')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_status'))
        batch_op.drop_index(batch_op.f('ix_listings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_listings_asset_id'))

    op.drop_table('listings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_unread')

    op.drop_table('notifications')
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demands_status'))
        batch_op.drop_index(batch_op.f('ix_demands_organisation_id'))

    op.drop_table('demands')
