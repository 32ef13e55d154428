"""Daily balance assertions: each day's statement balance against the ledger's, with the open
items that explain the difference carried forward until they clear, and an exception for a
difference nothing explains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import ledger
from ledger import credit, debit
from market.db import utcnow
from market.finance import assertions, bank, exceptions, matching, stripe_import
from market.finance.models import AssertionStatus, BalanceAssertion, ReconException
from market.trading import books
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row
from tests.listings.factories import PRICE


@pytest.fixture
def today():
    """The exchange's day (UTC+8) as each test starts: a test run that spans midnight there
    still dates its statement lines on the day its own assertions are computed for."""
    return assertions.day_of(datetime.now(UTC))


def icbc_account(db):
    return bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip


def rows_of(db, key: str) -> dict:
    return {
        row.day: row
        for row in db.scalars(
            sa.select(BalanceAssertion).where(BalanceAssertion.account_key == key)
        )
    }


def differences(db) -> list[ReconException]:
    return list(
        db.scalars(
            sa.select(ReconException).where(
                ReconException.kind == assertions.KIND, ReconException.status == "open"
            )
        )
    )


def test_a_receipt_booked_before_the_bank_shows_it_is_carried_until_it_clears(
    app, db, trade, today
):
    paid = trade.transfer("ICBC0001")
    account = icbc_account(db)
    tomorrow = today + timedelta(days=1)
    rows = [
        BankRow(today, 5_000, "ICBC0000", "银行", "", "利息"),  # nothing in the books
        BankRow(tomorrow, PRICE, "ICBC0001", "买方", "", f"货款 {paid.reference}"),
    ]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    matching.run(db, utcnow())
    assertions.compute(db, utcnow())
    db.commit()

    days = rows_of(db, f"bank:{account.id}")
    assert sorted(days) == [today, tomorrow]
    first, second = days[today], days[tomorrow]
    # Today the bank shows the interest and not yet the receipt the books already hold.
    assert (first.statement_minor, first.ledger_minor) == (5_000, PRICE)
    assert first.difference_minor == first.open_minor == 5_000 - PRICE
    assert (first.opened_count, first.open_count, first.status) == (2, 2, "explained")
    # Tomorrow the receipt clears; the interest stays open, carried.
    assert (second.carried_count, second.cleared_count, second.open_count) == (2, 1, 1)
    assert second.difference_minor == second.open_minor == 5_000
    assert second.unexplained_minor == 0 and differences(db) == []
    items = assertions.open_items(db, second)
    assert [(item.ref, item.statement_minor, item.ledger_day) for item in items] == [
        ("ICBC0000", 5_000, None)
    ]


def test_stripe_charges_missing_on_either_side_explain_the_difference(app, db, trade):
    trade.card("ch_A")
    trade.card("ch_D")  # Stripe never reports it
    db.commit()
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    report = [
        stripe_row("txn_A", "charge", PRICE, 14_040, created=later, source_id="ch_A"),
        stripe_row("txn_C", "charge", 123_400, 3_610, created=later, source_id="ch_C"),
    ]
    stripe_import.import_csv(db, stripe_csv(report))
    matching.run(db, utcnow())
    computed = assertions.compute(db, utcnow())
    db.commit()

    last = max(computed, key=lambda row: row.day)
    assert (last.account_key, last.currency) == ("stripe", "CNY")
    assert last.statement_minor == PRICE - 14_040 + 123_400 - 3_610
    assert last.ledger_minor == books.balance(db, "assets:stripe_clearing", "CNY")
    assert last.difference_minor == last.open_minor == 123_400 - PRICE
    assert (last.open_count, last.status) == (2, AssertionStatus.EXPLAINED)
    refs = {item.ref for item in assertions.open_items(db, last)}
    assert refs == {"txn_C", f"payment:{trade_payment_id(db, 'ch_D')}"}


def trade_payment_id(db, charge: str) -> int:
    from market.trading.models import Payment

    return db.scalar(sa.select(Payment.id).where(Payment.stripe_charge_id == charge))


def test_an_unexplained_difference_is_an_exception_until_accepted_with_a_reason(
    app, db, trade, finance, today
):
    account = icbc_account(db)
    rows = [BankRow(today, 5_000, "ICBC0000", "银行", "", "利息")]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    # Someone books a bank charge the statement never showed.
    ledger.post(
        db, "bank-charge:1",
        [debit("expenses:bank_charges", 1_200, "CNY"), credit(books.BANK, 1_200, "CNY")],
        effective_at=utcnow(),
    )  # fmt: skip
    assertions.compute(db, utcnow())
    db.commit()
    day = rows_of(db, f"bank:{account.id}")[today]
    assert day.status == AssertionStatus.DIFFERS
    assert (day.difference_minor, day.open_minor, day.unexplained_minor) == (6_200, 5_000, 1_200)
    [opened] = differences(db)
    assert (opened.amount_minor, opened.assertion_id) == (1_200, day.id)

    # Computing again, or a matching run, keeps exactly that one exception open.
    assertions.compute(db, utcnow())
    matching.run(db, utcnow())
    db.commit()
    assert [e.id for e in differences(db)] == [opened.id]
    db.commit()

    # The API shows the day and its open items; finance accepts the difference with a reason.
    listed = finance.call("GET", "/finance/recon/assertions?status=differs")
    assert listed.status_code == 200, listed.json
    assert [(r["account_key"], r["day"], r["unexplained_minor"]) for r in listed.json] == [
        (f"bank:{account.id}", today.isoformat(), 1_200)
    ]
    detail = finance.call("GET", f"/finance/recon/assertions/{day.id}")
    assert [item["ref"] for item in detail.json["open_items"]] == ["ICBC0000"]
    db.commit()
    exceptions.mark(db, opened.id, "手续费由银行另行扣收", trade.finance, utcnow())
    assertions.compute(db, utcnow())
    db.commit()
    db.refresh(day)
    assert day.status == AssertionStatus.ACCEPTED and differences(db) == []


def test_the_api_computes_and_refuses_a_bad_range(app, db, trade, finance, today):
    account = icbc_account(db)
    rows = [BankRow(today, 5_000, "ICBC0000", "银行", "", "利息")]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    db.commit()
    computed = finance.call("POST", "/finance/recon/assertions", json={})
    assert computed.status_code == 201, computed.json
    assert [(r["account_key"], r["status"]) for r in computed.json] == [
        (f"bank:{account.id}", "explained")
    ]
    bad = finance.call("POST", "/finance/recon/assertions", json={"start": "2026-13-01"})
    assert bad.status_code == 422 and "start" in str(bad.json["errors"]), bad.json
    reversed_range = finance.call(
        "POST", "/finance/recon/assertions", json={"start": "2026-11-02", "end": "2026-11-01"}
    )
    assert reversed_range.status_code == 422 and "end" in str(reversed_range.json["errors"])
    assert finance.call("GET", "/finance/recon/assertions/999999").status_code == 404
