"""uploads: resumable upload sessions of large asset files

Revision ID: 0011_uploads
Revises: 0010_valuation
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0011_uploads'
down_revision = '0010_valuation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('upload_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('part_size', sa.BigInteger(), nullable=False),
    sa.Column('part_count', sa.Integer(), nullable=False),
    sa.Column('store_handle', sa.String(length=1024), nullable=False),
    sa.Column('state', sa.Enum('open', 'verifying', 'registered', 'rejected', 'aborted', 'expired', name='uploadstate', native_enum=False, length=32), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_upload_sessions_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_upload_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_upload_sessions_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['version_id'], ['registry_asset_versions.id'], name=op.f('fk_upload_sessions_version_id_registry_asset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_sessions')),
    sa.UniqueConstraint('token', name=op.f('uq_upload_sessions_token'))
    )
    with op.batch_alter_table('upload_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_sessions_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_sessions_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('upload_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_sessions_state'))
        batch_op.drop_index(batch_op.f('ix_upload_sessions_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_upload_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_upload_sessions_asset_id'))

    op.drop_table('upload_sessions')
