"""listings: a plan left unnamed stores no name (its kind's name is shown, translated)

Revision ID: 0032_plan_names_optional
Revises: 0031_order_outbound
"""

from alembic import op
import sqlalchemy as sa


revision = "0032_plan_names_optional"
down_revision = "0031_order_outbound"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing_plans", schema=None) as batch_op:
        batch_op.alter_column("name_zh", existing_type=sa.String(100), nullable=True)
        batch_op.alter_column("name_en", existing_type=sa.String(100), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE listing_plans SET name_zh = kind WHERE name_zh IS NULL")
    op.execute("UPDATE listing_plans SET name_en = kind WHERE name_en IS NULL")
    with op.batch_alter_table("listing_plans", schema=None) as batch_op:
        batch_op.alter_column("name_zh", existing_type=sa.String(100), nullable=False)
        batch_op.alter_column("name_en", existing_type=sa.String(100), nullable=False)
