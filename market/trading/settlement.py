"""Acceptance and settlement (結算): the buyer accepts (or the window lapses), then the worker
moves the order's escrow to the provider's payable and the platform's fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from market import outbox
from market.identity.models import User
from market.states import IllegalMove
from market.text import N_
from market.trading import books, orders
from market.trading.models import Order, OrderStatus
from market.trading.states import Action, Actor

SETTLE_TOPIC = "trading.settle"
AUTO_ACCEPT_TOPIC = "trading.auto_accept"


def accept(
    session: Session, order: Order, now: datetime, actor: Actor = Actor.BUYER, user=None
) -> None:
    """Accept a delivered order; settlement follows in the worker (same outbox transaction)."""
    orders.move(session, order, Action.ACCEPT, actor, now, user)
    order.accepted_at = now
    outbox.enqueue(session, SETTLE_TOPIC, {"order_id": order.id})


def settle(session: Session, order_id: int, now: datetime) -> bool:
    """Settle an accepted order: escrow → provider payable + platform fee, in one entry.

    Idempotent: an order already settled (or no longer accepted) is left alone; False then.
    """
    order = orders.lock(session, order_id)
    if order.status != OrderStatus.ACCEPTED:
        return False
    provider_part, fee, vat = books.settlement(session, order, now)
    order.provider_minor, order.fee_minor, order.vat_minor = provider_part, fee, vat
    order.settled_at = now
    orders.move(session, order, Action.SETTLE, Actor.SYSTEM, now)
    return True


def auto_accept(session: Session, order_id: int, now: datetime) -> str:
    """Accept for the buyer once the acceptance window has lapsed (the worker's job)."""
    order = orders.lock(session, order_id)
    if order.status != OrderStatus.DELIVERED:
        return "nothing to do"
    if order.acceptance_due_at and order.acceptance_due_at > now:
        # The window moved (it never shrinks): look again when it lapses.
        message = outbox.enqueue(session, AUTO_ACCEPT_TOPIC, {"order_id": order.id})
        message.available_at = order.acceptance_due_at
        return "rescheduled"
    accept(session, order, now, Actor.SYSTEM)
    return "accepted"


def accept_by_buyer(session: Session, order: Order, user: User, now: datetime) -> None:
    """The buyer accepts: only within the window (after it, the exchange already has)."""
    if order.status == OrderStatus.ACCEPTED or order.status == OrderStatus.SETTLED:
        raise IllegalMove(N_("This order has already been accepted."), order.status, Action.ACCEPT)
    accept(session, order, now, Actor.BUYER, user)


def window_left(order: Order, now: datetime) -> timedelta | None:
    """Time left to accept or dispute."""
    if order.status != OrderStatus.DELIVERED or order.acceptance_due_at is None:
        return None
    return max(order.acceptance_due_at - now, timedelta(0))


@dataclass(frozen=True)
class PriceSplit:
    """Where the net paid for an order goes (minor units): the platform's fee, VAT included,
    comes out of the provider's share."""

    net: int
    fee: int
    vat: int
    provider: int

    @property
    def fee_net(self) -> int:
        """The platform's fee less the VAT inside it."""
        return self.fee - self.vat


def price_split(order: Order) -> PriceSplit:
    """The split of what the buyer paid, net of refunds, at the fee and VAT rates bound into the
    order: what its settlement books (the receipt shows it before settlement too)."""
    net = max(order.paid_minor - order.refunded_minor, 0)
    fee = books.fee_of(net, order.fee_bps)
    vat = books.vat_in(fee, order.vat_bps)
    return PriceSplit(net=net, fee=fee, vat=vat, provider=net - fee)
