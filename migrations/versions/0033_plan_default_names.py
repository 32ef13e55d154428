"""listings: plans saved with the generated default name store none, like unnamed plans since

Revision ID: 0033_plan_default_names
Revises: 0032_plan_names_optional
"""

from alembic import op
import sqlalchemy as sa


revision = "0033_plan_default_names"
down_revision = "0032_plan_names_optional"
branch_labels = None
depends_on = None

# The names the editor gave a plan whose names were left blank, before 0032: its kind's label
# in Simplified Chinese and in English (``PLAN_KIND_LABELS`` through the zh and en catalogues,
# unchanged since the first listing). Stored, the Simplified one showed on Traditional pages.
GENERATED_NAMES = {
    "one_time": ("一次性授权", "One-time licence"),
    "subscription": ("订阅", "Subscription"),
    "usage_package": ("预付费调用包", "Prepaid usage package"),
    "private_offer": ("专属报价", "Private offer"),
}

plans = sa.table(
    "listing_plans",
    sa.column("kind", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
)


def upgrade() -> None:
    # Each name on its own: the editor filled whichever of the two was left blank, so a plan
    # named in one language keeps that name and is shown under its kind's in the other.
    for kind, (zh, en) in GENERATED_NAMES.items():
        op.execute(
            plans.update()
            .where(plans.c.kind == kind, sa.or_(plans.c.name_zh == zh, plans.c.name_en == en))
            .values(
                name_zh=sa.case((plans.c.name_zh == zh, sa.null()), else_=plans.c.name_zh),
                name_en=sa.case((plans.c.name_en == en, sa.null()), else_=plans.c.name_en),
            )
        )


def downgrade() -> None:
    # Nothing to restore: at 0032 a plan may store no name, and one that does not is shown
    # under its kind's name exactly as the generated default read.
    pass
