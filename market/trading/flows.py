"""The steps of trading that talk to Stripe, shared by the API and the pages.

Stripe is never called inside a transaction: each flow ends the request's read transaction
(on SQLite even a read holds the writer lock), calls the gateway, then writes in the request's
unit of work — or, for refunds, reserves the money in a unit of work of its own first, so a
crash after Stripe said yes leaves a pending refund that the ``refund.updated`` webhook or
finance completes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.db import Database, utcnow
from market.errors import Conflict, DomainError, NotFound
from market.identity.models import User
from market.payments import declines
from market.payments.gateway import GatewayError, Intent, PaymentGateway
from market.text import N_
from market.trading import orders, payments, refunds
from market.trading.models import OrderStatus, Payment, PaymentMethod, Refund, RefundStatus
from market.trading.settings import TradingSettings, from_config
from market.trading.states import Action, Actor

log = logging.getLogger(__name__)


class PaymentUnavailable(DomainError):
    """Card and wallet payments are not configured, or Stripe failed."""

    status = 503


class CardPaymentsNotConfigured(Conflict):
    """Stripe is not configured on this exchange: a lasting state, not an outage (409)."""


@dataclass(frozen=True)
class Collaborators:
    """What the flows need from the app."""

    db: Database
    gateway: PaymentGateway | None
    settings: TradingSettings

    def require_gateway(self) -> PaymentGateway:
        """The gateway, or a clear refusal when Stripe is not configured."""
        if self.gateway is None:
            raise CardPaymentsNotConfigured(
                N_("Card payments are not available; pay by bank transfer."),
                state=["card_payments_not_configured"],
                action=["pay_by_card"],
            )
        return self.gateway


def collaborators(app) -> Collaborators:
    """The database, payment gateway and trading settings of a built app (``market.app``)."""
    return Collaborators(app.extensions["db"], app.extensions["payments"], from_config(app.config))


def start_stripe_payment(
    session: Session, app: Collaborators, order_id: int, organisation_ids
) -> tuple[Payment, Intent]:
    """The order's PaymentIntent for the checkout page: the open one, or a new one."""
    order = payments.payable_order(session, order_id, organisation_ids)
    gateway = app.require_gateway()
    pending = payments.pending_intent(session, order)
    intent_id = pending.stripe_payment_intent_id if pending else None
    amount, currency, key = order.price_minor, order.currency, payments.intent_key(session, order)
    metadata = payments.intent_metadata(app.settings, order)
    session.rollback()
    try:
        if intent_id:
            intent = gateway.retrieve_intent(intent_id)
            if _spent(intent):
                payment_id, fresh = _replace_spent_intent(
                    session, app, order_id, organisation_ids, intent
                )
                return session.get(Payment, payment_id), fresh
            if intent.status in payments.REUSABLE_INTENT:
                return session.get(Payment, pending.id), intent
            return session.get(Payment, pending.id), sync_intent(session, app, intent)
        intent = gateway.create_intent(
            amount, currency, metadata, key, list(app.settings.payment_method_types)
        )
    except GatewayError as error:
        raise PaymentUnavailable(str(error)) from None
    return payments.record_intent(session, order_id, intent, utcnow()), intent


def sync_intent(session: Session, app: Collaborators, intent: Intent) -> Intent:
    """Apply Stripe's view of an intent (the return path; the webhook does the same)."""
    payments.apply_intent(session, intent, app.settings, utcnow())
    return intent


def _spent(intent: Intent) -> bool:
    # Declined (waiting for another card with the refusal still attached) or cancelled.
    declined = intent.status == "requires_payment_method" and intent.error_code is not None
    return declined or intent.status == "canceled"


def _replace_spent_intent(
    session: Session, app: Collaborators, order_id: int, organisation_ids, spent: Intent
) -> tuple[int, Intent]:
    """Cancel an intent whose card was declined and start a fresh one: ``(payment id, intent)``.

    Stripe takes another card on a declined intent, but localstripe keeps the failed charge and
    will not confirm it again; a fresh intent is right with both, and cancelling the old one
    means a late confirmation of it cannot charge the buyer a second time.
    """
    order = payments.payable_order(session, order_id, organisation_ids)
    amount, currency, key = order.price_minor, order.currency, payments.intent_key(session, order)
    metadata = payments.intent_metadata(app.settings, order)
    session.rollback()
    gateway = app.require_gateway()
    try:
        canceled = spent if spent.status == "canceled" else gateway.cancel_intent(spent.id)
        fresh = gateway.create_intent(
            amount, currency, metadata, key, list(app.settings.payment_method_types)
        )
    except GatewayError as error:
        raise PaymentUnavailable(str(error)) from None
    with app.db.unit_of_work() as own:
        payments.apply_intent(own, canceled, app.settings, utcnow())
        payment_id = payments.record_intent(own, order_id, fresh, utcnow()).id
    return payment_id, fresh


def _open_intent_id(session: Session, order_id: int, organisation_ids) -> str:
    # The order's intent in progress; the read transaction ends before Stripe is called.
    order = payments.payable_order(session, order_id, organisation_ids)
    pending = payments.pending_intent(session, order)
    if pending is None:
        raise NotFound(N_("This order has no card payment in progress."))
    intent_id = pending.stripe_payment_intent_id
    session.rollback()
    return intent_id


def refresh_payments(session: Session, app: Collaborators, order_id: int, organisation_ids):
    """Ask Stripe about the order's open intents and apply what it says (checkout return).

    An order no longer awaiting payment (the webhook got there first) has nothing to ask:
    the caller shows it as it is.
    """
    order = orders.order_for(session, order_id, organisation_ids)
    orders.require_buyer(order, organisation_ids, Action.PAY)
    gateway = app.require_gateway()
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return None
    intent_id = _open_intent_id(session, order_id, organisation_ids)
    try:
        intent = gateway.retrieve_intent(intent_id)
    except GatewayError as error:
        raise PaymentUnavailable(str(error)) from None
    return sync_intent(session, app, intent)


def confirm_card(
    session: Session, app: Collaborators, order_id: int, organisation_ids, payment_method: str
) -> Intent:
    """Confirm the order's intent with a card the browser tokenised; 3-D Secure is finished
    by Stripe.js (``requires_action``), everything else is applied at once."""
    intent_id = _open_intent_id(session, order_id, organisation_ids)
    gateway = app.require_gateway()
    try:
        current = gateway.retrieve_intent(intent_id)
    except GatewayError as error:
        raise PaymentUnavailable(str(error)) from None
    if _spent(current):
        # Another card after a decline (the page keeps the first intent's secret).
        _payment_id, current = _replace_spent_intent(
            session, app, order_id, organisation_ids, current
        )
    try:
        intent = gateway.confirm_intent(current.id, payment_method)
    except GatewayError as error:
        # The processor's words are English: the buyer reads ours, the caller gets the code.
        message = declines.message_for(error.code) if error.definitive else declines.NO_ANSWER
        details = {"decline_code": [error.code]} if error.code else {}
        raise Conflict(message, field="payment_method", **details) from None
    if intent.status == "requires_payment_method" and intent.error_code:
        # Refused without an error (as localstripe answers): the intent waits for another card.
        raise Conflict(
            declines.message_for(intent.error_code),
            field="payment_method",
            decline_code=[intent.error_code],
        )
    return sync_intent(session, app, intent)


def refund(
    session: Session,
    app: Collaborators,
    order_id: int,
    amount: int,
    reason: str,
    user_id: int,
    idempotency_key: str | None = None,
) -> Refund:
    """Refund part or all of an order (finance): reserve, ask Stripe, complete."""
    session.rollback()
    with app.db.unit_of_work() as own:
        started, _ = refunds.request(
            own, order_id, amount, reason, own.get(User, user_id), utcnow(), Actor.FINANCE,
            idempotency_key=idempotency_key,
        )  # fmt: skip
        refund_id = started.id
    return _finish(session, app, refund_id)


def decide_dispute(session: Session, app: Collaborators, order_id: int, reviewer_id: int, data):
    """A reviewer's decision; a refund it starts goes to Stripe like any other."""
    session.rollback()
    with app.db.unit_of_work() as own:
        dispute, started = refunds.decide(
            own, order_id, own.get(User, reviewer_id), data["decision"], data.get("note") or "",
            utcnow(), data.get("refund_minor"),
        )  # fmt: skip
        dispute_id, refund_id = dispute.id, started.id if started else None
    if refund_id is not None:
        _finish(session, app, refund_id)
    return dispute_id


def retry_pending_refunds(session: Session, app: Collaborators) -> list[int]:
    """Ask Stripe again, under each refund's own key, for refunds whose outcome was unknown."""
    pending = session.scalars(
        sa.select(Refund.id).where(
            Refund.status == RefundStatus.PENDING, Refund.method == PaymentMethod.STRIPE
        )
    ).all()
    session.rollback()
    return [
        refund_id
        for refund_id in pending
        if _finish(session, app, refund_id).status != RefundStatus.PENDING
    ]


def _finish(session: Session, app: Collaborators, refund_id: int) -> Refund:
    current = session.get(Refund, refund_id)
    if current.status != RefundStatus.PENDING or current.method != PaymentMethod.STRIPE:
        return current
    intent_id = next(
        payment.stripe_payment_intent_id
        for payment in current.order.payments
        if payment.method == PaymentMethod.STRIPE and payment.status == "succeeded"
    )
    metadata = {"shujiao": app.settings.owner_tag, "refund_id": str(refund_id)}
    metadata["order_id"] = str(current.order_id)
    amount = current.amount_minor
    session.rollback()
    try:
        done = app.require_gateway().refund(intent_id, amount, f"refund:{refund_id}", metadata)
    except GatewayError as error:
        if not error.definitive:
            # Stripe may have made the refund: keep it pending with its hold. Retrying under the
            # same key (shujiao trading sweep) or Stripe's refund webhook settles it either way.
            log.warning("refund %s left pending: %s", refund_id, error)
            return session.get(Refund, refund_id)
        refunds.fail(session, refund_id, str(error), utcnow())
        return session.get(Refund, refund_id)
    if done.status == "succeeded":
        return refunds.complete(session, refund_id, utcnow(), done.id)
    if done.status == "pending":
        # Not money moved yet, and it may still fail: booked when Stripe's refund.updated says
        # succeeded (or the sweep asks again), its hold keeping the money reserved meanwhile.
        return session.get(Refund, refund_id)
    refunds.fail(session, refund_id, f"Stripe: {done.status}", utcnow())
    return session.get(Refund, refund_id)


def return_held_payment(session: Session, app: Collaborators, payment_id: int, user_id: int):
    """Pay a held receipt back (a Stripe refund for card money, the bank for transfers)."""
    payment = payments.held_payment(session, payment_id)
    method, intent_id, amount = (
        payment.method,
        payment.stripe_payment_intent_id,
        payment.amount_minor,
    )
    stripe_refund_id = None
    if method == PaymentMethod.STRIPE:
        session.rollback()
        metadata = {"shujiao": app.settings.owner_tag, "payment_id": str(payment_id)}
        try:
            done = app.require_gateway().refund(
                intent_id, amount, f"payment:{payment_id}:return", metadata
            )
        except GatewayError as error:
            raise PaymentUnavailable(str(error)) from None
        stripe_refund_id = done.id
    return payments.return_held(
        session, payment_id, session.get(User, user_id), utcnow(), stripe_refund_id
    )
