"""Typical exchange entries (DESIGN.md, "Money and the ledger"), built through the ledger API."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from ledger import credit, debit
from ledger.models import accounts, entries, holds, postings

CLEARING = "assets:stripe_clearing"
BANK = "assets:bank"
FEES = "revenue:platform_fees"
PAYMENT_FEES = "expenses:payment_fees"


def escrow(order: int) -> str:
    return f"liabilities:escrow:order:{order}"


def payable(org: int) -> str:
    return f"liabilities:provider_payable:org:{org}"


def capture(session: Session, order: int, amount: int, *, key: str | None = None, **kwargs):
    """Card payment captured: clearing debited, the order's escrow credited."""
    return ledger.post(
        session,
        key or f"capture:{order}:{amount}",
        [debit(CLEARING, amount, "CNY"), credit(escrow(order), amount, "CNY")],
        description="card payment captured",
        metadata={"order_id": str(order)},
        **kwargs,
    )


def settle(
    session: Session, order: int, org: int, amount: int, fee: int, *, key: str | None = None
):
    """Order settled: escrow to the provider's payable and the platform fee."""
    return ledger.post(
        session,
        key or f"settle:{order}",
        [
            debit(escrow(order), amount, "CNY"),
            credit(payable(org), amount - fee, "CNY"),
            credit(FEES, fee, "CNY"),
        ],
        description="order settled",
        metadata={"order_id": str(order)},
    )


def counts(session: Session) -> tuple[int, ...]:
    """Rows in entries, postings, holds and accounts, and the accounts' total movement."""
    return (
        session.execute(select(func.count()).select_from(entries)).scalar_one(),
        session.execute(select(func.count()).select_from(postings)).scalar_one(),
        session.execute(select(func.count()).select_from(holds)).scalar_one(),
        session.execute(select(func.count()).select_from(accounts)).scalar_one(),
        session.execute(
            select(
                func.coalesce(
                    func.sum(
                        accounts.c.debits_posted
                        + accounts.c.credits_posted
                        + accounts.c.debits_pending
                        + accounts.c.credits_pending
                    ),
                    0,
                )
            )
        ).scalar_one(),
    )
