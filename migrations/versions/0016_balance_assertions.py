"""balance assertions by day, and reports built in the background

Revision ID: 0016_balance_assertions
Revises: 0014_synonym_defaults
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = "0016_balance_assertions"
down_revision = "0014_synonym_defaults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_balance_assertions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("ledger_account", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("statement_minor", sa.BigInteger(), nullable=False),
        sa.Column("ledger_minor", sa.BigInteger(), nullable=False),
        sa.Column("difference_minor", sa.BigInteger(), nullable=False),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("unexplained_minor", sa.BigInteger(), nullable=False),
        sa.Column("carried_count", sa.Integer(), nullable=False),
        sa.Column("opened_count", sa.Integer(), nullable=False),
        sa.Column("cleared_count", sa.Integer(), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "agrees",
                "explained",
                "differs",
                "accepted",
                name="assertionstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("computed_at", market.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_balance_assertions")),
        sa.UniqueConstraint(
            "account_key",
            "currency",
            "day",
            name=op.f("uq_finance_balance_assertions_account_key_currency_day"),
        ),
    )
    with op.batch_alter_table("finance_balance_assertions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finance_balance_assertions_day"), ["day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_finance_balance_assertions_status"), ["status"], unique=False
        )

    op.create_table(
        "finance_report_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", market.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", market.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_finance_report_builds_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_report_builds")),
    )
    with op.batch_alter_table("finance_report_builds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finance_report_builds_status"), ["status"], unique=False
        )

    with op.batch_alter_table("finance_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assertion_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_finance_exceptions_assertion_id"), ["assertion_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finance_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_exceptions_assertion_id"))
        batch_op.drop_column("assertion_id")

    with op.batch_alter_table("finance_report_builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_report_builds_status"))

    op.drop_table("finance_report_builds")

    with op.batch_alter_table("finance_balance_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_balance_assertions_status"))
        batch_op.drop_index(batch_op.f("ix_finance_balance_assertions_day"))

    op.drop_table("finance_balance_assertions")
