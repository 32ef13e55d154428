"""What a provider has sold, been paid and is owed, in each currency it trades in.

Plans may be priced in Hong Kong dollars or another currency besides the yuan; the ledger keeps
each currency apart, and so does every total here: a provider owed ¥20,710.00 and
HK$12,825.00 sees both, never one sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from market.trading import books, orders
from market.trading.models import Order, OrderStatus, Payout, Refund, RefundStatus


@dataclass
class Earnings:
    """One currency's settled sales and payouts, as ``(moment, amount)`` rows, and what the
    exchange owes the provider in it now."""

    currency: str
    sales: list[tuple[datetime, int]] = field(default_factory=list)
    payouts: list[tuple[datetime, int]] = field(default_factory=list)
    owed: int = 0

    @property
    def sales_total(self) -> int:
        """Settled sales, net of refunds."""
        return sum(amount for _, amount in self.sales)

    @property
    def payouts_total(self) -> int:
        """Everything paid out (or on its way)."""
        return sum(amount for _, amount in self.payouts)


def owed(session: Session, organisation_id: int) -> dict[str, int]:
    """The provider's payable in each currency it was ever credited in (posted balances, so a
    payout built but not yet sent is still owed)."""
    code = books.payable_account(organisation_id)
    return {
        row.currency: row.posted
        for row in ledger.accounts_under(session, code)
        if row.account == code
    }


def earnings(session: Session, organisation_id: int, home: str) -> list[Earnings]:
    """Each currency the provider sold, was paid or is owed in; ``home`` always, and first."""
    found: dict[str, Earnings] = {home: Earnings(home)}

    def of(currency: str) -> Earnings:
        return found.setdefault(currency, Earnings(currency))

    refunded = (
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_minor), 0))
        .where(Refund.order_id == Order.id, Refund.status == RefundStatus.SUCCEEDED)
        .scalar_subquery()
    )
    # A sale counts for what the buyer kept paying: a partial refund is not a sale.
    settled = session.execute(
        orders.sales(organisation_id)
        .where(Order.status == OrderStatus.SETTLED)
        .with_only_columns(Order.currency, Order.settled_at, Order.price_minor - refunded)
    ).all()
    for currency, moment, amount in settled:
        of(currency).sales.append((moment, amount))
    for payout in session.scalars(
        sa.select(Payout).where(Payout.organisation_id == organisation_id)
    ):
        of(payout.currency).payouts.append((payout.created_at, payout.amount_minor))
    for currency, amount in owed(session, organisation_id).items():
        if amount or currency == home:
            of(currency).owed = amount
    return [found[home], *(found[code] for code in sorted(found) if code != home)]
