"""Reconciliation end to end on generated statements with the awkward cases planted: the
exception queue must hold exactly the planted problems, and everything else must match.

The books are made by the real trading services (orders, Stripe payments as Stripe reports
them, bank receipts, a partial refund, settlement, a payout batch); Stripe's side is an
itemised balance CSV and the bank's an ICBC export in GBK, both generated here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ledger.verify import verify
from market.db import utcnow
from market.finance import bank, matching, payouts, stripe_import
from market.finance.models import BankLine, ItemState, ReconException, StripeBalanceTransaction
from market.trading import books, refunds, settlement, stripe_events
from market.trading.states import Actor
from tests.finance.conftest import today
from tests.finance.factories import payee_account
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row
from tests.listings.factories import PRICE


def open_exceptions(db) -> list[ReconException]:
    return list(
        db.scalars(
            sa.select(ReconException)
            .where(ReconException.status == "open")
            .order_by(ReconException.kind)
        )
    )


def test_the_exception_queue_holds_exactly_the_planted_problems(app, db, trade):
    # --- The books -------------------------------------------------------------------------
    card_a = trade.card("ch_A")  # paid, then partly refunded
    trade.card("ch_FX")  # paid in CNY, Stripe's balance is in HKD
    missing_at_stripe = trade.card("ch_D")  # Stripe never reports it
    by_bank = trade.transfer("ICBC0001")  # the bank line carries the same transaction id
    off_by_fen = trade.transfer("F-TYPED", PRICE)  # the bank received one fen less
    refund, _ = refunds.request(
        db, card_a.id, 80_000, "部分退款", trade.finance, utcnow(), Actor.FINANCE
    )
    refunds.complete(db, refund.id, utcnow(), "re_A1")
    # A settled order pays the provider; the payout goes out and the bank sends it back.
    settled = trade.transfer("ICBC0009")
    settlement.accept(db, settled, utcnow(), Actor.BUYER, trade.buyer_user)
    settlement.settle(db, settled.id, utcnow())
    payee_account(db, trade.provider)
    owed = books.payables(db, "CNY")[trade.provider.id]
    batch = payouts.build_batch(db, trade.finance, "CNY", utcnow())
    payouts.submit_batch(db, batch.id, trade.finance, utcnow())
    payout = batch.payouts[0]
    db.commit()

    # --- Stripe's side ------------------------------------------------------------------------
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    charge_a = stripe_row("txn_A", "charge", PRICE, 14_040, created=later, source_id="ch_A")
    report = [
        charge_a,
        charge_a,  # the same line twice
        stripe_row("txn_FX", "charge", 521_000, 15_630, created=later, source_id="ch_FX",
                   currency="hkd", customer_facing_amount=PRICE, customer_facing_currency="cny"),
        stripe_row("txn_R", "refund", -80_000, 0, created=later, source_id="re_A1"),
        stripe_row("txn_C", "charge", 123_400, 3_610, created=later, source_id="ch_C"),
        stripe_row("txn_P", "payout", -300_000, 0, created=later, source_id="po_1"),
    ]  # fmt: skip
    result = stripe_import.import_csv(db, stripe_csv(report))
    db.commit()
    assert (result.new, result.unchanged) == (5, 1)
    # The two charges whose payments the books hold are matched as they come in.
    assert result.matched == 2

    # --- The bank's side (a GBK file; the Stripe payout arrives the next day) ----------------
    account = bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    tomorrow = today() + timedelta(days=1)
    rows = [
        BankRow(today(), PRICE, "ICBC0001", "买方", "", f"货款 {by_bank.reference}"),
        BankRow(today(), PRICE, "ICBC0002", "买方", "", f"货款 {by_bank.reference}"),  # paid twice
        BankRow(today(), PRICE - 1, "ICBC0003", "买方", "", f"货款 {off_by_fen.reference}"),
        BankRow(today(), PRICE, "ICBC0009", "买方", "", f"货款 {settled.reference}"),
        BankRow(today(), -owed, "ICBC0010", "数据商", "", f"付款 {payout.reference}"),
        BankRow(tomorrow, owed, "ICBC0011", "数据商", "", f"退汇 户名不符 {payout.reference}"),
        BankRow(tomorrow, 300_000, "ICBC0012", "STRIPE", "", "STRIPE TRANSFER"),
    ]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    db.commit()

    # --- Match ---------------------------------------------------------------------------------
    ran = matching.run(db, utcnow())
    db.commit()
    found = {
        (e.kind, e.stripe_line_id or e.bank_line_id or e.payment_id) for e in open_exceptions(db)
    }
    line_id = {row.bank_reference: row.id for row in db.scalars(sa.select(BankLine))}
    stripe_id = {row.stripe_id: row.id for row in db.scalars(sa.select(StripeBalanceTransaction))}
    assert found == {
        ("missing_in_ledger", stripe_id["txn_C"]),
        ("missing_at_stripe", [p.id for p in missing_at_stripe.payments][0]),
        ("amount_differs", line_id["ICBC0003"]),
        ("duplicate", line_id["ICBC0002"]),
    }, ran.summary()
    differs = next(e for e in open_exceptions(db) if e.kind == "amount_differs")
    assert differs.candidates[0]["kind"] == "payment" and "difference -1" in differs.detail
    assert "stripe_charge" not in ran.matched and ran.matched["stripe_refund"] == 1
    assert ran.matched["amount_window"] == 1  # one payout arrived: its bank line
    assert db.get(type(payout), payout.id).status == "returned"
    assert books.balance(db, "assets:stripe_payouts_in_transit", "HKD") == 0
    assert books.balance(db, "assets:stripe_payouts_in_transit", "CNY") == 0
    states = {row.bank_reference: row.state for row in db.scalars(sa.select(BankLine))}
    assert {ref for ref, state in states.items() if state == ItemState.RECONCILED} == {
        "ICBC0001", "ICBC0009", "ICBC0010", "ICBC0011", "ICBC0012",
    }  # fmt: skip
    assert verify(db).ok

    # A second run changes nothing: the same exceptions, nothing matched twice.
    again = matching.run(db, utcnow())
    db.commit()
    assert (sum(again.matched.values()), again.opened, again.closed) == (0, 0, 0)


def test_a_lost_chargeback_leaves_clearing_equal_to_stripe(app, db, trade):
    order = trade.card("ch_X")
    intent_id = order.payments[0].stripe_payment_intent_id
    dispute = {"id": "dp_X", "payment_intent": intent_id, "reason": "fraudulent"}
    stripe_events.dispute_created(db, dispute)
    stripe_events.dispute_closed(db, {**dispute, "status": "lost", "amount": PRICE})
    db.commit()
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    report = [
        stripe_row("txn_X", "charge", PRICE, 14_040, created=later, source_id="ch_X"),
        stripe_row("txn_DX", "dispute", -PRICE, 1_500, created=later, source_id="dp_X"),
    ]
    stripe_import.import_csv(db, stripe_csv(report))
    ran = matching.run(db, utcnow())
    db.commit()
    assert ran.matched["stripe_dispute_lost"] == 1
    assert books.balance(db, "assets:stripe_disputed_funds", "CNY") == 0
    stripe_says = PRICE - 14_040 - PRICE - 1_500
    assert books.balance(db, "assets:stripe_clearing", "CNY") == stripe_says
    assert open_exceptions(db) == []
    assert matching.run(db, utcnow()).matched == {}
    assert verify(db).ok


def test_a_line_dated_before_the_batch_was_sent_pays_no_payout(app, db, trade):
    settled = trade.transfer("ICBC0009")
    settlement.accept(db, settled, utcnow(), Actor.BUYER, trade.buyer_user)
    settlement.settle(db, settled.id, utcnow())
    payee_account(db, trade.provider)
    owed = books.payables(db, "CNY")[trade.provider.id]
    batch = payouts.build_batch(db, trade.finance, "CNY", utcnow())
    payouts.submit_batch(db, batch.id, trade.finance, utcnow())
    payout = batch.payouts[0]
    db.commit()
    sent = payouts.submission_day(payout)
    account = bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [
        # Quotes the payout a day before the bank had the file: it cannot be that payout.
        BankRow(sent - timedelta(days=1), -owed, "ICBC0010", "数据商", "", f"付款 {payout.reference}"),
        BankRow(sent, -owed, "ICBC0011", "数据商", "", f"付款 {payout.reference}"),
    ]  # fmt: skip
    bank.import_statement(db, account.id, icbc_csv(rows, 2 * owed), "csv", trade.finance, utcnow())
    db.commit()

    matching.run(db, utcnow())
    db.commit()
    line_id = {row.bank_reference: row.id for row in db.scalars(sa.select(BankLine))}
    refused = db.scalar(
        sa.select(ReconException).where(ReconException.bank_line_id == line_id["ICBC0010"])
    )
    assert (refused.kind, refused.status) == ("before_submission", "open")
    assert str(sent) in refused.detail
    assert refused.candidates == [
        {"kind": "payout", "id": payout.id, "amount_minor": -owed, "currency": "CNY"}
    ]
    paid = db.get(type(payout), payout.id)
    assert (paid.status, paid.value_date, paid.bank_reference) == ("paid", sent, "ICBC0011")
    states = {row.bank_reference: row.state for row in db.scalars(sa.select(BankLine))}
    assert states == {"ICBC0010": ItemState.UNRECONCILED, "ICBC0011": ItemState.RECONCILED}
    assert verify(db).ok


def test_a_charge_imported_before_its_payment_is_matched_by_the_next_run(app, db, trade):
    trade.card("ch_W")  # booked, but Stripe reports a fen less
    db.commit()
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    report = [
        stripe_row("txn_E", "charge", PRICE, 14_040, created=later, source_id="ch_E"),
        stripe_row("txn_W", "charge", PRICE - 1, 14_040, created=later, source_id="ch_W"),
    ]
    result = stripe_import.import_csv(db, stripe_csv(report))
    db.commit()
    assert result.matched == 0
    lines = {row.stripe_id: row for row in db.scalars(sa.select(StripeBalanceTransaction))}
    assert {row.state for row in lines.values()} == {ItemState.UNRECONCILED}

    trade.card("ch_E")  # the webhook that books the payment arrives after the report
    db.commit()
    ran = matching.run(db, utcnow())
    db.commit()
    assert ran.matched["stripe_charge"] == 1
    assert [(e.kind, e.stripe_line_id) for e in open_exceptions(db)] == [
        ("amount_differs", lines["txn_W"].id)
    ]
    db.refresh(lines["txn_E"])
    assert lines["txn_E"].state == ItemState.RECONCILED
    assert matching.run(db, utcnow()).matched == {}
    assert verify(db).ok
