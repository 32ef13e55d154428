"""Paying for orders: Stripe PaymentIntents (card; Alipay and WeChat Pay where configured) and
offline bank transfers confirmed by finance. Each confirmed payment posts to the ledger in the
same transaction that moves the order.

Stripe is never called from here: views call the gateway before or after the unit of work and
hand the result in. :func:`apply_intent` is reached from the checkout's return path and from the
``payment_intent.succeeded`` webhook alike; whichever comes second changes nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput, NotFound
from market.errors import state_value as _value
from market.fields import int_id
from market.identity.models import User
from market.payments.gateway import Intent
from market.states import IllegalMove
from market.text import N_
from market.trading import books, delivery, notices, orders
from market.trading.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from market.trading.settings import TradingSettings
from market.trading.states import Action, Actor

REUSABLE_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action"}


def intent_metadata(settings: TradingSettings, order: Order) -> dict[str, str]:
    """What every PaymentIntent of an order carries (the owner tag makes it ours)."""
    return {"shujiao": settings.owner_tag, "order_id": str(order.id), "reference": order.reference}


def payable_order(session: Session, order_id: int, organisation_ids) -> Order:
    """An order of the buyer that is waiting for payment; Conflict otherwise."""
    order = orders.order_for(session, order_id, organisation_ids)
    orders.require_buyer(order, organisation_ids, Action.PAY)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise IllegalMove(N_("This order is not awaiting payment."), order.status, Action.PAY)
    return order


def pending_intent(session: Session, order: Order) -> Payment | None:
    """The order's open Stripe payment, if one was started."""
    return session.scalar(
        sa.select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status == PaymentStatus.PENDING,
        )
        .order_by(Payment.id.desc())
    )


def intent_key(session: Session, order: Order) -> str:
    """The Stripe idempotency key of the order's next intent."""
    attempts = session.scalar(
        sa.select(sa.func.count()).select_from(Payment).where(Payment.order_id == order.id)
    )
    return f"order:{order.id}:intent:{attempts + 1}"


def _pending_stripe_payment(
    session: Session, order: Order, intent: Intent, now: datetime
) -> Payment:
    payment = Payment(
        order_id=order.id,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.PENDING,
        amount_minor=intent.amount,
        currency=intent.currency,
        stripe_payment_intent_id=intent.id,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def record_intent(session: Session, order_id: int, intent: Intent, now: datetime) -> Payment:
    """Keep a created PaymentIntent's id on a pending payment of the order."""
    order = orders.lock(session, order_id)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise IllegalMove(N_("This order is not awaiting payment."), order.status, Action.PAY)
    return _pending_stripe_payment(session, order, intent, now)


def _mark_paid(
    session: Session,
    order: Order,
    payment: Payment,
    settings: TradingSettings,
    now: datetime,
    actor: Actor,
    user: User | None = None,
) -> None:
    orders.move(session, order, Action.PAY, actor, now, user)
    books.payment_received(
        session,
        order,
        payment.method,
        payment.amount_minor,
        now,
        cash=books.received_on(payment),
        payment_id=payment.id,
        stripe_payment_intent=payment.stripe_payment_intent_id,
        bank_transaction=payment.bank_transaction_id,
        value_date=payment.value_date and payment.value_date.isoformat(),
    )
    payment.status = PaymentStatus.SUCCEEDED
    payment.completed_at = now
    order.paid_minor = payment.amount_minor
    order.payment_method = payment.method
    order.paid_at = now
    automatic = delivery.delivers_automatically(order)
    notices.order_paid(session, order, now, delivered=automatic)
    if automatic:
        delivery.deliver(session, order, settings, now)


def _order_of(payment: Payment) -> dict:
    """The entry metadata naming a payment's order; none for a receipt quoting no order."""
    return {} if payment.order_id is None else {"order_id": payment.order_id}


def _hold(session: Session, payment: Payment, now: datetime, note: str) -> None:
    books.unapplied_receipt(
        session,
        f"payment:{payment.id}",
        payment.method,
        payment.amount_minor,
        payment.currency,
        now,
        cash=books.received_on(payment),
        payment_id=payment.id,
        **_order_of(payment),
    )
    payment.status = PaymentStatus.HELD
    payment.completed_at = now
    payment.note = note
    if payment.order_id is not None:
        order = session.get(Order, payment.order_id)
        notices.payment_held(session, order, payment.amount_minor, payment.currency, now)


def intent_from_object(stripe_object: dict) -> Intent:
    """A webhook's PaymentIntent object as the gateway's :class:`Intent`."""
    charge = stripe_object.get("latest_charge")
    return Intent(
        id=stripe_object["id"],
        status=stripe_object.get("status", ""),
        amount=int(stripe_object.get("amount") or 0),
        currency=str(stripe_object.get("currency") or "").upper(),
        client_secret=None,
        metadata=dict(stripe_object.get("metadata") or {}),
        charge_id=charge if isinstance(charge, str) or charge is None else charge.get("id"),
    )


def _payment_of(session: Session, intent: Intent, now: datetime) -> Payment:
    payment = session.scalar(
        sa.select(Payment).where(Payment.stripe_payment_intent_id == intent.id)
    )
    if payment is not None:
        return payment
    # The intent was created but not recorded (a crash in between): adopt it if it names one
    # of our orders in its metadata and matches it.
    order_id = intent.metadata.get("order_id", "")
    order = session.get(Order, int_id(order_id)) if int_id(order_id) else None
    if order is None or (intent.amount, intent.currency) != (order.price_minor, order.currency):
        raise NotFound(N_("No payment of this exchange has this PaymentIntent."))
    return _pending_stripe_payment(session, order, intent, now)


def apply_intent(session: Session, intent: Intent, settings: TradingSettings, now: datetime) -> str:
    """Act on Stripe's view of a PaymentIntent; returns what happened (idempotent)."""
    payment = _payment_of(session, intent, now)
    order = orders.lock(session, payment.order_id)
    session.refresh(payment, with_for_update=True)
    # A failed attempt is not the end of an intent (the buyer may try another card), so a
    # success still counts after one; only a success or a cancellation is final.
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return f"already {payment.status}"
    if intent.status == "succeeded":
        payment.stripe_charge_id = intent.charge_id
        payment.amount_minor = intent.amount
        if order.status != OrderStatus.AWAITING_PAYMENT or (
            intent.amount,
            intent.currency,
        ) != (order.price_minor, order.currency):
            # Late (the order was cancelled), duplicate or wrong amount: held for finance.
            _hold(session, payment, now, f"order was {order.status} when the payment succeeded")
            return "held for finance"
        _mark_paid(session, order, payment, settings, now, Actor.STRIPE)
        return "order paid"
    if intent.status == "canceled" and payment.status == PaymentStatus.PENDING:
        payment.status = PaymentStatus.FAILED
        payment.completed_at = now
        return "payment failed"
    return f"waiting ({intent.status})"


def fail_intent(session: Session, intent: Intent, now: datetime) -> str:
    """``payment_intent.canceled``: the intent is over; the order still awaits payment."""
    payment = _payment_of(session, intent, now)
    orders.lock(session, payment.order_id)
    session.refresh(payment, with_for_update=True)
    if payment.status != PaymentStatus.PENDING:
        return f"already {payment.status}"
    payment.status = PaymentStatus.FAILED
    payment.completed_at = now
    return "payment failed"


def record_bank_receipt(
    session: Session,
    user: User,
    data: dict,
    settings: TradingSettings,
    now: datetime,
    bank_account=None,
) -> Payment:
    """Finance records money received on one of the exchange's bank accounts (``bank_account``,
    chosen by finance, booked on its ledger code; ``None``: ``assets:bank``) for an order
    reference.

    The amount must match the order's price and the order must await payment; otherwise the
    receipt is held (posted to unapplied receipts) for finance to resolve, as is a well-formed
    reference no order has (the money is here all the same). A bank transaction
    id is recorded once: the same receipt again returns the first record.
    """
    account_id = bank_account.id if bank_account is not None else None
    existing = session.scalar(
        sa.select(Payment).where(Payment.bank_transaction_id == data["bank_transaction_id"])
    )
    reference = data["reference"].strip().upper()
    if existing is not None:
        same = (existing.amount_minor, existing.currency, existing.reference) == (
            data["amount_minor"],
            data["currency"],
            reference,
        )
        if not same:
            raise Conflict(
                N_("This bank transaction was recorded with other details."),
                field="bank_transaction_id",
            )
        if existing.bank_account_id != account_id:
            raise Conflict(
                N_("This bank transaction was recorded on another bank account."),
                field="bank_account_id", recorded=existing.bank_account_id,
            )  # fmt: skip
        return existing
    if not orders.is_valid_reference(reference):
        raise InvalidInput(N_("This is not a valid payment reference."), field="reference")
    order_id = session.scalar(sa.select(Order.id).where(Order.reference == reference))
    order = orders.lock(session, order_id) if order_id is not None else None
    payment = Payment(
        order_id=order_id,
        method=PaymentMethod.BANK_TRANSFER,
        status=PaymentStatus.PENDING,
        amount_minor=data["amount_minor"],
        currency=data["currency"],
        bank_transaction_id=data["bank_transaction_id"],
        value_date=data.get("value_date"),
        bank_account=bank_account,
        payer_name=data.get("payer_name"),
        reference=reference,
        recorded_by_id=user.id,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    if order is None:
        # The money is here whatever it quotes: held in unapplied receipts, not refused.
        _hold(session, payment, now, f"no order has reference {reference}")
    elif order.status != OrderStatus.AWAITING_PAYMENT:
        _hold(session, payment, now, f"order was {order.status}")
    elif payment.currency != order.currency:
        _hold(
            session, payment, now,
            f"currency mismatch: {payment.amount_minor} {payment.currency} received for an "
            f"order in {order.currency}",
        )  # fmt: skip
    elif payment.amount_minor != order.price_minor:
        kind = "short" if payment.amount_minor < order.price_minor else "excess"
        _hold(session, payment, now, f"{kind} payment: {payment.amount_minor} {payment.currency}")
    else:
        _mark_paid(session, order, payment, settings, now, Actor.FINANCE, user)
    return payment


def held_payment(session: Session, payment_id: int) -> Payment:
    """A held payment (for finance), locked."""
    payment = session.get(Payment, payment_id, with_for_update=True)
    if payment is None:
        raise NotFound(N_("No such payment."))
    if payment.status != PaymentStatus.HELD:
        raise Conflict(N_("This payment is not held."), state=[_value(payment.status)])
    return payment


def return_held(
    session: Session, payment_id: int, user: User, now: datetime, stripe_refund_id=None
) -> Payment:
    """Finance pays a held receipt back to the payer (the Stripe refund, if any, is done and
    its id kept for reconciliation)."""
    payment = held_payment(session, payment_id)
    payment.stripe_refund_id = stripe_refund_id
    books.unapplied_returned(
        session,
        f"payment:{payment.id}",
        payment.method,
        payment.amount_minor,
        payment.currency,
        now,
        cash=books.received_on(payment),
        payment_id=payment.id,
        stripe_refund=stripe_refund_id,
        **_order_of(payment),
    )
    payment.status = PaymentStatus.RETURNED
    payment.note = (payment.note or "") + f"; returned by {user.email}"
    return payment


def payments_queue(status: PaymentStatus) -> sa.Select:
    """Payments in a status, oldest first (finance's queues)."""
    return sa.select(Payment).where(Payment.status == status).order_by(Payment.id)


def awaiting_bank_transfer() -> sa.Select:
    """Orders waiting for payment (finance matches bank receipts against these)."""
    return sa.select(Order).where(Order.status == OrderStatus.AWAITING_PAYMENT).order_by(Order.id)
