"""valuation: profiling jobs worked by shujiao worker

Revision ID: 0017_profile_jobs
Revises: 0011_uploads
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0017_profile_jobs'
down_revision = '0011_uploads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('valuation_profile_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.String(length=255), nullable=False),
    sa.Column('schema', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='profilejobstatus', native_enum=False, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['valuation_reports.id'], name=op.f('fk_valuation_profile_jobs_report_id_valuation_reports')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_valuation_profile_jobs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_profile_jobs'))
    )
    with op.batch_alter_table('valuation_profile_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_profile_jobs_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_profile_jobs_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('valuation_profile_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_valuation_profile_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_valuation_profile_jobs_report_id'))

    op.drop_table('valuation_profile_jobs')
