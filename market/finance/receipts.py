"""Bank receipts as finance records them (收款登記): what trading does with the money (pay the
order, or hold it), and the finance audit trail that says who recorded or paid back what."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.finance import audit, cash
from market.identity.models import User
from market.trading import flows
from market.trading import payments as trading_payments
from market.trading.models import Payment
from market.trading.settings import TradingSettings


def record(
    session: Session, user: User, data: dict, settings: TradingSettings, now: datetime
) -> Payment:
    """Record money received on the exchange's bank account (see
    :func:`market.trading.payments.record_bank_receipt`); the same bank transaction again
    answers the first record and adds no line to the trail."""
    known = session.scalar(
        sa.select(Payment.id).where(Payment.bank_transaction_id == data["bank_transaction_id"])
    )
    account = cash.account_for(session, data.get("bank_account_id"), data["currency"])
    payment = trading_payments.record_bank_receipt(session, user, data, settings, now, account)
    if known is None:
        audit.record(
            session, "receipt_recorded", f"payment:{payment.id}", user, now,
            reference=payment.reference, amount=payment.amount_minor, currency=payment.currency,
            bank_transaction_id=payment.bank_transaction_id, payer_name=payment.payer_name,
            value_date=payment.value_date.isoformat() if payment.value_date else None,
            order_id=payment.order_id, outcome=str(payment.status),
            bank_account_id=account.id if account is not None else None,
        )  # fmt: skip
    return payment


def return_held(
    session: Session, app: flows.Collaborators, payment_id: int, user_id: int, now: datetime
) -> Payment:
    """Pay a held receipt back to the payer (a Stripe refund for card money, the bank for a
    transfer), in the audit trail."""
    payment = flows.return_held_payment(session, app, payment_id, user_id)
    audit.record(
        session, "receipt_returned", f"payment:{payment.id}", session.get(User, user_id), now,
        reference=payment.reference, amount=payment.amount_minor, currency=payment.currency,
        method=str(payment.method), stripe_refund_id=payment.stripe_refund_id,
    )  # fmt: skip
    return payment
