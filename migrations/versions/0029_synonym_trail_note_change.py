"""search: the synonym trail records a change of a group's note (before and after), so a
note cleared or replaced shows in the trail

Revision ID: 0029_synonym_trail_note_change
Revises: 0028_search_log_filters
"""

from alembic import op
import sqlalchemy as sa


revision = "0029_synonym_trail_note_change"
down_revision = "0028_search_log_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_change", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.drop_column("note_change")
