"""search: the synonym trail names the built-in groups an addition or change joined

Revision ID: 0027_synonym_trail_joins
Revises: 0026_synonym_audit_client
"""

from alembic import op
import sqlalchemy as sa


revision = "0027_synonym_trail_joins"
down_revision = "0026_synonym_audit_client"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joins", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.drop_column("joins")
