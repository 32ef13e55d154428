"""featured: listings exchange staff show on the home page

Revision ID: 0015_featured
Revises: 0017_profile_jobs
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0015_featured'
down_revision = '0017_profile_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listing_features',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('featured_by_id', sa.Integer(), nullable=False),
    sa.Column('featured_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['featured_by_id'], ['users.id'], name=op.f('fk_listing_features_featured_by_id_users')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_features_listing_id_listings')),
    sa.PrimaryKeyConstraint('listing_id', name=op.f('pk_listing_features'))
    )
    with op.batch_alter_table('listing_features', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_features_featured_at'), ['featured_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('listing_features', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_features_featured_at'))

    op.drop_table('listing_features')
