"""Payouts (付款): finance pays providers what the exchange owes them, in batches.

Building a batch takes every provider's available payable in a currency, first sets off what
the provider owes the exchange (a receivable left by a claw-back), records one payout each for
the rest and posts ``payable → bank`` for it; the batch's bank file is what finance uploads to the
bank. (Stripe Connect transfers are not wired yet: providers have no connected accounts.)
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger.currencies import to_major
from ledger.export import spreadsheet_safe
from market import idempotency
from market.errors import Conflict, NotFound
from market.identity.models import Organisation, User
from market.text import N_
from market.trading import books
from market.trading.models import PaymentMethod, Payout, PayoutBatch, PayoutStatus


def build_batch(
    session: Session, user: User, currency: str, now: datetime, idempotency_key: str | None = None
) -> PayoutBatch:
    """One payout per provider with money owed in ``currency``; Conflict if nobody is owed.

    With an idempotency key, the same key and currency return the first batch; another
    currency under the key is a Conflict.
    """
    digest = idempotency.request_hash({"currency": currency})
    if idempotency_key:
        existing = idempotency.replay(
            session,
            sa.select(PayoutBatch).where(PayoutBatch.idempotency_key == idempotency_key),
            digest,
            N_("this Idempotency-Key was used for a different payout batch"),
        )
        if existing is not None:
            return existing
    owed = books.payables(session, currency)
    if not owed:
        raise Conflict(N_("no provider is owed anything in this currency"), field="currency")
    batch = PayoutBatch(
        currency=currency,
        created_by_id=user.id,
        created_at=now,
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    session.add(batch)
    session.flush()
    for organisation_id, owed_amount in sorted(owed.items()):
        amount = owed_amount - books.net_receivable(
            session, batch.id, organisation_id, owed_amount, currency, now
        )
        # A suspended organisation's payable stays in its account until the suspension is lifted.
        if amount <= 0 or session.get(Organisation, organisation_id).is_suspended:
            continue
        payout = Payout(
            batch_id=batch.id,
            organisation_id=organisation_id,
            amount_minor=amount,
            currency=currency,
            method=PaymentMethod.BANK_TRANSFER,
            status=PayoutStatus.PAID,
            created_at=now,
        )
        session.add(payout)
        session.flush()
        books.payout(session, payout.id, organisation_id, amount, currency, now)
    return batch


def batch_or_404(session: Session, batch_id: int) -> PayoutBatch:
    """A payout batch."""
    batch = session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound(N_("no such payout batch"))
    return batch


def bank_file(batch: PayoutBatch) -> str:
    """The batch as a CSV bank file: one credit transfer per provider."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout_id", "payee", "credit_code", "amount", "currency", "reference"])
    for payout in batch.payouts:
        organisation: Organisation = payout.organisation
        # A payee's name is typed by the provider: never a formula in finance's spreadsheet.
        writer.writerow(
            spreadsheet_safe(cell)
            for cell in [
                payout.id,
                organisation.name_zh,
                organisation.credit_code or organisation.registration_number or "",
                str(to_major(payout.amount_minor, payout.currency)),
                payout.currency,
                f"SJ-PAYOUT-{payout.id}",
            ]
        )
    return out.getvalue()


def batches() -> sa.Select:
    """Payout batches, newest first."""
    return sa.select(PayoutBatch).order_by(PayoutBatch.id.desc())


def payouts_of(organisation_id: int) -> sa.Select:
    """A provider's payouts, newest first."""
    return (
        sa.select(Payout)
        .where(Payout.organisation_id == organisation_id)
        .order_by(Payout.id.desc())
    )
