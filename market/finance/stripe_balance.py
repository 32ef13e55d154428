"""Stripe's balance transactions, recorded once each and booked: what only Stripe knows (its
fees, its payouts to our bank, chargeback withdrawals and fees, currency conversion) goes into
the ledger here; the gross amounts of charges and refunds were booked by trading when they
happened and are matched, not booked again.

Lines arrive from the API (``stripe_import``) or from the itemised balance CSV Stripe's
dashboard exports (``stripe_csv``) as :class:`BalanceLine`. Recording is idempotent: a line
already recorded with the same content changes nothing; with other content it is refused.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from market.errors import Conflict
from market.finance import books, bulk, matching
from market.finance.models import ItemState, StripeBalanceTransaction
from market.finance.payouts import CHINA_STANDARD_TIME
from market.text import N_

# Reporting categories (https://docs.stripe.com/reports/reporting-categories) by what they book.
PAYOUT_CATEGORIES = {"payout", "payout_reversal"}
DISPUTE_CATEGORIES = {"dispute", "dispute_reversal"}
CONVERTED_CATEGORIES = {"charge", "refund", "partial_capture_reversal"}
FEE_CATEGORIES = {"fee", "stripe_fee", "other_adjustment_fee"}
# Lines matched to something else (trading's payments and refunds; the bank's lines for
# payouts); every other line is booked from itself and so is reconciled when imported.
MATCHED_CATEGORIES = {"charge", "refund", "payout"}
# What the import books or matches; a line of any other category (Stripe adds them) with an
# amount is left for reconciliation, which shows it as not in the books, rather than dropped.
KNOWN_CATEGORIES = PAYOUT_CATEGORIES | DISPUTE_CATEGORIES | CONVERTED_CATEGORIES | FEE_CATEGORIES

KINDS = (
    ("ch_", "charge_id"),
    ("py_", "charge_id"),
    ("re_", "refund_id"),
    ("pyr_", "refund_id"),
    ("po_", "payout_id"),
    ("dp_", "dispute_id"),
    ("du_", "dispute_id"),
)


class BalanceLine(NamedTuple):
    """One balance transaction, whatever it came from; amounts in minor units of ``currency``.
    (A named tuple: an import makes one per line, 100,000 at a time.)"""

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
        source = self.source_id
        if not source:
            return self
        for prefix, name in KINDS:
            if source.startswith(prefix):
                if getattr(self, name) is None:
                    return self._replace(**{name: source})
                return self
        return self


NAMES = BalanceLine._fields
# The table's columns in the order of a row written by ``record``.
COLUMNS = ("stripe_id", *NAMES[1:], "origin", "booked", "state", "imported_at")


# The columns compared when a line is seen again: the money and what it is about.
_IDENTITY = ("type", "amount", "fee", "net", "currency", "source_id")


@dataclass
class ImportResult:
    """What an import did: lines new, lines already known, entries posted, and the new charge
    lines matched to their payments as they came in."""

    new: int = 0
    unchanged: int = 0
    entries: int = 0
    matched: int = 0

    def __iadd__(self, other: ImportResult) -> ImportResult:
        self.new += other.new
        self.unchanged += other.unchanged
        self.entries += other.entries
        self.matched += other.matched
        return self


def own_entries(line: BalanceLine) -> list[ledger.EntryRequest]:
    """The entries a line books by itself: Stripe's payouts and dispute withdrawals, which
    reconciliation follows one by one (a plain charge's gross books nothing here)."""
    category, at = line.reporting_category, line.created
    if category in PAYOUT_CATEGORIES:
        payout = line.payout_id or line.source_id or line.id
        return [books.stripe_payout_sent(line.id, payout, -line.amount, line.currency, at)]
    if category in DISPUTE_CATEGORIES and line.amount:
        dispute = line.dispute_id or line.source_id or line.id
        return [books.stripe_dispute_funds(line.id, dispute, -line.amount, line.currency, at)]
    return []


def add_pooled(line: BalanceLine, sums: defaultdict) -> bool:
    """Add the line's fee and currency conversion to a day's signed sums per (account,
    currency), positive a debit; whether it had any."""
    category, currency = line.reporting_category, line.currency
    fee, account = line.fee, books.PAYMENT_FEES
    if category in DISPUTE_CATEGORIES:
        account = books.DISPUTE_FEES
    elif category in FEE_CATEGORIES and line.amount:
        # Stripe billed us (e.g. a monthly fee): the amount itself is the fee.
        fee = -line.amount
    elif category in CONVERTED_CATEGORIES:
        paid_currency = line.customer_facing_currency
        if paid_currency and paid_currency != currency and line.customer_facing_amount:
            # The customer's side, signed like the line's amount, through the FX position.
            paid = abs(line.customer_facing_amount)
            paid = paid if line.amount >= 0 else -paid
            sums[books.FX_POSITION, paid_currency] += paid
            sums[books.STRIPE_CLEARING, paid_currency] -= paid
            sums[books.STRIPE_CLEARING, currency] += line.amount
            sums[books.FX_POSITION, currency] -= line.amount
            if fee:
                sums[account, currency] += fee
                sums[books.STRIPE_CLEARING, currency] -= fee
            return True
    if not fee:
        return False
    sums[account, currency] += fee
    sums[books.STRIPE_CLEARING, currency] -= fee
    return True


@dataclass(slots=True)
class _Pool:
    """The fees and conversions of one day's lines: signed sums, the lines, the latest one."""

    latest: datetime
    sums: defaultdict = field(default_factory=lambda: defaultdict(int))
    lines: list[str] = field(default_factory=list)


def entries_for(session: Session, lines: Sequence[BalanceLine]) -> tuple[list, dict[str, str]]:
    """The entries new lines book, and each line's entry keys (space-separated) for its row.

    Payouts and dispute withdrawals get an entry each; fees and conversions one entry per day
    (UTC+8) and accounting period of the lines, so 100,000 charges post a handful of entries,
    not 100,000, and the line-by-line detail stays in the import's table."""
    bounds = sorted({moment for p in ledger.list_periods(session)
                     for moment in (p.starts_at, p.ends_at)})  # fmt: skip
    requests: list[ledger.EntryRequest] = []
    keys: dict[str, list[str]] = defaultdict(list)
    pools: dict[tuple[date, int], _Pool] = {}
    places: dict[datetime, tuple[date, int]] = {}
    for line in lines:
        for request in own_entries(line):
            requests.append(request)
            keys[line.id].append(request.key)
        at = line.created
        # A pool never spans two periods: the boundaries count before ``at`` tell it apart.
        # (Reports repeat their timestamps: each is placed once.)
        where = places.get(at)
        if where is None:
            where = places[at] = (
                at.astimezone(CHINA_STANDARD_TIME).date(),
                bisect.bisect_right(bounds, at),
            )
        pool = pools.get(where)
        if pool is None:
            pool = pools[where] = _Pool(at)
        if add_pooled(line, pool.sums):
            pool.lines.append(line.id)
            pool.latest = max(pool.latest, at)
    for (day, _), pool in pools.items():
        request = books.stripe_day(day, pool.lines, pool.sums, pool.latest) if pool.lines else None
        if request is not None:
            requests.append(request)
            for txn in pool.lines:
                keys[txn].append(request.key)
    return requests, {txn: " ".join(found)[:200] for txn, found in keys.items()}


def _row(
    row_id: int, line: BalanceLine, origin: str, booked: str, matched: dict, now: datetime
) -> tuple:
    category = line.reporting_category
    unmatched = category in MATCHED_CATEGORIES and line.id not in matched
    unknown = category not in KNOWN_CATEGORIES and line.amount != 0
    state = ItemState.UNRECONCILED if unmatched or unknown else ItemState.RECONCILED
    return (row_id, *line, origin, booked, state.value, now)


def record(session: Session, lines: Iterable[BalanceLine], origin: str) -> ImportResult:
    """Record and book balance transactions in the caller's unit of work: the new rows in one
    bulk insert, their entries in one ``post_many``; a charge whose payment the books already
    hold is matched to it on the way in (``matching.charges_in_books``), the lines' ids drawn
    beforehand (``bulk.reserve_ids``) so that their matches go in by one bulk insert too. A line seen before with
    other content is refused (``Conflict`` naming it) and, the caller rolling back, nothing is
    kept."""
    unique: dict[str, BalanceLine] = {}
    total = 0
    for line in lines:
        total += 1
        line = line.with_ids()
        seen = unique.get(line.id)
        if seen is not None and not _same(seen, line):
            raise Conflict(
                N_("This balance transaction appears twice with different amounts."),
                field=f"lines.{line.id}",
            )
        unique[line.id] = line
    known = _known(session, list(unique))
    fresh = []
    for line in unique.values():
        before = known.get(line.id)
        if before is None:
            fresh.append(line)
        elif not _same(before, line):
            raise Conflict(
                N_("This balance transaction was imported before with other amounts."),
                field=f"lines.{line.id}",
            )
    requests, booked = entries_for(session, fresh)
    matched = matching.charges_in_books(session, fresh)
    now = datetime.now(UTC)
    table = StripeBalanceTransaction.__table__
    ids = bulk.reserve_ids(session, table, len(fresh))
    bulk.insert(
        session,
        table,
        ("id", *COLUMNS),
        [_row(row_id, line, origin, booked.get(line.id, ""), matched, now)
         for row_id, line in zip(ids, fresh, strict=True)],
    )  # fmt: skip
    matching.record_imported_charges(
        session,
        [(row_id, matched[line.id], line.amount)
         for row_id, line in zip(ids, fresh, strict=True) if line.id in matched],
        now,
    )  # fmt: skip
    if requests:
        ledger.post_many(session, requests)
    return ImportResult(
        new=len(fresh), unchanged=total - len(fresh), entries=len(requests), matched=len(matched)
    )


def known_lines(session: Session, ids: list[str]) -> dict:
    """The recorded lines among ``ids`` with the columns that must not change."""
    return _known(session, ids)


def same(known, line: BalanceLine) -> bool:
    """Whether a line seen again carries what was recorded."""
    return _same(known, line)


def _known(session: Session, ids: list[str]) -> dict:
    """The compared columns of the lines already recorded among ``ids``, as plain rows. The ids
    go in as one parameter (``bulk.among``), not one each."""
    bt = StripeBalanceTransaction
    if not ids:
        return {}
    wanted = bulk.among(session, bt.stripe_id, ids, "ids")
    return {
        row.stripe_id: row
        for row in session.execute(
            sa.select(bt.stripe_id, *(getattr(bt, name) for name in _IDENTITY)).where(wanted)
        )
    }


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
