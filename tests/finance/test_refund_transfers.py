"""Refunds to send: a bank-paid order's refund is a payable to the buyer until finance sends it
to the buyer's confirmed payee account, then in transit until the bank statement shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ledger.verify import verify
from market.db import utcnow
from market.finance import assertions, bank, matching
from market.finance.models import ReconException
from market.trading import books, refunds
from market.trading.models import Refund
from tests import factories
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv
from tests.finance.test_payouts import confirmed
from tests.listings.factories import PRICE
from tests.web import WebClient

REFUNDED = 10_000


@pytest.fixture(autouse=True)
def ledger_consistent(app):
    """After every test: every ledger invariant holds."""
    yield
    with app.extensions["db"].unit_of_work() as session:
        report = verify(session)
    assert report.ok, report.format()


def refunded(db, trade):
    """An order paid by bank transfer and partly refunded by finance; the refund."""
    order = trade.transfer("ICBC0001")
    refund, _ = refunds.request(db, order.id, REFUNDED, "部分退款", trade.finance, utcnow())
    db.commit()
    return refund


def test_a_bank_refund_is_owed_to_the_buyer_until_sent_and_paid_when_the_bank_shows_it(
    app, db, trade, finance
):
    refund = refunded(db, trade)
    buyer = trade.buyer.id
    # Decided, but nothing has left the bank: the buyer is owed it.
    assert finance.balance(books.refunds_payable_account(buyer)) == REFUNDED
    assert finance.balance(books.BANK) == PRICE

    listed = finance.call("GET", "/finance/refunds-to-send")
    assert listed.status_code == 200, listed.get_json()
    [row] = listed.get_json()
    assert (row["id"], row["reference"], row["amount_minor"], row["transfer_status"]) == (
        refund.id, f"SJ-REFUND-{refund.id}", REFUNDED, "to_send",
    )  # fmt: skip
    assert row["buyer_organisation_id"] == buyer and row["payee_account"] is None

    # Nowhere to send it until the buyer has a confirmed payee account.
    refused = finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent")
    assert refused.status_code == 409, refused.get_json()
    assert finance.balance(books.refunds_payable_account(buyer)) == REFUNDED
    payee = confirmed(finance, buyer)
    listed = finance.call("GET", "/finance/refunds-to-send").get_json()
    assert listed[0]["payee_account"]["account_number"] == payee["account_number"]

    sent = finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent")
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["transfer_status"] == "sent"
    assert sent.get_json()["payee_account"]["id"] == payee["id"]
    assert finance.balance(books.refunds_payable_account(buyer)) == 0
    assert finance.balance("liabilities:refunds_in_transit") == REFUNDED
    assert finance.call("GET", "/finance/refunds-to-send").get_json() == []
    again = finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent")
    assert again.status_code == 409, again.get_json()

    db.expire_all()  # what the API did, seen by this session

    # The statement shows the receipt and, the next line, the refund going out.
    account = bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [
        BankRow(today(), PRICE, "ICBC0001", "买方", "", "货款"),
        BankRow(today(), -REFUNDED, "ICBC0002", "买方", payee["account_number"],
                f"退款 SJ-REFUND-{refund.id}"),
    ]  # fmt: skip
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    ran = matching.run(db, utcnow())
    db.commit()
    assert ran.matched["refund_reference"] == 1, ran.summary()
    assert db.scalars(sa.select(ReconException)).all() == []
    db.refresh(refund)
    assert (refund.transfer_status, refund.value_date, refund.bank_reference) == (
        "paid", today(), "ICBC0002",
    )  # fmt: skip
    db.commit()
    assert finance.balance("liabilities:refunds_in_transit") == 0
    assert finance.balance(books.BANK) == PRICE - REFUNDED
    # The bank account agrees with its statement, nothing left open.
    computed = assertions.compute(db, utcnow())
    db.commit()
    assert [(row.status, row.open_count) for row in computed] == [("agrees", 0)]
    paid = finance.call("GET", "/finance/refunds-to-send?status=paid").get_json()
    assert [(r["id"], r["bank_reference"]) for r in paid] == [(refund.id, "ICBC0002")]


def test_finance_records_a_refund_paid_by_hand_and_the_statement_line_confirms_it(
    app, db, trade, finance
):
    refund = refunded(db, trade)
    confirmed(finance, trade.buyer.id)
    assert finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent").status_code == 200
    path = f"/finance/refunds-to-send/{refund.id}/paid"
    future = (today() + timedelta(days=1)).isoformat()
    late = finance.call("POST", path, json={"value_date": future, "bank_reference": "ICBC0002"})
    assert late.status_code == 422 and "value_date" in late.get_json()["errors"], late.get_json()
    body = {"value_date": today().isoformat(), "bank_reference": "ICBC0002"}
    done = finance.call("POST", path, json=body)
    assert done.status_code == 200, done.get_json()
    assert finance.call("POST", path, json=body).status_code == 200  # the same again: unchanged
    assert finance.balance(books.BANK) == PRICE - REFUNDED
    db.expire_all()  # what the API did, seen by this session

    account = bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [
        BankRow(today(), PRICE, "ICBC0001", "买方", "", "货款"),
        BankRow(today(), -REFUNDED, "ICBC0002", "买方", "", f"退款 SJ-REFUND-{refund.id}"),
    ]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", trade.finance, utcnow())
    ran = matching.run(db, utcnow())
    db.commit()
    assert ran.matched["refund_reference"] == 1 and ran.opened == 0, ran.summary()
    assert finance.balance(books.BANK) == PRICE - REFUNDED  # booked once


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/finance/refunds-to-send?status=lost", 422),
        ("/finance/refunds-to-send/999999/sent", 404),
    ],
)
def test_refunds_to_send_refuse_bad_input(app, db, finance, path, status):
    method = "POST" if path.endswith("/sent") else "GET"
    answer = finance.call(method, path)
    assert answer.status_code == status, answer.get_json()


def test_a_card_refund_is_no_transfer(app, db, trade, finance):
    order = trade.card("ch_R")
    refund, _ = refunds.request(db, order.id, REFUNDED, "退款", trade.finance, utcnow())
    db.commit()
    assert db.get(Refund, refund.id).transfer_status is None
    assert finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent").status_code == 404


def test_the_payouts_page_lists_refunds_to_send_and_marks_one_sent(app, db, trade, finance):
    refund = refunded(db, trade)
    confirmed(finance, trade.buyer.id)
    web = WebClient(app)
    web.log_in(trade.finance.email, factories.PASSWORD)
    page = web.get("/finance/payouts", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"SJ-REFUND-{refund.id}" in page and "To send" in page
    sent = web.submit(f"/finance/payouts/refunds/{refund.id}/sent", {}, page="/finance/payouts")
    assert sent.status_code == 302
    assert finance.balance("liabilities:refunds_in_transit") == REFUNDED
    again = web.submit(f"/finance/payouts/refunds/{refund.id}/sent", {}, page="/finance/payouts")
    assert again.status_code == 409
