"""search: the search log keeps the filters a search was on, so the report tells a query
that found nothing within its filters from one whose words no listing holds

Revision ID: 0028_search_log_filters
Revises: 0027_synonym_trail_joins
"""

from alembic import op
import sqlalchemy as sa


revision = "0028_search_log_filters"
down_revision = "0027_synonym_trail_joins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_queries", schema=None) as batch_op:
        batch_op.drop_column("filters")
