"""The ledger entries of finance: one function per business event, each with an idempotency key
derived from the event (``stripe_bt:txn_1``, ``stripe_payout:po_1:arrived``, ``payout:7:paid``),
so importing the same statement twice posts once. What Stripe's balance transactions book is
returned as :class:`ledger.EntryRequest` so an import posts them in one set-based batch; their
fees and conversions as one entry per day of the lines recorded together (``stripe_day``).

Accounts, beside trading's (``market.trading.books``)::

    assets:stripe_clearing                 card and wallet money at Stripe (Stripe's balance)
    assets:stripe_payouts_in_transit       Stripe paid it out; the bank has not shown it yet
    assets:stripe_disputed_funds           withdrawn by Stripe while a chargeback is open
    assets:bank                            the exchange's bank account (or the ledger code of
                                           the bank account the money went through)
    expenses:payment_fees                  Stripe's processing fees
    expenses:dispute_fees                  Stripe's chargeback fees
    equity:fx_position                     currency conversion (balances per currency)
    liabilities:payouts_in_transit         provider payouts sent to the bank, not yet paid
    liabilities:refunds_in_transit         bank refunds sent to buyers, not yet on the statement
    liabilities:vat_output                 output VAT on the platform fee (trading posts it)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import ledger
from ledger import EntryRequest, credit, debit
from market.trading.books import BANK, STRIPE_CLEARING, payable_account, refunds_payable_account

STRIPE_PAYOUTS_IN_TRANSIT = "assets:stripe_payouts_in_transit"
STRIPE_DISPUTED = "assets:stripe_disputed_funds"
PAYMENT_FEES = "expenses:payment_fees"
DISPUTE_FEES = "expenses:dispute_fees"
FX_POSITION = "equity:fx_position"
PAYOUTS_IN_TRANSIT = "liabilities:payouts_in_transit"
REFUNDS_IN_TRANSIT = "liabilities:refunds_in_transit"
# What a bank account held before the exchange's books began: its first statement's opening.
OPENING_BALANCES = "equity:opening_balances"


def _move(into: str, out_of: str, amount: int, currency: str) -> list:
    # A positive amount moves ``into`` ← ``out_of``; a negative one the other way round.
    if amount > 0:
        return [debit(into, amount, currency), credit(out_of, amount, currency)]
    return [debit(out_of, -amount, currency), credit(into, -amount, currency)]


def stripe_day(
    day: date, lines: Sequence[str], sums: Mapping[tuple[str, str], int], at: datetime
) -> EntryRequest | None:
    """Stripe's fees and currency conversions on the balance transactions ``lines`` of one day
    (UTC+8), recorded together, as one entry: ``sums`` holds each (account, currency)'s signed
    total (positive a debit). The lines themselves stay in the import's table, each naming this
    entry; the key is the day and a digest of the lines, so recording them again replays it.
    None when the amounts cancel out."""
    legs = [
        debit(account, amount, currency) if amount > 0 else credit(account, -amount, currency)
        for (account, currency), amount in sorted(sums.items())
        if amount
    ]
    if len(legs) < 2:
        return None
    digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:20]
    return EntryRequest(
        key=f"stripe_day:{day.isoformat()}:{digest}",
        legs=legs,
        description=f"Stripe fees and conversions of {day.isoformat()}: {len(lines)} lines",
        effective_at=at,
        metadata={"stripe_lines": len(lines), "first_line": min(lines), "last_line": max(lines)},
    )


def stripe_payout_sent(
    txn: str, payout: str, amount: int, currency: str, at: datetime
) -> EntryRequest:
    """Stripe paid its balance out to our bank (``amount`` > 0), or a payout failed and came
    back (``amount`` < 0): clearing ↔ in transit."""
    return EntryRequest(
        key=f"stripe_bt:{txn}",
        legs=_move(STRIPE_PAYOUTS_IN_TRANSIT, STRIPE_CLEARING, amount, currency),
        description=f"Stripe payout {payout}" + (" returned" if amount < 0 else ""),
        effective_at=at,
        metadata={"stripe_balance_transaction": txn, "stripe_payout": payout},
    )


def stripe_payout_arrived(
    session, payout: str, amount: int, currency: str, value_date: datetime, bank_line: str,
    bank_account: str = BANK,
) -> ledger.EntryRecord:  # fmt: skip
    """The bank statement shows a Stripe payout: in transit → the ledger code of the bank
    account it reached."""
    return ledger.post(
        session,
        key=f"stripe_payout:{payout}:arrived",
        postings=[
            debit(bank_account, amount, currency),
            credit(STRIPE_PAYOUTS_IN_TRANSIT, amount, currency),
        ],
        description=f"Stripe payout {payout} received",
        effective_at=value_date,
        metadata={"stripe_payout": payout, "bank_line": bank_line},
    )


def stripe_dispute_funds(
    txn: str, dispute: str, amount: int, currency: str, at: datetime
) -> EntryRequest:
    """Stripe withdrew a disputed amount (``amount`` > 0) or reinstated it (< 0)."""
    return EntryRequest(
        key=f"stripe_bt:{txn}",
        legs=_move(STRIPE_DISPUTED, STRIPE_CLEARING, amount, currency),
        description=f"Stripe dispute {dispute}" + (" reinstated" if amount < 0 else " withdrawn"),
        effective_at=at,
        metadata={"stripe_balance_transaction": txn, "stripe_dispute": dispute},
    )


def stripe_dispute_lost(
    session, dispute: str, amount: int, currency: str, at: datetime
) -> ledger.EntryRecord:
    """A lost chargeback was booked as a refund out of clearing; the withdrawn funds are gone
    for good, so they stand in for what the refund took: disputed funds → clearing."""
    return ledger.post(
        session,
        key=f"stripe_dispute:{dispute}:lost",
        postings=[
            debit(STRIPE_CLEARING, amount, currency),
            credit(STRIPE_DISPUTED, amount, currency),
        ],
        description=f"Stripe dispute {dispute} lost",
        effective_at=at,
        metadata={"stripe_dispute": dispute},
    )


def provider_payout_reserved(
    session, payout_id: int, organisation_id: int, amount: int, currency: str
) -> int:
    """A payout in a built batch: the provider's payable is reserved (a hold) so no other batch
    or claw-back can take it; the hold's id."""
    record = ledger.hold(
        session,
        f"payout:{payout_id}:reserve",
        debit=payable_account(organisation_id),
        credit=PAYOUTS_IN_TRANSIT,
        amount=amount,
        currency=currency,
        description=f"payout {payout_id} to organisation {organisation_id} reserved",
        metadata={"payout_id": payout_id, "provider_org": organisation_id},
    )
    return record.id


def provider_payout_released(session, hold_id: int) -> None:
    """A built batch was cancelled: the reservation ends, nothing moved."""
    ledger.void_hold(session, hold_id)


def provider_payout_submitted(
    session, payout_id: int, hold_id: int, at: datetime
) -> ledger.EntryRecord:
    """The batch's file went to the bank: payable → payouts in transit."""
    return ledger.post_hold(
        session,
        hold_id,
        f"payout:{payout_id}:submitted",
        effective_at=at,
        description=f"payout {payout_id} submitted to the bank",
        metadata={"payout_id": payout_id},
    )


def provider_payout_paid(
    session, payout_id: int, amount: int, currency: str, value_date: datetime, bank_ref: str,
    bank_account: str = BANK,
) -> ledger.EntryRecord:  # fmt: skip
    """The bank statement shows the payout: payouts in transit → the ledger code of the bank
    account its batch left through."""
    return ledger.post(
        session,
        key=f"payout:{payout_id}:paid",
        postings=[
            debit(PAYOUTS_IN_TRANSIT, amount, currency),
            credit(bank_account, amount, currency),
        ],
        description=f"payout {payout_id} paid",
        effective_at=value_date,
        metadata={"payout_id": payout_id, "bank_reference": bank_ref},
    )


def provider_payout_returned(
    session, payout_id: int, organisation_id: int, amount: int, currency: str, at: datetime,
    reason: str,
) -> ledger.EntryRecord:  # fmt: skip
    """The bank returned the payout: the provider is owed it again."""
    return ledger.post(
        session,
        key=f"payout:{payout_id}:returned",
        postings=[
            debit(PAYOUTS_IN_TRANSIT, amount, currency),
            credit(payable_account(organisation_id), amount, currency),
        ],
        description=f"payout {payout_id} returned by the bank: {reason}"[:500],
        effective_at=at,
        metadata={"payout_id": payout_id, "provider_org": organisation_id},
    )


def buyer_refund_sent(
    session, refund_id: int, organisation_id: int, amount: int, currency: str, at: datetime
) -> ledger.EntryRecord:
    """Finance sent a bank refund to the buyer: refunds payable → refunds in transit."""
    return ledger.post(
        session,
        key=f"refund:{refund_id}:sent",
        postings=[
            debit(refunds_payable_account(organisation_id), amount, currency),
            credit(REFUNDS_IN_TRANSIT, amount, currency),
        ],
        description=f"refund {refund_id} sent to the buyer's bank account",
        effective_at=at,
        metadata={"refund_id": refund_id, "buyer_org": organisation_id},
    )


def buyer_refund_paid(
    session, refund_id: int, amount: int, currency: str, value_date: datetime, bank_ref: str,
    bank_account: str = BANK,
) -> ledger.EntryRecord:  # fmt: skip
    """The bank statement shows the refund left our account: refunds in transit → the ledger
    code of the bank account it was sent from."""
    return ledger.post(
        session,
        key=f"refund:{refund_id}:paid",
        postings=[
            debit(REFUNDS_IN_TRANSIT, amount, currency),
            credit(bank_account, amount, currency),
        ],
        description=f"refund {refund_id} paid",
        effective_at=value_date,
        metadata={"refund_id": refund_id, "bank_reference": bank_ref},
    )


def bank_opening_balance(
    session, account_id: int, ledger_account: str, amount: int, currency: str, at: datetime
) -> ledger.EntryRecord:
    """A bank account's balance before its first statement, brought into the books at the
    start of that statement's first day: bank ← opening balances (an overdraft the other
    way)."""
    into, out_of = (
        (ledger_account, OPENING_BALANCES) if amount > 0 else (OPENING_BALANCES, ledger_account)
    )
    return ledger.post(
        session,
        key=f"bank_opening:{account_id}",
        postings=[debit(into, abs(amount), currency), credit(out_of, abs(amount), currency)],
        description=f"Opening balance of bank account {account_id}",
        effective_at=at,
        metadata={"bank_account_id": account_id},
    )
