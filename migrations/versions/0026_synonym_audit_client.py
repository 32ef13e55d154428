"""search: the synonym trail names the API client and keeps the note given with a change;
synonym group ids are never reused on SQLite

Revision ID: 0026_synonym_audit_client
Revises: 0025_cross_border_recipient
"""

from alembic import op
import sqlalchemy as sa


revision = "0026_synonym_audit_client"
down_revision = "0025_cross_border_recipient"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL's sequence never hands an id out twice
    # AUTOINCREMENT: the table is copied into one declared with it (ids kept), and its
    # counter starts past every id the trail ever named, deleted groups' too.
    with op.batch_alter_table(
        "search_synonym_groups", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    highest = bind.execute(
        sa.text(
            "SELECT MAX(n) FROM (SELECT MAX(id) AS n FROM search_synonym_groups"
            " UNION ALL SELECT MAX(group_id) FROM search_synonym_changes)"
        )
    ).scalar()
    if highest:
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'search_synonym_groups'"))
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('search_synonym_groups', :n)"),
            {"n": highest},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "search_synonym_groups", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
    with op.batch_alter_table("search_synonym_changes", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("client_id")
