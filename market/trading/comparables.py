"""The exchange's own settled trades, offered to appraisers as market comparables (市場法)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.listings.models import Listing
from market.registry.models import Industry
from market.trading.models import Order, OrderStatus

WINDOW = timedelta(days=730)


def settled_trades(
    session: Session, category: Industry | None, currency: str, now: datetime, limit: int = 10
) -> list[dict]:
    """Settled orders in ``category`` (``None``: any) and ``currency`` over the last two
    years, newest first, in the shape of a comparable with what ranking them needs: the
    traded asset's size and coverage and the licence terms bound into the order."""
    statement = (
        sa.select(Order)
        .where(
            Order.status == OrderStatus.SETTLED,
            Order.currency == currency,
            Order.settled_at >= now - WINDOW,
        )
        .order_by(Order.settled_at.desc(), Order.id.desc())
        .limit(limit)
    )
    if category is not None:
        statement = statement.where(Order.category == category)
    return [_comparable(order) for order in session.scalars(statement)]


def _comparable(order: Order) -> dict:
    asset, revision, terms = order.listing.asset, order.revision, order.terms or {}
    return {
        "price": order.price_minor,
        "source": "exchange",
        "reference": f"order:{order.reference or order.id}",
        "exclusive": order.exclusive,
        "settled_at": order.settled_at.isoformat(),
        "asset_id": asset.id,
        # What was traded, for the appraiser to choose by: the asset and the plan bought.
        "asset_title_zh": asset.title_zh,
        "asset_title_en": asset.title_en,
        "plan_zh": order.plan.name_zh,
        "plan_en": order.plan.name_en,
        "category": str(order.category),
        "record_count": asset.record_count,
        "region_code": revision.region,
        "coverage_from": revision.coverage_from,
        "coverage_to": revision.coverage_to,
        "territory": list(terms.get("territory") or []),
        "duration_months": terms.get("duration_months"),
    }


def listed_terms(session: Session, asset_id: int) -> dict | None:
    """The licence terms an asset is offered under on its live listing (with whether any of
    its plans is exclusive), or ``None`` when it is not listed."""
    listing = session.scalar(
        sa.select(Listing)
        .where(Listing.asset_id == asset_id, Listing.live_revision_id.is_not(None))
        .order_by(Listing.id.desc())
        .limit(1)
    )
    if listing is None:
        return None
    revision = listing.live_revision
    return {
        "exclusive": any(plan.exclusive for plan in revision.plans),
        "territory": list(revision.terms.get("territory") or []),
        "duration_months": revision.terms.get("duration_months"),
        "region_code": revision.region,
        "coverage_from": revision.coverage_from,
        "coverage_to": revision.coverage_to,
    }
