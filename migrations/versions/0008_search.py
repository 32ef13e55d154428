"""search: the staff synonym list and its audit trail, search queries and result clicks

Revision ID: 0008_search
Revises: 0006_onboarding
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0008_search'
down_revision = '0006_onboarding'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_synonym_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_search_synonym_groups_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym_groups'))
    )
    op.create_table('search_synonym_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_search_synonym_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym_changes'))
    )
    with op.batch_alter_table('search_synonym_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_synonym_changes_group_id'), ['group_id'], unique=False)

    op.create_table('search_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('normalized', sa.String(length=500), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('relaxed', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_search_queries_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queries'))
    )
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queries_at'), ['at'], unique=False)
        batch_op.create_index('ix_search_queries_text_at', ['normalized', 'at'], unique=False)

    op.create_table('search_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['query_id'], ['search_queries.id'], name=op.f('fk_search_clicks_query_id_search_queries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_clicks'))
    )
    with op.batch_alter_table('search_clicks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_clicks_query_id'), ['query_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_clicks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_clicks_query_id'))

    op.drop_table('search_clicks')
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_search_queries_text_at')
        batch_op.drop_index(batch_op.f('ix_search_queries_at'))

    op.drop_table('search_queries')
    with op.batch_alter_table('search_synonym_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_synonym_changes_group_id'))

    op.drop_table('search_synonym_changes')
    op.drop_table('search_synonym_groups')
