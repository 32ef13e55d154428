"""Stripe's balance transactions, recorded once each and booked: what only Stripe knows (its
fees, its payouts to our bank, chargeback withdrawals and fees, currency conversion) goes into
the ledger here; the gross amounts of charges and refunds were booked by trading when they
happened and are matched, not booked again.

Lines arrive from the API (``stripe_import``) or from the itemised balance CSV Stripe's
dashboard exports (``stripe_csv``) as :class:`BalanceLine`. Recording is idempotent: a line
already recorded with the same content changes nothing; with other content it is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from market.errors import Conflict
from market.finance import books
from market.finance.models import ItemState, StripeBalanceTransaction
from market.text import N_

CHUNK = 2_000

# Reporting categories (https://docs.stripe.com/reports/reporting-categories) by what they book.
PAYOUT_CATEGORIES = {"payout", "payout_reversal"}
DISPUTE_CATEGORIES = {"dispute", "dispute_reversal"}
CONVERTED_CATEGORIES = {"charge", "refund", "partial_capture_reversal"}
FEE_CATEGORIES = {"fee", "stripe_fee", "other_adjustment_fee"}
# Lines matched to something else (trading's payments and refunds; the bank's lines for
# payouts); every other line is booked from itself and so is reconciled when imported.
MATCHED_CATEGORIES = {"charge", "refund", "payout"}


@dataclass(frozen=True)
class BalanceLine:
    """One balance transaction, whatever it came from; amounts in minor units of ``currency``."""

    id: str
    type: str
    reporting_category: str
    amount: int
    fee: int
    net: int
    currency: str
    created: datetime
    available_on: date | None = None
    source_id: str | None = None
    charge_id: str | None = None
    payment_intent_id: str | None = None
    refund_id: str | None = None
    payout_id: str | None = None
    dispute_id: str | None = None
    customer_facing_amount: int | None = None
    customer_facing_currency: str | None = None
    exchange_rate: str | None = None
    description: str | None = None

    def with_ids(self) -> BalanceLine:
        """The line with the source id also filed under its kind (``ch_``, ``re_``, ...)."""
        source = self.source_id or ""
        found = {}
        for prefix, name in (
            ("ch_", "charge_id"),
            ("py_", "charge_id"),
            ("re_", "refund_id"),
            ("pyr_", "refund_id"),
            ("po_", "payout_id"),
            ("dp_", "dispute_id"),
            ("du_", "dispute_id"),
        ):
            if source.startswith(prefix) and getattr(self, name) is None:
                found[name] = source
        return _replace(self, **found) if found else self


def _replace(line: BalanceLine, **changes) -> BalanceLine:
    return replace(line, **changes)


NAMES = tuple(field.name for field in fields(BalanceLine))


# The columns compared when a line is seen again: the money and what it is about.
_IDENTITY = ("type", "amount", "fee", "net", "currency", "source_id")


@dataclass
class ImportResult:
    """What an import did: lines new, lines already known, entries posted."""

    new: int = 0
    unchanged: int = 0
    entries: int = 0

    def __iadd__(self, other: ImportResult) -> ImportResult:
        self.new += other.new
        self.unchanged += other.unchanged
        self.entries += other.entries
        return self


def _conversion(line: BalanceLine) -> tuple[int, str] | None:
    # The customer's side of a converted charge or refund, signed like the line's amount.
    paid_currency = line.customer_facing_currency
    if line.reporting_category not in CONVERTED_CATEGORIES or not paid_currency:
        return None
    if paid_currency == line.currency or not line.customer_facing_amount:
        return None
    magnitude = abs(line.customer_facing_amount)
    return (magnitude if line.amount >= 0 else -magnitude), paid_currency


def entries_for(line: BalanceLine) -> list[ledger.EntryRequest]:
    """The ledger entries one balance transaction books (none for a plain charge's gross)."""
    category, at = line.reporting_category, line.created
    requests = []
    if category in PAYOUT_CATEGORIES:
        requests.append(
            books.stripe_payout_sent(
                line.id,
                line.payout_id or line.source_id or line.id,
                -line.amount,
                line.currency,
                at,
            )  # fmt: skip
        )
    elif category in DISPUTE_CATEGORIES:
        if line.amount:
            requests.append(
                books.stripe_dispute_funds(
                    line.id,
                    line.dispute_id or line.source_id or line.id,
                    -line.amount,
                    line.currency,
                    at,
                )  # fmt: skip
            )
        if line.fee:
            requests.append(
                books.stripe_fee(line.id, line.fee, line.currency, at, account=books.DISPUTE_FEES)
            )
        return requests
    elif category in FEE_CATEGORIES and line.amount:
        # Stripe billed us (e.g. a monthly fee): the amount itself is the fee.
        requests.append(books.stripe_fee(line.id, -line.amount, line.currency, at))
        return requests
    converted = _conversion(line)
    if converted is not None:
        requests.append(
            books.stripe_conversion(line.id, converted, (line.amount, line.currency), at)
        )
    if line.fee:
        requests.append(books.stripe_fee(line.id, line.fee, line.currency, at))
    return requests


def _row(line: BalanceLine, origin: str, booked: str) -> dict:
    values = {name: getattr(line, name) for name in NAMES}
    values["stripe_id"] = values.pop("id")
    values["origin"] = origin
    values["booked"] = booked
    values["state"] = (
        ItemState.UNRECONCILED
        if line.reporting_category in MATCHED_CATEGORIES
        else ItemState.RECONCILED
    )
    return values


def record(session: Session, lines: Iterable[BalanceLine], origin: str) -> ImportResult:
    """Record and book balance transactions in chunks; a line seen before with other content
    is refused (``Conflict`` naming it) and, the caller rolling back, nothing is kept."""
    result = ImportResult()
    chunk: list[BalanceLine] = []
    for line in lines:
        chunk.append(line.with_ids())
        if len(chunk) >= CHUNK:
            result += _record_chunk(session, chunk, origin)
            chunk = []
    if chunk:
        result += _record_chunk(session, chunk, origin)
    return result


def _record_chunk(session: Session, lines: Sequence[BalanceLine], origin: str) -> ImportResult:
    result = ImportResult()
    unique: dict[str, BalanceLine] = {}
    for line in lines:
        seen = unique.get(line.id)
        if seen is not None and not _same(seen, line):
            raise Conflict(
                N_("this balance transaction appears twice with different amounts"),
                field=f"lines.{line.id}",
            )
        unique[line.id] = line
    # Plain rows of the columns compared, not ORM objects: a re-import reads them all.
    bt = StripeBalanceTransaction
    known = {
        row.stripe_id: row
        for row in session.execute(
            sa.select(bt.stripe_id, *(getattr(bt, name) for name in _IDENTITY)).where(
                bt.stripe_id.in_(list(unique))
            )
        )
    }
    fresh, requests = [], []
    for line in unique.values():
        if line.id in known:
            if not _same(known[line.id], line):
                raise Conflict(
                    N_("this balance transaction was imported before with other amounts"),
                    field=f"lines.{line.id}",
                )
            result.unchanged += 1
            continue
        booked = entries_for(line)
        requests.extend(booked)
        fresh.append(_row(line, origin, " ".join(request.key for request in booked)[:200]))
    result.unchanged += len(lines) - len(unique)
    if fresh:
        # The table's insert, not the ORM's bulk path: one executemany, no per-row bookkeeping.
        session.execute(sa.insert(StripeBalanceTransaction.__table__), fresh)
    if requests:
        ledger.post_many(session, requests)
    result.new += len(fresh)
    result.entries += len(requests)
    return result


def _same(known, line: BalanceLine) -> bool:
    other_source = getattr(known, "source_id", None)
    return all(
        getattr(known, name) == getattr(line, name)
        for name in _IDENTITY
        if name != "source_id" or (other_source and line.source_id)
    )


def from_api(raw: dict) -> BalanceLine:
    """A balance transaction object of Stripe's API as a :class:`BalanceLine`."""
    source = raw.get("source")
    source_id = source if isinstance(source, str) or source is None else source.get("id")
    available = raw.get("available_on")
    rate = raw.get("exchange_rate")
    category = raw.get("reporting_category") or _category_of_type(raw.get("type") or "")
    return BalanceLine(
        id=raw["id"],
        type=str(raw.get("type") or category),
        reporting_category=category,
        amount=int(raw["amount"]),
        fee=int(raw.get("fee") or 0),
        net=int(raw.get("net") if raw.get("net") is not None else raw["amount"]),
        currency=str(raw["currency"]).upper(),
        created=datetime.fromtimestamp(int(raw["created"]), UTC),
        available_on=datetime.fromtimestamp(int(available), UTC).date() if available else None,
        source_id=source_id,
        exchange_rate=None if rate is None else str(rate),
        description=(raw.get("description") or None) and str(raw["description"])[:500],
    )


def _category_of_type(kind: str) -> str:
    # Older API versions (and localstripe) leave reporting_category out.
    return {
        "payment": "charge",
        "payment_refund": "refund",
        "stripe_fee": "fee",
        "payout_cancel": "payout_reversal",
        "payout_failure": "payout_reversal",
        "adjustment": "other_adjustment",
    }.get(kind, kind)
