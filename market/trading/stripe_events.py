"""Trading's Stripe webhook handlers, registered in ``app.extensions["stripe_handlers"]``.

Each takes the session and the event's object and returns a short outcome; each is idempotent
and tolerates events out of order: an event about a payment, dispute or refund of ours that is
not known yet (a dispute closed before it was opened, a chargeback before the payment's
success) raises ``NotYetKnown`` (or the payment lookup's 404), so nothing is recorded and
Stripe delivers it again after its predecessor.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from market.db import utcnow
from market.fields import int_id
from market.payments.webhooks import NotYetKnown
from market.text import N_
from market.trading import books, orders, payments, refunds
from market.trading import settings as trading_settings
from market.trading.models import (
    Dispute,
    DisputeDecision,
    DisputeStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
)
from market.trading.states import Actor

DISPUTABLE = (OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.ACCEPTED)


def register_stripe_handlers(app: Flask) -> None:
    """Add trading's handlers to the webhook dispatcher's table."""
    config = app.config

    def succeeded(session: Session, stripe_object: dict) -> str:
        settings = trading_settings.from_config(config)
        intent = payments.intent_from_object(stripe_object)
        return payments.apply_intent(session, intent, settings, utcnow())

    def canceled(session: Session, stripe_object: dict) -> str:
        return payments.fail_intent(session, payments.intent_from_object(stripe_object), utcnow())

    def attempt_failed(_session: Session, _stripe_object: dict) -> str:
        # The intent stays open for another card; delivered late, this event must not close
        # an intent that has since succeeded. Nothing to record.
        return "attempt failed; the intent stays open"

    app.extensions["stripe_handlers"].update(
        {
            "payment_intent.succeeded": succeeded,
            "payment_intent.payment_failed": attempt_failed,
            "payment_intent.canceled": canceled,
            "refund.created": refund_changed,
            "refund.updated": refund_changed,
            "charge.dispute.created": dispute_created,
            "charge.dispute.closed": dispute_closed,
        }
    )


def refund_changed(session: Session, stripe_object: dict) -> str:
    """A refund we asked for succeeded or failed at Stripe (after a crash, say)."""
    refund_id = (stripe_object.get("metadata") or {}).get("refund_id", "")
    refund = session.get(Refund, int_id(refund_id)) if int_id(refund_id) else None
    if refund is None:
        # Tagged ours (the dispatcher checked), so its row is being written right now.
        raise NotYetKnown(N_("This refund is not known yet; deliver the event again later."))
    status = stripe_object.get("status")
    if status == "succeeded":
        refunds.complete(session, refund.id, utcnow(), stripe_object.get("id"))
        return "refund completed"
    if status in ("failed", "canceled"):
        refunds.fail(session, refund.id, f"Stripe: {status}", utcnow())
        return "refund failed"
    return f"waiting ({status})"


def _payment_of_dispute(session: Session, stripe_object: dict) -> Payment | None:
    intent_id = stripe_object.get("payment_intent")
    if not intent_id:
        return None
    return session.scalar(sa.select(Payment).where(Payment.stripe_payment_intent_id == intent_id))


def dispute_created(session: Session, stripe_object: dict) -> str:
    """A chargeback: settlement of the order freezes until Stripe closes it."""
    payment = _payment_of_dispute(session, stripe_object)
    if payment is None:
        return "ignored: no payment of this exchange"
    order = orders.lock(session, payment.order_id)
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        # A charge can only be disputed once it succeeded: that event has not arrived yet.
        raise NotYetKnown(
            N_("The disputed payment's success is not known yet; deliver the event again later.")
        )
    if payment.status in (PaymentStatus.HELD, PaymentStatus.RETURNED):
        # The buyer disputes money the order never took (a duplicate or late payment, held in
        # unapplied receipts): the order is not at stake; its closing settles the receipt.
        return "recorded: the disputed payment is a held receipt, not the order's"
    known = session.scalar(
        sa.select(Dispute.id).where(Dispute.stripe_dispute_id == stripe_object["id"])
    )
    if known is not None:
        return "already recorded"
    reason = f"Stripe dispute {stripe_object['id']}: {stripe_object.get('reason', '')}"
    if order.status == OrderStatus.SETTLED:
        # Chargebacks come weeks later, after settlement: nothing to freeze, but a lost one
        # must be clawed back from the provider when Stripe closes it.
        session.add(
            Dispute(
                order_id=order.id,
                status=DisputeStatus.OPEN,
                order_status=order.status,
                reason=reason,
                stripe_dispute_id=stripe_object["id"],
                opened_at=utcnow(),
            )
        )
        return "recorded: order already settled"
    if order.status == OrderStatus.DISPUTED:
        # The buyer disputed with us and with the bank: Stripe's outcome now decides.
        buyer_dispute = refunds.open_dispute_of(session, order)
        buyer_dispute.stripe_dispute_id = stripe_object["id"]
        return "joined the buyer's dispute"
    if order.status not in DISPUTABLE:
        return f"recorded for finance: order is {order.status}"
    refunds.open_dispute(
        session,
        order,
        f"Stripe dispute {stripe_object['id']}: {stripe_object.get('reason', '')}",
        utcnow(),
        actor=Actor.STRIPE,
        stripe_dispute_id=stripe_object["id"],
    )
    return "order disputed"


def _refund_lost(
    session: Session, order: Order, dispute: Dispute, stripe_object: dict, now, reason: str
) -> None:
    # Stripe already took the disputed amount back: book it as a refund (no Stripe call).
    amount = min(int(stripe_object.get("amount") or 0), refunds.refundable(session, order))
    dispute.decision = (
        DisputeDecision.FULL_REFUND
        if amount >= order.paid_minor
        else DisputeDecision.PARTIAL_REFUND
    )
    dispute.refund_minor = amount
    refunds.request(
        session, order.id, amount, reason, None, now, Actor.STRIPE,
        idempotency_key=f"stripe_dispute:{dispute.id}", dispute=dispute,
    )  # fmt: skip


def _close_after_settlement(
    session: Session, order: Order, dispute: Dispute, stripe_object: dict, now
) -> str:
    dispute.status = DisputeStatus.DECIDED
    dispute.decided_at = now
    if stripe_object.get("status") != "lost":
        dispute.decision = DisputeDecision.RELEASE
        return "released"
    _refund_lost(
        session, order, dispute, stripe_object, now, "Stripe dispute lost after settlement"
    )
    return "clawed back from the provider"


def _close_on_held_receipt(session: Session, payment: Payment, stripe_object: dict) -> str:
    if stripe_object.get("status") != "lost" or payment.status != PaymentStatus.HELD:
        return "held receipt unchanged"
    books.unapplied_returned(
        session, f"payment:{payment.id}", payment.method, payment.amount_minor,
        payment.currency, utcnow(), payment_id=payment.id, order_id=payment.order_id,
    )  # fmt: skip
    payment.status = PaymentStatus.RETURNED
    payment.note = (payment.note or "") + f"; taken back by Stripe dispute {stripe_object['id']}"
    return "held receipt taken back by the chargeback"


def dispute_closed(session: Session, stripe_object: dict) -> str:
    """Stripe decided: won releases the money; lost is a refund of the disputed amount."""
    payment = _payment_of_dispute(session, stripe_object)
    if payment is not None and payment.status in (PaymentStatus.HELD, PaymentStatus.RETURNED):
        return _close_on_held_receipt(session, payment, stripe_object)
    dispute = session.scalar(
        sa.select(Dispute).where(Dispute.stripe_dispute_id == stripe_object.get("id"))
    )
    if dispute is None:
        if payment is None:
            return "ignored: no dispute of this exchange"
        # Ours, but closed before it was opened (or before the payment succeeded).
        raise NotYetKnown(N_("This dispute is not known yet; deliver the event again later."))
    order = orders.lock(session, dispute.order_id)
    if dispute.status != DisputeStatus.OPEN:
        return "already decided"
    now = utcnow()
    if order.status == OrderStatus.SETTLED:
        return _close_after_settlement(session, order, dispute, stripe_object, now)
    if order.status != OrderStatus.DISPUTED:
        return "already decided"
    dispute.decided_at = now
    # Only "lost" takes money back; "won", a closed inquiry ("warning_closed") and a prevented
    # dispute leave it where it was.
    if stripe_object.get("status") != "lost":
        dispute.decision = DisputeDecision.RELEASE
        dispute.status = DisputeStatus.DECIDED
        note = f"Stripe dispute closed: {stripe_object.get('status')}"
        refunds.release_to_provider(session, order, Actor.STRIPE, now, note=note)
        return "released"
    _refund_lost(session, order, dispute, stripe_object, now, "Stripe dispute lost")
    return "refunded"
