"""registry: assets, versions, files, claims, objections, certificates, the registry log

Revision ID: 0003_registry
Revises: 0002_ledger
Create Date: 2026-11-27 05:21:07.192499
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0003_registry'
down_revision = '0002_ledger'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_certificate_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_registry_certificate_counters'))
    )
    op.create_table('registry_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_registry_events_seq'))
    )
    op.create_table('registry_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_head'))
    )
    op.create_table('registry_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('dataset', 'data_service', 'data_report', 'image', 'audio', 'video', 'model_3d', 'text', name='assetkind', native_enum=False, length=32), nullable=False),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('industry', sa.Enum('finance', 'healthcare', 'transport', 'meteorology', 'education', 'culture_tourism', 'manufacturing', 'government', 'energy', 'agriculture', 'other', name='industry', native_enum=False, length=32), nullable=False),
    sa.Column('temporal_start', sa.Date(), nullable=True),
    sa.Column('temporal_end', sa.Date(), nullable=True),
    sa.Column('spatial_coverage', sa.String(length=200), nullable=True),
    sa.Column('update_frequency', sa.Enum('once', 'realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular', name='updatefrequency', native_enum=False, length=32), nullable=True),
    sa.Column('data_format', sa.String(length=64), nullable=True),
    sa.Column('record_count', sa.BigInteger(), nullable=True),
    sa.Column('field_schema', sa.JSON(), nullable=True),
    sa.Column('creator', sa.String(length=200), nullable=True),
    sa.Column('work_type', sa.String(length=100), nullable=True),
    sa.Column('creation_date', sa.Date(), nullable=True),
    sa.Column('copyright_registration_number', sa.String(length=64), nullable=True),
    sa.Column('provenance', sa.Text(), nullable=True),
    sa.Column('personal_info', sa.Enum('none', 'deidentified', 'personal', 'sensitive', name='personalinfo', native_enum=False, length=32), nullable=False),
    sa.Column('legal_basis', sa.Enum('consent', 'contract', 'public_data_authorisation', 'statutory_duty', 'publicly_disclosed', name='legalbasis', native_enum=False, length=32), nullable=True),
    sa.Column('important_data', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registry_assets_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registry_assets_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_assets'))
    )
    with op.batch_alter_table('registry_assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_assets_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('registry_asset_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_registry_asset_versions_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registry_asset_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_asset_versions')),
    sa.UniqueConstraint('asset_id', 'number', name=op.f('uq_registry_asset_versions_asset_id_number'))
    )
    with op.batch_alter_table('registry_asset_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_asset_versions_fingerprint'), ['fingerprint'], unique=False)

    op.create_table('registry_asset_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['registry_asset_versions.id'], name=op.f('fk_registry_asset_files_version_id_registry_asset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_asset_files')),
    sa.UniqueConstraint('version_id', 'name', name=op.f('uq_registry_asset_files_version_id_name'))
    )
    with op.batch_alter_table('registry_asset_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_asset_files_sha256'), ['sha256'], unique=False)

    op.create_table('registry_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('rights', sa.JSON(), nullable=False),
    sa.Column('source', sa.Enum('self_collected', 'public_data_authorised', 'purchased', 'derived', name='sourcekind', native_enum=False, length=32), nullable=False),
    sa.Column('source_note', sa.Text(), nullable=True),
    sa.Column('source_references', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'under_review', 'info_requested', 'resubmitted', 'public_notice', 'rejected', 'failed', 'certified', 'withdrawn', name='claimstate', native_enum=False, length=32), nullable=False),
    sa.Column('notice_starts_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notice_ends_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_registry_claims_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_registry_claims_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registry_claims_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['version_id'], ['registry_asset_versions.id'], name=op.f('fk_registry_claims_version_id_registry_asset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_claims'))
    )
    with op.batch_alter_table('registry_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_claims_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_claims_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_claims_state'), ['state'], unique=False)

    op.create_table('registry_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('rights', sa.JSON(), nullable=False),
    sa.Column('issued_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('valid', 'revoked', 'superseded', name='certificatestatus', native_enum=False, length=32), nullable=False),
    sa.Column('status_changed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['registry_assets.id'], name=op.f('fk_registry_certificates_asset_id_registry_assets')),
    sa.ForeignKeyConstraint(['claim_id'], ['registry_claims.id'], name=op.f('fk_registry_certificates_claim_id_registry_claims')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registry_certificates_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['users.id'], name=op.f('fk_registry_certificates_status_changed_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['registry_asset_versions.id'], name=op.f('fk_registry_certificates_version_id_registry_asset_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_certificates')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_registry_certificates_claim_id')),
    sa.UniqueConstraint('number', name=op.f('uq_registry_certificates_number'))
    )
    with op.batch_alter_table('registry_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_certificates_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_certificates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('registry_claim_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('other_claim_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('found_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['registry_claims.id'], name=op.f('fk_registry_claim_conflicts_claim_id_registry_claims')),
    sa.ForeignKeyConstraint(['other_claim_id'], ['registry_claims.id'], name=op.f('fk_registry_claim_conflicts_other_claim_id_registry_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_claim_conflicts')),
    sa.UniqueConstraint('claim_id', 'other_claim_id', 'sha256', name=op.f('uq_registry_claim_conflicts_claim_id_other_claim_id_sha256'))
    )
    op.create_table('registry_claim_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.Enum('draft', 'submitted', 'under_review', 'info_requested', 'resubmitted', 'public_notice', 'rejected', 'failed', 'certified', 'withdrawn', name='claimstate', native_enum=False, length=32), nullable=False),
    sa.Column('to_state', sa.Enum('draft', 'submitted', 'under_review', 'info_requested', 'resubmitted', 'public_notice', 'rejected', 'failed', 'certified', 'withdrawn', name='claimstate', native_enum=False, length=32), nullable=False),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['registry_claims.id'], name=op.f('fk_registry_claim_events_claim_id_registry_claims')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registry_claim_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_claim_events'))
    )
    with op.batch_alter_table('registry_claim_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_claim_events_claim_id'), ['claim_id'], unique=False)

    op.create_table('registry_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('open', 'upheld', 'dismissed', 'moot', name='objectionstate', native_enum=False, length=32), nullable=False),
    sa.Column('filed_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['registry_claims.id'], name=op.f('fk_registry_objections_claim_id_registry_claims')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_registry_objections_decided_by_id_users')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_registry_objections_filed_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_registry_objections_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_objections'))
    )
    with op.batch_alter_table('registry_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_objections_claim_id'), ['claim_id'], unique=False)

    op.create_table('registry_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['registry_claims.id'], name=op.f('fk_registry_evidence_claim_id_registry_claims')),
    sa.ForeignKeyConstraint(['objection_id'], ['registry_objections.id'], name=op.f('fk_registry_evidence_objection_id_registry_objections')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_registry_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_evidence'))
    )
    with op.batch_alter_table('registry_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_evidence_claim_id'), ['claim_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registry_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_evidence_claim_id'))

    op.drop_table('registry_evidence')
    with op.batch_alter_table('registry_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_objections_claim_id'))

    op.drop_table('registry_objections')
    with op.batch_alter_table('registry_claim_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_claim_events_claim_id'))

    op.drop_table('registry_claim_events')
    op.drop_table('registry_claim_conflicts')
    with op.batch_alter_table('registry_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_certificates_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_registry_certificates_asset_id'))

    op.drop_table('registry_certificates')
    with op.batch_alter_table('registry_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_claims_state'))
        batch_op.drop_index(batch_op.f('ix_registry_claims_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_registry_claims_asset_id'))

    op.drop_table('registry_claims')
    with op.batch_alter_table('registry_asset_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_asset_files_sha256'))

    op.drop_table('registry_asset_files')
    with op.batch_alter_table('registry_asset_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_asset_versions_fingerprint'))

    op.drop_table('registry_asset_versions')
    with op.batch_alter_table('registry_assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_assets_organisation_id'))

    op.drop_table('registry_assets')
    op.drop_table('registry_head')
    op.drop_table('registry_events')
    op.drop_table('registry_certificate_counters')
