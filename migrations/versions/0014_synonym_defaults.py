"""synonym defaults: built-in synonym groups staff deleted

Revision ID: 0014_synonym_defaults
Revises: 0017_profile_jobs
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0014_synonym_defaults'
down_revision = '0013_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_retired_defaults',
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_search_retired_defaults_user_id_users')),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_search_retired_defaults'))
    )


def downgrade() -> None:
    op.drop_table('search_retired_defaults')
