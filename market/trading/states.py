"""The order state machine: a table of allowed moves and who may make each.

::

    awaiting_payment ──pay──▶ paid ──deliver──▶ delivered ──accept──▶ accepted ──settle──▶ settled
          │                    │                   │    ╲                  ▲
        cancel              refund,             refund  dispute ─▶ disputed ─release/partial─┘
          ▼                 dispute               ▼                    │
      cancelled                             refunded ◀──full refund────┘

A full refund after settlement also ends in ``refunded``. Every move not in :data:`MOVES` is
refused with ``IllegalMove`` (409; nothing changes); the wrong kind of actor gets
``PermissionDenied`` (both from ``market.states``). ``docs/trading.md`` prints the same table.
"""

from __future__ import annotations

import enum

from market.states import Actor, Machine
from market.text import N_
from market.trading.models import OrderStatus

__all__ = ["Action", "Actor", "MOVES", "allowed_actions", "next_status"]


class Action(enum.StrEnum):
    """Something done to an order."""

    PLACE = "place"
    PAY = "pay"
    CANCEL = "cancel"
    DELIVER = "deliver"
    ACCEPT = "accept"
    SETTLE = "settle"
    DISPUTE = "dispute"
    RELEASE = "release"
    REFUND = "refund"


S = OrderStatus
A = Action

# (status, action) -> (next status, who may do it)
MOVES: dict[tuple[OrderStatus, Action], tuple[OrderStatus, frozenset[Actor]]] = {
    (S.AWAITING_PAYMENT, A.PAY): (S.PAID, frozenset({Actor.STRIPE, Actor.FINANCE})),
    (S.AWAITING_PAYMENT, A.CANCEL): (S.CANCELLED, frozenset({Actor.BUYER, Actor.SYSTEM})),
    (S.PAID, A.DELIVER): (S.DELIVERED, frozenset({Actor.PROVIDER, Actor.SYSTEM})),
    (S.PAID, A.DISPUTE): (S.DISPUTED, frozenset({Actor.BUYER, Actor.STRIPE})),
    (S.PAID, A.REFUND): (S.REFUNDED, frozenset({Actor.FINANCE, Actor.STRIPE})),
    (S.DELIVERED, A.ACCEPT): (S.ACCEPTED, frozenset({Actor.BUYER, Actor.SYSTEM})),
    (S.DELIVERED, A.DISPUTE): (S.DISPUTED, frozenset({Actor.BUYER, Actor.STRIPE})),
    (S.DELIVERED, A.REFUND): (S.REFUNDED, frozenset({Actor.FINANCE, Actor.STRIPE})),
    (S.ACCEPTED, A.SETTLE): (S.SETTLED, frozenset({Actor.SYSTEM, Actor.FINANCE})),
    (S.ACCEPTED, A.DISPUTE): (S.DISPUTED, frozenset({Actor.STRIPE})),
    (S.ACCEPTED, A.REFUND): (S.REFUNDED, frozenset({Actor.FINANCE, Actor.STRIPE})),
    (S.DISPUTED, A.RELEASE): (S.ACCEPTED, frozenset({Actor.REVIEWER, Actor.STRIPE})),
    (S.DISPUTED, A.REFUND): (S.REFUNDED, frozenset({Actor.REVIEWER, Actor.STRIPE})),
    (S.SETTLED, A.REFUND): (S.REFUNDED, frozenset({Actor.FINANCE, Actor.STRIPE})),
}

# Money is in the order's escrow account in these statuses (a refund comes from escrow).
IN_ESCROW = frozenset({S.PAID, S.DELIVERED, S.ACCEPTED, S.DISPUTED})
# Finished orders: their escrow must be back to zero (``ledger verify``).
FINISHED = frozenset({S.SETTLED, S.REFUNDED})
# Still open for the buyer: they count against an exclusive plan.
LIVE = frozenset(S) - {S.CANCELLED, S.REFUNDED}

ACTION_LABELS = {
    A.PLACE: N_("Placed"),
    A.PAY: N_("Paid"),
    A.CANCEL: N_("Cancelled"),
    A.DELIVER: N_("Delivered"),
    A.ACCEPT: N_("Accepted"),
    A.SETTLE: N_("Settled"),
    A.DISPUTE: N_("Disputed"),
    A.RELEASE: N_("Released"),
    A.REFUND: N_("Refunded"),
}


MACHINE = Machine(
    MOVES,
    N_("This action is not allowed in the order's current state."),
    forbidden=N_("You may not do this to the order."),
)


def next_status(status: OrderStatus, action: Action, actor: Actor) -> OrderStatus:
    """The status after ``action`` by ``actor``, or IllegalMove (409) / PermissionDenied."""
    return MACHINE.next(status, action, actor)


def allowed_actions(status: OrderStatus, actor: Actor) -> list[Action]:
    """The actions ``actor`` may take on an order in ``status`` (for pages)."""
    return MACHINE.allowed_actions(status, actor)
