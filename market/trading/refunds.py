"""Refunds and disputes (退款, 爭議).

A refund before settlement comes out of the order's escrow; after settlement it is clawed back
from the provider's payable (a receivable for what the payable lacks) and the platform's fee.
A Stripe refund takes two units of work around the call to Stripe: :func:`request` reserves
the amount with a ledger hold (so two refunds can never take more than was paid), the view asks
Stripe, then :func:`complete` posts the hold (or :func:`fail` voids it).

Disputes freeze settlement: a reviewer releases the money, refunds part of it (the rest is
released) or refunds it all.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from market import idempotency, outbox
from market.errors import Conflict, InvalidInput, NotFound
from market.identity.models import User
from market.states import IllegalMove
from market.text import N_
from market.trading import books, delivery, notices, orders, settlement
from market.trading.models import (
    Dispute,
    DisputeDecision,
    DisputeStatus,
    Order,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    RefundTransferStatus,
)
from market.trading.states import IN_ESCROW, Action, Actor


def refundable(session: Session, order: Order) -> int:
    """What can still be refunded: escrow not reserved before settlement; after it, what was
    paid less what was refunded (and not reserved by pending refunds)."""
    if order.status in IN_ESCROW:
        return books.escrow_held(session, order, available=True)
    if order.status == OrderStatus.SETTLED:
        pending = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_minor), 0)).where(
                Refund.order_id == order.id, Refund.status == RefundStatus.PENDING
            )
        )
        return order.paid_minor - order.refunded_minor - pending
    return 0


def request(
    session: Session,
    order_id: int,
    amount: int,
    reason: str,
    user: User | None,
    now: datetime,
    actor: Actor = Actor.FINANCE,
    idempotency_key: str | None = None,
    dispute: Dispute | None = None,
) -> tuple[Refund, bool]:
    """Start a refund of ``amount``; ``(refund, created)``. A bank-paid order's refund is
    complete at once (owed to the buyer until finance sends it from the bank); a Stripe one
    waits for Stripe."""
    digest = idempotency.request_hash({"amount": amount, "reason": reason})
    order = orders.lock(session, order_id)
    if idempotency_key:
        existing = idempotency.replay(
            session,
            sa.select(Refund).where(
                Refund.order_id == order.id, Refund.idempotency_key == idempotency_key
            ),
            digest,
            N_("This Idempotency-Key was used for a different refund."),
        )
        if existing is not None:
            return existing, False
    if order.status not in IN_ESCROW and order.status != OrderStatus.SETTLED:
        raise IllegalMove(N_("This order has nothing to refund."), order.status, Action.REFUND)
    if order.status == OrderStatus.DISPUTED and dispute is None and actor != Actor.STRIPE:
        raise IllegalMove(
            N_("This order is in dispute: a reviewer decides."), order.status, Action.REFUND
        )
    if amount <= 0:
        raise InvalidInput(N_("A refund must be more than zero."), field="amount_minor")
    if amount > refundable(session, order):
        raise InvalidInput(
            N_("The refund is larger than what can still be refunded."), field="amount_minor"
        )
    refund = Refund(
        order_id=order.id,
        amount_minor=amount,
        currency=order.currency,
        status=RefundStatus.PENDING,
        method=order.payment_method,
        after_settlement=order.status == OrderStatus.SETTLED,
        reason=reason,
        idempotency_key=idempotency_key,
        request_hash=digest,
        requested_by_id=user.id if user else None,
        actor=str(actor),
        dispute_id=dispute.id if dispute else None,
        created_at=now,
    )
    session.add(refund)
    session.flush()
    if refund.method == PaymentMethod.STRIPE and actor != Actor.STRIPE:
        if not refund.after_settlement:
            refund.hold_id = books.refund_hold(session, order, refund.id, amount)
    else:
        complete(session, refund.id, now)
    return refund, True


def complete(
    session: Session, refund_id: int, now: datetime, stripe_refund_id: str | None = None
) -> Refund:
    """Post a refund to the ledger and move the order (idempotent)."""
    refund = session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(N_("No such refund."))
    order = orders.lock(session, refund.order_id)
    session.refresh(refund, with_for_update=True)
    if refund.status != RefundStatus.PENDING:
        return refund
    meta = {"stripe_refund": stripe_refund_id}
    if refund.after_settlement:
        books.refund_after_settlement(
            session, order, refund.id, refund.method, refund.amount_minor, now, **meta
        )
    else:
        books.refund_from_escrow(
            session, order, refund.id, refund.method, refund.amount_minor, refund.hold_id, now,
            **meta,
        )  # fmt: skip
    refund.status = RefundStatus.SUCCEEDED
    if refund.method == PaymentMethod.BANK_TRANSFER:
        # Owed to the buyer until finance sends it (``finance.refund_transfers``).
        refund.transfer_status = RefundTransferStatus.TO_SEND
    refund.stripe_refund_id = stripe_refund_id or refund.stripe_refund_id
    refund.completed_at = now
    order.refunded_minor += refund.amount_minor
    notices.refunded(
        session, order, refund.amount_minor, now,
        to_send=refund.transfer_status == RefundTransferStatus.TO_SEND,
    )  # fmt: skip
    actor = Actor(refund.actor)
    if order.refunded_minor >= order.paid_minor:
        orders.move(session, order, Action.REFUND, actor, now, note=refund.reason)
        order.closed_at = now
        orders.release_exclusive(session, order)
        delivery.revoke(session, order)
        if refund.dispute_id:
            _close_dispute(session, refund.dispute_id)
    elif refund.dispute_id and order.status == OrderStatus.DISPUTED:
        release_to_provider(session, order, actor, now, note=refund.reason)
        _close_dispute(session, refund.dispute_id)
    return refund


def fail(session: Session, refund_id: int, message: str, now: datetime) -> Refund:
    """Stripe refused the refund: release the reserved amount."""
    refund = session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(N_("No such refund."))
    orders.lock(session, refund.order_id)
    session.refresh(refund, with_for_update=True)
    if refund.status != RefundStatus.PENDING:
        return refund
    if refund.hold_id is not None:
        ledger.void_hold(session, refund.hold_id)
    refund.status = RefundStatus.FAILED
    refund.failure = message[:2000]
    refund.completed_at = now
    return refund


# --- Disputes ---------------------------------------------------------------------------------


def open_dispute(
    session: Session,
    order: Order,
    reason: str,
    now: datetime,
    user: User | None = None,
    actor: Actor = Actor.BUYER,
    stripe_dispute_id: str | None = None,
) -> Dispute:
    """Open a dispute: settlement is frozen until a reviewer decides."""
    previous = order.status
    orders.move(session, order, Action.DISPUTE, actor, now, user, note=reason)
    dispute = Dispute(
        order_id=order.id,
        status=DisputeStatus.OPEN,
        order_status=previous,
        reason=reason,
        opened_by_id=user.id if user else None,
        stripe_dispute_id=stripe_dispute_id,
        opened_at=now,
    )
    session.add(dispute)
    session.flush()
    notices.dispute_opened(session, order, reason, now)
    return dispute


def open_dispute_of(session: Session, order: Order) -> Dispute:
    """The order's open dispute."""
    dispute = session.scalar(
        sa.select(Dispute).where(Dispute.order_id == order.id, Dispute.status == DisputeStatus.OPEN)
    )
    if dispute is None:
        raise NotFound(N_("This order has no open dispute."))
    return dispute


def release_to_provider(
    session: Session, order: Order, actor: Actor, now: datetime, note=None
) -> None:
    """End a dispute in the provider's favour: the order counts as accepted and settles."""
    orders.move(session, order, Action.RELEASE, actor, now, note=note)
    order.accepted_at = now
    outbox.enqueue(session, settlement.SETTLE_TOPIC, {"order_id": order.id})


def _close_dispute(session: Session, dispute_id: int) -> None:
    dispute = session.get(Dispute, dispute_id)
    dispute.status = DisputeStatus.DECIDED


def decide(
    session: Session,
    order_id: int,
    reviewer: User,
    decision: DisputeDecision,
    note: str,
    now: datetime,
    refund_minor: int | None = None,
) -> tuple[Dispute, Refund | None]:
    """A reviewer decides an open dispute. Release: the order is accepted and settles. A
    refund (partial or full) is started; when it completes, the rest (if any) is released."""
    order = orders.lock(session, order_id)
    if order.status != OrderStatus.DISPUTED:
        action = Action.RELEASE if decision == DisputeDecision.RELEASE else Action.REFUND
        raise IllegalMove(N_("This order is not in dispute."), order.status, action)
    dispute = open_dispute_of(session, order)
    if dispute.stripe_dispute_id:
        # A chargeback is decided by the card network through Stripe, which takes the money
        # back if it is lost; releasing it to the provider first would pay out money twice.
        raise Conflict(N_("Stripe decides this chargeback; wait for its outcome"), field="status")
    held = books.escrow_held(session, order, available=True)
    dispute.decision = decision
    dispute.decided_by_id = reviewer.id
    dispute.decision_note = note
    dispute.decided_at = now
    if decision == DisputeDecision.RELEASE:
        dispute.status = DisputeStatus.DECIDED
        release_to_provider(session, order, Actor.REVIEWER, now, note=note)
        notices.dispute_decided(session, order, None, note or "", now)
        return dispute, None
    if decision == DisputeDecision.FULL_REFUND:
        amount = held
    else:
        if refund_minor is None or not 0 < refund_minor < held:
            raise InvalidInput(
                N_("A partial refund must be more than zero and less than what is in escrow."),
                field="refund_minor",
            )
        amount = refund_minor
    dispute.refund_minor = amount
    refund, _ = request(
        session, order.id, amount, note or str(decision), reviewer, now, Actor.REVIEWER,
        idempotency_key=f"dispute:{dispute.id}", dispute=dispute,
    )  # fmt: skip
    notices.dispute_decided(session, order, amount, note or "", now)
    return dispute, refund


def disputes_queue() -> sa.Select:
    """Open disputes, oldest first (the reviewers' queue)."""
    return sa.select(Dispute).where(Dispute.status == DisputeStatus.OPEN).order_by(Dispute.id)
