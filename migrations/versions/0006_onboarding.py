"""onboarding: organisation verification; idempotent payout batches

Revision ID: 0006_onboarding
Revises: 0007_hardening
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = "0006_onboarding"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("registration_number", sa.String(length=64), nullable=True),
        sa.Column("legal_representative", sa.String(length=100), nullable=False),
        sa.Column("registered_address", sa.String(length=500), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("licence_name", sa.String(length=255), nullable=False),
        sa.Column("licence_media_type", sa.String(length=100), nullable=False),
        sa.Column("licence_size", sa.BigInteger(), nullable=False),
        sa.Column("licence_sha256", sa.String(length=64), nullable=False),
        sa.Column("licence_storage_key", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", market.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", market.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_verification_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_verification_requests_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_verification_requests_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_requests")),
    )
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_requests_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "verification_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "unverified",
                "submitted",
                "under_review",
                "info_requested",
                "verified",
                "rejected",
                "suspended",
                name="verificationstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "unverified",
                "submitted",
                "under_review",
                "info_requested",
                "verified",
                "rejected",
                "suspended",
                name="verificationstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", market.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_verification_events_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["verification_requests.id"],
            name=op.f("fk_verification_events_request_id_verification_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_verification_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_events")),
    )
    with op.batch_alter_table("verification_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_events_organisation_id"), ["organisation_id"], unique=False
        )

    states = sa.Enum(
        "unverified",
        "submitted",
        "under_review",
        "info_requested",
        "verified",
        "rejected",
        "suspended",
        name="verificationstate",
        native_enum=False,
        length=32,
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verification_state", states, nullable=False, server_default="unverified")
        )
        batch_op.create_index(
            batch_op.f("ix_organisations_verification_state"), ["verification_state"], unique=False
        )
    # Organisations verified before verification had states stay verified.
    op.execute(
        "UPDATE organisations SET verification_state = 'verified' WHERE verified_at IS NOT NULL"
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("verification_state", existing_type=states, server_default=None)
    with op.batch_alter_table("trading_payout_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_trading_payout_batches_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("trading_payout_batches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_trading_payout_batches_idempotency_key"), type_="unique"
        )
        batch_op.drop_column("request_hash")
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_verification_state"))
        batch_op.drop_column("verification_state")

    with op.batch_alter_table("verification_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_events_organisation_id"))

    op.drop_table("verification_events")
    with op.batch_alter_table("verification_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_requests_organisation_id"))

    op.drop_table("verification_requests")
