"""search: a synonym group records the terms no listing held when it was saved, so buyers'
suggestions leave them out (a typo is no word to offer)

Revision ID: 0030_synonym_unfound_terms
Revises: 0029_synonym_trail_note_change
"""

from alembic import op
import sqlalchemy as sa


revision = "0030_synonym_unfound_terms"
down_revision = "0029_synonym_trail_note_change"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_synonym_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unfound", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_synonym_groups", schema=None) as batch_op:
        batch_op.drop_column("unfound")
