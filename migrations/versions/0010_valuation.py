"""valuation: valuation reports

Revision ID: 0010_valuation
Revises: 0009_reconciliation
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0010_valuation'
down_revision = '0009_reconciliation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('valuation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('trading', 'financing', 'accounting', 'investment', 'other', name='purpose', native_enum=False, length=32), nullable=False),
    sa.Column('purpose_note', sa.Text(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('requested', 'in_progress', 'final', 'cancelled', name='reportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('appraiser_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('inputs', sa.JSON(), nullable=True),
    sa.Column('profile', sa.JSON(), nullable=True),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('value_low', sa.BigInteger(), nullable=True),
    sa.Column('value_base', sa.BigInteger(), nullable=True),
    sa.Column('value_high', sa.BigInteger(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('edition', sa.Integer(), nullable=True),
    sa.Column('finalised_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('chain_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appraiser_id'], ['users.id'], name=op.f('fk_valuation_reports_appraiser_id_users')),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_valuation_reports_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_valuation_reports_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_valuation_reports_requested_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['registry_asset_versions.id'], name=op.f('fk_valuation_reports_version_id_registry_asset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_reports')),
    sa.UniqueConstraint('asset_id', 'edition', name=op.f('uq_valuation_reports_asset_id_edition')),
    sa.UniqueConstraint('number', name=op.f('uq_valuation_reports_number'))
    )
    with op.batch_alter_table('valuation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_reports_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_reports_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_reports_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('valuation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_valuation_reports_status'))
        batch_op.drop_index(batch_op.f('ix_valuation_reports_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_valuation_reports_asset_id'))

    op.drop_table('valuation_reports')
