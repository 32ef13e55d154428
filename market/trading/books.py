"""The ledger entries of trading: one function per business event, each with an idempotency key
derived from the event (``order:42:paid``, ``order:42:settled``, ``refund:7``), so a retried
webhook or request posts once. Called in the same transaction that moves the order.

Accounts (``ledger.chart.DEFAULT_CHART`` gives escrow, payables and receivables a floor of 0)::

    assets:stripe_clearing                 card and wallet money at Stripe
    assets:bank                            the exchange's bank account
    liabilities:escrow:order:<id>          a buyer's money, held until settlement
    liabilities:provider_payable:org:<id>  what the exchange owes a provider
    assets:provider_receivable:org:<id>    what a provider owes back (refund after payout)
    liabilities:unapplied_receipts         money received that no order may take (held)
    liabilities:refunds_payable:org:<id>   bank refunds owed to a buyer until finance sends them
    revenue:platform_fees                  the exchange's fee, net of output VAT
    liabilities:vat_output                 output VAT (銷項稅額) inside the fee
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger import credit, debit
from ledger.errors import AccountNotFound
from market.trading.models import (
    Order,
    Payment,
    PaymentMethod,
    Refund,
    RefundStatus,
    escrow_account,
)
from market.trading.states import FINISHED

STRIPE_CLEARING = "assets:stripe_clearing"
BANK = "assets:bank"
PLATFORM_FEES = "revenue:platform_fees"
VAT_OUTPUT = "liabilities:vat_output"
UNAPPLIED = "liabilities:unapplied_receipts"


def payable_account(organisation_id: int) -> str:
    """``liabilities:provider_payable:org:<id>``."""
    return f"liabilities:provider_payable:org:{organisation_id}"


def receivable_account(organisation_id: int) -> str:
    """``assets:provider_receivable:org:<id>``."""
    return f"assets:provider_receivable:org:{organisation_id}"


def refunds_payable_account(organisation_id: int) -> str:
    """``liabilities:refunds_payable:org:<id>``: bank refunds owed to a buyer, not yet sent."""
    return f"liabilities:refunds_payable:org:{organisation_id}"


def refunded_to(order: Order, method: PaymentMethod) -> str:
    """Where a refund's money goes: back to Stripe, which returns it to the card; for a bank
    transfer, a payable to the buyer until finance sends it (``finance.refund_transfers``)."""
    if method == PaymentMethod.STRIPE:
        return STRIPE_CLEARING
    return refunds_payable_account(order.buyer_organisation_id)


def cash_account(method: PaymentMethod) -> str:
    """Where money of a payment method sits: Stripe clearing or the bank."""
    return STRIPE_CLEARING if method == PaymentMethod.STRIPE else BANK


def received_on(payment: Payment) -> str:
    """Where a payment's money sits: Stripe clearing, or the ledger code of the exchange's bank
    account it came into (``assets:bank`` when it names none)."""
    if payment.method == PaymentMethod.BANK_TRANSFER and payment.bank_account is not None:
        return payment.bank_account.ledger_account
    return cash_account(payment.method)


def balance(session: Session, account: str, currency: str, available: bool = False) -> int:
    """An account's balance on its normal side (0 if it was never used)."""
    try:
        totals = ledger.balance(session, account, currency)
    except AccountNotFound:
        return 0
    return totals.available if available else totals.posted


def escrow_held(session: Session, order: Order, available: bool = False) -> int:
    """The order's escrow balance (``available`` leaves out refunds reserved by holds)."""
    return balance(session, order.escrow_account, order.currency, available)


def _meta(order: Order, **extra) -> dict:
    metadata = {"order_id": order.id, "buyer_org": order.buyer_organisation_id}
    metadata["provider_org"] = order.provider_organisation_id
    metadata.update({key: value for key, value in extra.items() if value is not None})
    return metadata


def payment_received(
    session: Session, order: Order, method: PaymentMethod, amount: int, now: datetime,
    cash: str | None = None, **meta,
) -> ledger.EntryRecord:  # fmt: skip
    """Card/wallet captured or bank transfer confirmed: cash (``cash``, else the method's
    account) → the order's escrow."""
    return ledger.post(
        session,
        key=f"order:{order.id}:paid",
        postings=[
            debit(cash or cash_account(method), amount, order.currency),
            credit(order.escrow_account, amount, order.currency),
        ],
        description=f"order {order.reference} paid ({method})",
        effective_at=now,
        metadata=_meta(order, **meta),
    )


def unapplied_receipt(
    session: Session, key: str, method: PaymentMethod, amount: int, currency: str, now,
    cash: str | None = None, **meta,
) -> ledger.EntryRecord:  # fmt: skip
    """Money received that no order may take (short, excess, late, duplicate): held."""
    return ledger.post(
        session,
        key=f"{key}:held",
        postings=[
            debit(cash or cash_account(method), amount, currency),
            credit(UNAPPLIED, amount, currency),
        ],
        description=f"receipt held for finance ({method})",
        effective_at=now,
        metadata=meta,
    )


def unapplied_returned(
    session: Session, key: str, method: PaymentMethod, amount: int, currency: str, now,
    cash: str | None = None, **meta,
) -> ledger.EntryRecord:  # fmt: skip
    """A held receipt paid back to whoever sent it, out of the account it came into."""
    return ledger.post(
        session,
        key=f"{key}:returned",
        postings=[
            debit(UNAPPLIED, amount, currency),
            credit(cash or cash_account(method), amount, currency),
        ],
        description=f"held receipt returned ({method})",
        effective_at=now,
        metadata={name: value for name, value in meta.items() if value is not None},
    )


def fee_of(amount: int, fee_bps: int) -> int:
    """The platform fee on ``amount`` at ``fee_bps`` basis points, rounded half up."""
    return (amount * fee_bps + 5_000) // 10_000


def vat_in(fee: int, vat_bps: int) -> int:
    """The output VAT inside a VAT-inclusive ``fee`` at ``vat_bps``: the fee less its net part
    (``fee / (1 + rate)``, rounded half up)."""
    return fee - (fee * 10_000 + (10_000 + vat_bps) // 2) // (10_000 + vat_bps)


def _fee_legs(fee: int, vat: int, currency: str, side) -> list:
    # Rounded shares of a partial refund can give back a unit more VAT than fee: the revenue
    # leg then takes the other side, so the entry still balances to ``fee``.
    other = debit if side is credit else credit
    legs = []
    if fee - vat:
        legs.append((side if fee > vat else other)(PLATFORM_FEES, abs(fee - vat), currency))
    if vat:
        legs.append(side(VAT_OUTPUT, vat, currency))
    return legs


def settlement(session: Session, order: Order, now: datetime) -> tuple[int, int, int]:
    """Escrow → provider payable + platform fee (net revenue and output VAT);
    ``(provider part, fee, VAT inside the fee)``."""
    held = escrow_held(session, order)
    fee = fee_of(held, order.fee_bps)
    vat = vat_in(fee, order.vat_bps)
    provider_part = held - fee
    legs = [debit(order.escrow_account, held, order.currency)]
    if provider_part:
        legs.append(
            credit(payable_account(order.provider_organisation_id), provider_part, order.currency)
        )
    legs += _fee_legs(fee, vat, order.currency, credit)
    if held:
        ledger.post(
            session,
            key=f"order:{order.id}:settled",
            postings=legs,
            description=f"order {order.reference} settled",
            effective_at=now,
            metadata=_meta(order, fee_bps=order.fee_bps, vat_bps=order.vat_bps),
        )
    return provider_part, fee, vat


def refund_hold(session: Session, order: Order, refund_id: int, amount: int) -> int:
    """Reserve a refund in escrow while Stripe is asked; the hold's id."""
    record = ledger.hold(
        session,
        f"refund:{refund_id}:hold",
        debit=order.escrow_account,
        credit=STRIPE_CLEARING,
        amount=amount,
        currency=order.currency,
        description=f"refund {refund_id} of order {order.reference} reserved",
        metadata=_meta(order, refund_id=refund_id),
    )
    return record.id


def refund_from_escrow(
    session: Session, order: Order, refund_id: int, method: PaymentMethod, amount: int,
    hold_id: int | None, now: datetime, **meta,
) -> ledger.EntryRecord:  # fmt: skip
    """Refund before settlement: escrow → cash (posting the reserving hold if there is one)."""
    if hold_id is not None:
        return ledger.post_hold(
            session,
            hold_id,
            f"refund:{refund_id}",
            effective_at=now,
            description=f"refund {refund_id} of order {order.reference}",
            metadata=_meta(order, refund_id=refund_id, **meta),
        )
    return ledger.post(
        session,
        key=f"refund:{refund_id}",
        postings=[
            debit(order.escrow_account, amount, order.currency),
            credit(refunded_to(order, method), amount, order.currency),
        ],
        description=f"refund {refund_id} of order {order.reference}",
        effective_at=now,
        metadata=_meta(order, refund_id=refund_id, **meta),
    )


def _fee_share(refunded: int, fee: int, settled: int) -> int:
    # Half-up rounding of refunded * fee / settled, in integers.
    return (refunded * fee + settled // 2) // settled if settled else 0


def refund_after_settlement(
    session: Session, order: Order, refund_id: int, method: PaymentMethod, amount: int,
    now: datetime, **meta,
) -> tuple[int, int, int]:  # fmt: skip
    """Refund after settlement: claw back the provider's share from its payable (a receivable
    for what the payable lacks) and the fee from revenue. ``(payable, receivable, fee)``."""
    settled = order.fee_minor + order.provider_minor
    # The fee's share is rounded on the running total of refunds after settlement, so partial
    # refunds that add up to the price give back exactly the fee, never a unit more.
    earlier = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_minor), 0)).where(
            Refund.order_id == order.id,
            Refund.after_settlement.is_(True),
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.id != refund_id,
        )
    )
    fee_back = _fee_share(earlier + amount, order.fee_minor, settled) - _fee_share(
        earlier, order.fee_minor, settled
    )
    vat_back = _fee_share(earlier + amount, order.vat_minor, settled) - _fee_share(
        earlier, order.vat_minor, settled
    )
    provider_back = amount - fee_back
    payable = payable_account(order.provider_organisation_id)
    from_payable = min(provider_back, balance(session, payable, order.currency, available=True))
    from_receivable = provider_back - from_payable
    legs = []
    if from_payable:
        legs.append(debit(payable, from_payable, order.currency))
    if from_receivable:
        legs.append(
            debit(
                receivable_account(order.provider_organisation_id), from_receivable, order.currency
            )
        )
    legs += _fee_legs(fee_back, vat_back, order.currency, debit)
    legs.append(credit(refunded_to(order, method), amount, order.currency))
    ledger.post(
        session,
        key=f"refund:{refund_id}",
        postings=legs,
        description=f"refund {refund_id} of settled order {order.reference}",
        effective_at=now,
        metadata=_meta(order, refund_id=refund_id, **meta),
    )
    return from_payable, from_receivable, fee_back


def net_receivable(
    session: Session, batch_id: int, organisation_id: int, owed: int, currency: str, now
) -> int:
    """Set what a provider owes the exchange (an earlier claw-back's receivable) against what
    the exchange owes it; returns the amount netted (payable → receivable)."""
    receivable = receivable_account(organisation_id)
    netted = min(owed, balance(session, receivable, currency))
    if netted <= 0:
        return 0
    ledger.post(
        session,
        key=f"payout_batch:{batch_id}:net:{organisation_id}",
        postings=[
            debit(payable_account(organisation_id), netted, currency),
            credit(receivable, netted, currency),
        ],
        description=f"receivable of organisation {organisation_id} set off in batch {batch_id}",
        effective_at=now,
        metadata={"payout_batch": batch_id, "provider_org": organisation_id},
    )
    return netted


def payables(session: Session, currency: str) -> dict[int, int]:
    """Available payable per provider organisation in ``currency`` (only those above zero)."""
    return payables_by_currency(session).get(currency, {})


def payables_by_currency(session: Session) -> dict[str, dict[int, int]]:
    """Available payable per provider organisation, in each currency anyone is owed in (only
    those above zero): each currency is paid out in batches of its own."""
    prefix = "liabilities:provider_payable:org:"
    found: dict[str, dict[int, int]] = {}
    for row in ledger.accounts_under(session, prefix):
        if row.available > 0:
            owed = found.setdefault(row.currency, {})
            owed[int(row.account.removeprefix(prefix))] = row.available
    return found


def settled_escrow_accounts(session: Session) -> list[str]:
    """Escrow account codes of settled or refunded orders (for ``ledger verify``)."""
    ids = session.scalars(sa.select(Order.id).where(Order.status.in_(list(FINISHED))))
    return [escrow_account(order_id) for order_id in ids]
