"""Stripe's balance transactions booked into the ledger: fees, payouts through in-transit,
chargeback withdrawals and fees, currency conversion — so that the clearing account ends equal
to Stripe's balance computed from the same transactions."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import ledger
from ledger import credit, debit
from ledger.verify import verify
from market.errors import Conflict
from market.finance import books, stripe_balance
from market.finance.models import StripeBalanceTransaction
from market.finance.stripe_balance import BalanceLine

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def line(txn, category, amount, fee=0, currency="CNY", source=None, hours=0, **extra):
    """A balance transaction as Stripe reports it (net = amount - fee)."""
    return BalanceLine(
        id=txn,
        type=extra.pop("type", category),
        reporting_category=category,
        amount=amount,
        fee=fee,
        net=amount - fee,
        currency=currency,
        created=T0 + timedelta(hours=hours),
        source_id=source,
        **extra,
    )


def balance(session, account, currency="CNY"):
    """Posted balance, 0 if the account was never used."""
    try:
        return ledger.balance(session, account, currency).posted
    except ledger.errors.AccountNotFound:
        return 0


def trading_booked(session, key, amount, currency="CNY"):
    """What trading posts for a card payment (amount > 0) or refund (< 0): clearing ↔ escrow."""
    escrow = f"liabilities:escrow:order:{key}"
    legs = (
        [debit("assets:stripe_clearing", amount, currency), credit(escrow, amount, currency)]
        if amount > 0
        else [debit(escrow, -amount, currency), credit("assets:stripe_clearing", -amount, currency)]
    )
    ledger.post(session, f"test:{key}:{amount}", legs)


STATEMENT = [
    line("txn_ch1", "charge", 10_000, fee=320, source="ch_1"),
    line("txn_ch2", "charge", 25_000, fee=755, source="ch_2", hours=1),
    line("txn_re1", "refund", -4_000, fee=-120, source="re_1", hours=2),
    line("txn_fx1", "charge", 71_000, fee=2_130, source="ch_3", hours=3,
         customer_facing_amount=10_000, customer_facing_currency="USD", exchange_rate="7.1"),
    line("txn_dp1", "dispute", -25_000, fee=1_500, source="dp_1", hours=4, type="adjustment"),
    line("txn_po1", "payout", -20_000, source="po_1", hours=5),
    line("txn_fee", "fee", -1_000, source=None, hours=6, type="stripe_fee"),
]  # fmt: skip


@pytest.fixture
def booked_by_trading(db):
    """The gross amounts trading booked when the money moved (the FX charge in USD)."""
    trading_booked(db, 1, 10_000)
    trading_booked(db, 2, 25_000)
    trading_booked(db, 1, -4_000)
    trading_booked(db, 3, 10_000, "USD")
    db.commit()


def test_clearing_ends_equal_to_stripes_balance(db, booked_by_trading):
    result = stripe_balance.record(db, STATEMENT, "csv")
    db.commit()
    assert (result.new, result.unchanged) == (len(STATEMENT), 0)
    stripe_says = defaultdict(int)
    for item in STATEMENT:
        stripe_says[item.currency] += item.net
    assert balance(db, "assets:stripe_clearing") == stripe_says["CNY"]
    assert balance(db, "assets:stripe_clearing", "USD") == 0
    assert balance(db, "expenses:payment_fees") == 320 + 755 - 120 + 2_130 + 1_000
    assert balance(db, "expenses:dispute_fees") == 1_500
    assert balance(db, "assets:stripe_disputed_funds") == 25_000
    assert balance(db, "assets:stripe_payouts_in_transit") == 20_000
    # The FX position balances each currency: USD in, CNY out.
    assert balance(db, "equity:fx_position", "USD") == -10_000
    assert balance(db, "equity:fx_position", "CNY") == 71_000
    assert verify(db).ok


def test_a_payout_reaches_the_bank_through_in_transit(db):
    stripe_balance.record(db, [line("txn_po9", "payout", -50_000, source="po_9")], "api")
    books.stripe_payout_arrived(db, "po_9", 50_000, "CNY", T0 + timedelta(days=2), "BANK-1")
    db.commit()
    assert balance(db, "assets:stripe_payouts_in_transit") == 0
    assert balance(db, "assets:bank") == 50_000
    assert balance(db, "assets:stripe_clearing") == -50_000


def test_importing_again_changes_nothing(db, booked_by_trading):
    stripe_balance.record(db, STATEMENT, "csv")
    db.commit()
    entries = db.scalar(sa.text("SELECT count(*) FROM ledger_entries"))
    again = stripe_balance.record(db, STATEMENT + STATEMENT[:2], "api")
    db.commit()
    assert (again.new, again.unchanged, again.entries) == (0, len(STATEMENT) + 2, 0)
    assert db.scalar(sa.text("SELECT count(*) FROM ledger_entries")) == entries


def test_the_ids_are_filed_by_kind(db):
    stripe_balance.record(db, STATEMENT, "csv")
    db.commit()
    rows = {row.stripe_id: row for row in db.scalars(sa.select(StripeBalanceTransaction))}
    assert rows["txn_ch1"].charge_id == "ch_1"
    assert rows["txn_re1"].refund_id == "re_1"
    assert rows["txn_po1"].payout_id == "po_1"
    assert rows["txn_dp1"].dispute_id == "dp_1"


def entry_keys(db) -> list[str]:
    return list(db.scalars(sa.text("SELECT idempotency_key FROM ledger_entries ORDER BY id")))


def test_a_days_fees_and_conversions_are_one_entry_that_each_line_names(db, booked_by_trading):
    before = set(entry_keys(db))
    stripe_balance.record(db, STATEMENT, "csv")
    db.commit()
    new = [key for key in entry_keys(db) if key not in before]
    day = [key for key in new if key.startswith("stripe_day:2026-11-02:")]
    assert len(day) == 1
    assert sorted(set(new) - set(day)) == ["stripe_bt:txn_dp1", "stripe_bt:txn_po1"]
    rows = {row.stripe_id: row for row in db.scalars(sa.select(StripeBalanceTransaction))}
    # Every line with a fee or a conversion names the day's entry; a refund of no fee too.
    for txn in ("txn_ch1", "txn_ch2", "txn_re1", "txn_fx1", "txn_fee"):
        assert rows[txn].booked == day[0], txn
    assert rows["txn_dp1"].booked == f"stripe_bt:txn_dp1 {day[0]}"
    assert rows["txn_po1"].booked == "stripe_bt:txn_po1"


def test_a_days_entry_never_spans_two_accounting_periods(db):
    boundary = T0 + timedelta(hours=2)
    ledger.create_period(db, "before", T0 - timedelta(days=1), boundary)
    ledger.create_period(db, "after", boundary, T0 + timedelta(days=30))
    stripe_balance.record(
        db,
        [line("txn_early", "charge", 10_000, fee=300, source="ch_e"),
         line("txn_late", "charge", 20_000, fee=600, source="ch_l", hours=3)],
        "csv",
    )  # fmt: skip
    db.commit()
    effective = {
        key: at
        for key, at in db.execute(
            sa.text("SELECT idempotency_key, effective_at FROM ledger_entries")
        )
    }
    rows = {row.stripe_id: row.booked for row in db.scalars(sa.select(StripeBalanceTransaction))}
    assert rows["txn_early"] != rows["txn_late"]
    assert str(effective[rows["txn_early"]]) < str(boundary.replace(tzinfo=None))
    assert str(effective[rows["txn_late"]]) >= str(boundary.replace(tzinfo=None))
    assert balance(db, "expenses:payment_fees") == 900


def test_a_line_seen_before_with_other_amounts_is_refused_and_nothing_is_kept(db):
    stripe_balance.record(db, STATEMENT[:1], "csv")
    db.commit()
    changed = line("txn_ch1", "charge", 10_000, fee=300, source="ch_1")
    with pytest.raises(Conflict) as refused:
        stripe_balance.record(db, [STATEMENT[1], changed], "csv")
    assert refused.value.field == "lines.txn_ch1"
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(StripeBalanceTransaction)) == 1


def test_the_same_id_twice_in_one_file_with_other_amounts_is_refused(db):
    with pytest.raises(Conflict):
        stripe_balance.record(
            db, [STATEMENT[0], line("txn_ch1", "charge", 9_999, fee=320, source="ch_1")], "csv"
        )


def test_a_refund_of_a_converted_charge_converts_back(db):
    trading_booked(db, 5, 10_000, "USD")
    trading_booked(db, 5, -10_000, "USD")
    stripe_balance.record(
        db,
        [
            line("txn_a", "charge", 71_000, fee=2_130, source="ch_5",
                 customer_facing_amount=10_000, customer_facing_currency="USD"),
            line("txn_b", "refund", -70_500, source="re_5", hours=1,
                 customer_facing_amount=10_000, customer_facing_currency="USD"),
        ],
        "csv",
    )  # fmt: skip
    db.commit()
    assert balance(db, "assets:stripe_clearing", "USD") == 0
    assert balance(db, "assets:stripe_clearing") == 71_000 - 2_130 - 70_500
    # The rate moved between charge and refund: the difference stays in the FX position.
    assert balance(db, "equity:fx_position", "CNY") == 500
