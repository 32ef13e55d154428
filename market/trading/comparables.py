"""The exchange's own settled trades, offered to appraisers as market comparables (市場法)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.registry.models import Industry
from market.trading.models import Order, OrderStatus

WINDOW = timedelta(days=730)


def settled_trades(
    session: Session, category: Industry, currency: str, now: datetime, limit: int = 10
) -> list[dict]:
    """Settled orders in ``category`` and ``currency`` over the last two years, newest first,
    in the shape of a comparable (the appraiser then sets its adjustment factors)."""
    orders = session.scalars(
        sa.select(Order)
        .where(
            Order.status == OrderStatus.SETTLED,
            Order.category == category,
            Order.currency == currency,
            Order.settled_at >= now - WINDOW,
        )
        .order_by(Order.settled_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [
        {
            "price": order.price_minor,
            "source": "exchange",
            "reference": f"order:{order.reference or order.id}",
            "exclusive": order.exclusive,
            "settled_at": order.settled_at.isoformat(),
        }
        for order in orders
    ]
