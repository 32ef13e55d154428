"""trading: an order records whether it is cross-border (use outside the provider's
jurisdiction) apart from whether it is an outbound transfer out of mainland China

Revision ID: 0031_order_outbound
Revises: 0030_synonym_unfound_terms
"""

from alembic import op
import sqlalchemy as sa


revision = "0031_order_outbound"
down_revision = "0030_synonym_unfound_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trading_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outbound", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Until now ``cross_border`` was set only for an outbound transfer; an order of a provider
    # outside the mainland was kept false whoever bought it. The outbound ones stay so, and
    # an order whose buyer is registered outside the provider's jurisdiction is cross-border
    # (a use declared abroad by a buyer at home was not kept, so it cannot be restored).
    op.execute("UPDATE trading_orders SET outbound = cross_border")
    op.execute(
        "UPDATE trading_orders SET cross_border = true WHERE cross_border = false AND ("
        "SELECT buyer.jurisdiction FROM organisations AS buyer"
        " WHERE buyer.id = trading_orders.buyer_organisation_id) <> ("
        "SELECT provider.jurisdiction FROM organisations AS provider"
        " WHERE provider.id = trading_orders.provider_organisation_id)"
    )
    with op.batch_alter_table("trading_orders", schema=None) as batch_op:
        batch_op.alter_column("outbound", server_default=None)


def downgrade() -> None:
    op.execute("UPDATE trading_orders SET cross_border = outbound")
    with op.batch_alter_table("trading_orders", schema=None) as batch_op:
        batch_op.drop_column("outbound")
