"""Receipts, payout batches and bank refunds name the exchange's bank account they went
through and are booked on its ledger code, so a second account's statement lines match them
with no correcting entry; an unknown, closed or foreign-currency account is a 422 naming
``bank_account_id``."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from ledger.verify import verify
from market.db import utcnow
from market.identity.models import StaffRole
from market.trading import refunds
from market.trading.models import Payment
from tests import factories
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv
from tests.finance.test_payouts import OWED, confirmed, provider_owed
from tests.listings.factories import PRICE
from tests.web import WebClient, page_text

MAIN = "assets:bank"
SECOND = "assets:bank:cmb-main"


@pytest.fixture(autouse=True)
def ledger_consistent(app):
    """After every test: every ledger invariant holds."""
    yield
    with app.extensions["db"].unit_of_work() as session:
        report = verify(session)
    assert report.ok, report.format()


def register(finance, name, number, ledger_account=MAIN, currency="CNY", **extra):
    added = finance.call(
        "POST", "/finance/bank-accounts",
        json={"name": name, "bank_name": "银行", "account_number": number, "currency": currency,
              "csv_layout": "icbc", "ledger_account": ledger_account, **extra},
    )  # fmt: skip
    assert added.status_code == 201, added.get_json()
    return added.get_json()


@pytest.fixture
def accounts(db, finance):
    """The exchange's ICBC account (the first: CNY's default, on ``assets:bank``) and a second
    CMB account with a ledger code of its own."""
    db.commit()  # SQLite: the test's session must not hold the writer lock during requests
    first = register(finance, "工行基本户", "4000021009200000001")
    second = register(finance, "招行一般户", "755900000000333", SECOND)
    assert (first["is_default"], second["is_default"]) == (True, False)
    return first, second


def statement(finance, account, rows):
    done = finance.call(
        "POST", f"/finance/bank-accounts/{account['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv(rows, 0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert done.status_code == 201, done.get_json()


def receipt(finance, order, txn, **extra):
    return finance.call(
        "POST", "/finance/bank-receipts",
        json={"reference": order.reference, "amount_minor": PRICE, "currency": "CNY",
              "bank_transaction_id": txn, "value_date": today().isoformat(), **extra},
    )  # fmt: skip


def open_exceptions(finance):
    return finance.call("GET", "/finance/recon/exceptions").get_json()


@pytest.mark.parametrize("quoted", ["bank_reference", "order_reference"])
def test_a_receipt_into_the_second_account_matches_its_statement_line(
    db, finance, trade, accounts, quoted
):
    _, second = accounts
    order = trade.order()
    db.commit()
    recorded = receipt(finance, order, "CMB-TXN-1", bank_account_id=second["id"])
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["bank_account_id"] == second["id"]
    assert finance.balance(SECOND) == PRICE and finance.balance(MAIN) == 0
    reference, remark = (
        ("CMB-TXN-1", "货款") if quoted == "bank_reference" else ("M9", f"货款 {order.reference}")
    )
    statement(finance, second, [BankRow(today(), PRICE, reference, "买方", "", remark)])
    run = finance.call("POST", "/finance/recon/runs")
    assert run.status_code == 201, run.get_json()
    assert sum(run.get_json()["matched"].values()) == 1, run.get_json()
    assert open_exceptions(finance) == []
    asserted = finance.call("POST", "/finance/recon/assertions", json={})
    assert asserted.status_code == 201, asserted.get_json()
    assert {(row["account_key"], row["status"]) for row in asserted.get_json()} == {
        (f"bank:{second['id']}", "agrees")
    }


def test_a_receipt_naming_no_account_goes_through_the_default(db, finance, trade, accounts):
    first, _ = accounts
    order = trade.order()
    db.commit()
    recorded = receipt(finance, order, "ICBC-TXN-1")
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["bank_account_id"] == first["id"]
    assert finance.balance(MAIN) == PRICE and finance.balance(SECOND) == 0
    # The same receipt again answers the first; on another account it is a conflict.
    assert receipt(finance, order, "ICBC-TXN-1").get_json()["id"] == recorded.get_json()["id"]
    other = receipt(finance, order, "ICBC-TXN-1", bank_account_id=accounts[1]["id"])
    assert other.status_code == 409 and "bank_account_id" in other.get_json()["errors"]


def test_a_default_moves_and_a_closed_account_takes_no_money(db, finance, trade, accounts):
    first, second = accounts
    moved = finance.call("POST", f"/finance/bank-accounts/{second['id']}/default")
    assert moved.status_code == 200 and moved.get_json()["is_default"] is True
    listed = {
        a["id"]: a["is_default"] for a in finance.call("GET", "/finance/bank-accounts").get_json()
    }
    assert listed == {first["id"]: False, second["id"]: True}
    closed = finance.call("POST", f"/finance/bank-accounts/{second['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["closed_at"]
    assert closed.get_json()["is_default"] is False
    order = trade.order()
    db.commit()
    # CNY has open accounts but no default now: the receipt must say which.
    unnamed = receipt(finance, order, "TXN-2")
    assert unnamed.status_code == 422 and "bank_account_id" in unnamed.get_json()["errors"]
    reopened = finance.call("POST", f"/finance/bank-accounts/{second['id']}/default")
    assert reopened.status_code == 409 and "bank_account_id" in reopened.get_json()["errors"]
    missing = finance.call("POST", "/finance/bank-accounts/999999/close")
    assert missing.status_code == 404
    # With every account closed, money is not booked on assets:bank unnoticed either.
    assert finance.call("POST", f"/finance/bank-accounts/{first['id']}/close").status_code == 200
    still = receipt(finance, order, "TXN-3")
    assert still.status_code == 422 and "bank_account_id" in still.get_json()["errors"]
    assert finance.balance(MAIN) == finance.balance(SECOND) == 0


def test_a_receipt_into_an_unknown_closed_or_foreign_account_is_refused(
    db, finance, trade, accounts
):
    _, second = accounts
    dollars = register(finance, "汇丰美元户", "808000000001", "assets:bank:hsbc-usd", "USD")
    assert dollars["is_default"] is True  # the first USD account
    assert finance.call("POST", f"/finance/bank-accounts/{second['id']}/close").status_code == 200
    order = trade.order()
    db.commit()
    for account_id in (999_999, second["id"], dollars["id"], 0, "招行"):
        refused = receipt(finance, order, "TXN-BAD", bank_account_id=account_id)
        assert refused.status_code == 422, (account_id, refused.get_json())
        assert "bank_account_id" in refused.get_json()["errors"]
    assert finance.balance(MAIN) == finance.balance(SECOND) == 0
    assert db.scalars(sa.select(Payment)).all() == []


def test_a_held_receipt_is_returned_out_of_the_account_it_came_into(db, finance, trade, accounts):
    _, second = accounts
    order = trade.order()
    db.commit()
    short = finance.call(
        "POST", "/finance/bank-receipts",
        json={"reference": order.reference, "amount_minor": PRICE - 100, "currency": "CNY",
              "bank_transaction_id": "CMB-SHORT", "bank_account_id": second["id"]},
    )  # fmt: skip
    assert short.get_json()["status"] == "held", short.get_json()
    assert finance.balance(SECOND) == PRICE - 100
    returned = finance.call("POST", f"/finance/held-payments/{short.get_json()['id']}/return")
    assert returned.status_code == 200, returned.get_json()
    assert finance.balance(SECOND) == 0 and finance.balance(MAIN) == 0


def test_a_batch_submitted_through_the_second_account_is_paid_by_its_statement(
    db, finance, accounts
):
    _, second = accounts
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    url = f"/finance/payout-batches/{batch['id']}/submit"
    for bad in (999_999, "x"):
        refused = finance.call("POST", url, json={"bank_account_id": bad})
        assert refused.status_code == 422 and "bank_account_id" in refused.get_json()["errors"]
    submitted = finance.call("POST", url, json={"bank_account_id": second["id"]})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["bank_account_id"] == second["id"]
    [payout] = submitted.get_json()["payouts"]
    # Recorded paid by hand from another account than the batch's: refused, nothing booked.
    wrong = finance.call(
        "POST", f"/finance/payouts/{payout['id']}/paid",
        json={"value_date": today().isoformat(), "bank_reference": "X1",
              "bank_account_id": accounts[0]["id"]},
    )  # fmt: skip
    assert wrong.status_code == 422 and "bank_account_id" in wrong.get_json()["errors"]
    statement(
        finance, second,
        [BankRow(today(), -OWED, "CMB-OUT-1", "", "", f"付款 {payout['reference']}")],
    )  # fmt: skip
    run = finance.call("POST", "/finance/recon/runs").get_json()
    assert run["matched"] == {"payout_reference": 1}, run
    assert open_exceptions(finance) == []
    assert finance.balance(SECOND) == -OWED and finance.balance(MAIN) == 0
    shown = finance.call("GET", f"/finance/payout-batches/{batch['id']}").get_json()
    assert shown["status"] == "paid"


def test_a_bank_refund_sent_from_the_second_account_is_paid_by_its_statement(
    db, finance, trade, accounts
):
    _, second = accounts
    order = trade.order()
    db.commit()
    assert receipt(finance, order, "CMB-IN-1", bank_account_id=second["id"]).status_code == 201
    db.expire_all()
    refund, _ = refunds.request(db, order.id, 10_000, "部分退款", trade.finance, utcnow())
    refund_id, buyer_id = refund.id, trade.buyer.id
    db.commit()
    confirmed(finance, buyer_id)
    url = f"/finance/refunds-to-send/{refund_id}/sent"
    foreign = register(finance, "汇丰美元户", "808000000001", "assets:bank:hsbc-usd", "USD")
    refused = finance.call("POST", url, json={"bank_account_id": foreign["id"]})
    assert refused.status_code == 422 and "bank_account_id" in refused.get_json()["errors"]
    sent = finance.call("POST", url, json={"bank_account_id": second["id"]})
    assert sent.status_code == 200 and sent.get_json()["bank_account_id"] == second["id"]
    rows = [
        BankRow(today(), PRICE, "CMB-IN-1", "买方", "", "货款"),
        BankRow(today(), -10_000, "CMB-OUT-2", "买方", "", f"退款 SJ-REFUND-{refund_id}"),
    ]
    statement(finance, second, rows)
    run = finance.call("POST", "/finance/recon/runs").get_json()
    assert run["matched"] == {"bank_transaction": 1, "refund_reference": 1}, run
    assert open_exceptions(finance) == []
    assert finance.balance(SECOND) == PRICE - 10_000 and finance.balance(MAIN) == 0


def test_the_receipts_page_records_into_the_chosen_account_and_shows_it(
    app, db, finance, trade, accounts
):
    _, second = accounts
    order = trade.order()
    db.commit()
    web = WebClient(app)
    web.log_in(trade.finance.email, factories.PASSWORD)
    form = {"reference": order.reference, "currency": "CNY", "amount": str(PRICE // 100),
            "bank_transaction_id": "CMB-PAGE-1", "payer_name": ""}  # fmt: skip
    headers = {"Accept-Language": "en"}
    refused = web.submit(
        "/finance/receipts", {**form, "bank_account_id": "999999"}, page="/finance/receipts",
        headers=headers,
    )  # fmt: skip
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="bank_account_id-error"' in html and "CMB-PAGE-1" in html
    done = web.submit(
        "/finance/receipts", {**form, "bank_account_id": str(second["id"])},
        page="/finance/receipts", headers=headers,
    )  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)
    assert finance.balance(SECOND) == PRICE
    page = page_text(web.get("/finance/receipts", headers=headers).get_data(as_text=True))
    assert "CMB-PAGE-1" in page and "招行一般户" in page


def test_the_payouts_page_submits_through_the_chosen_account_and_shows_it(
    app, db, finance, accounts
):
    _, second = accounts
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    user = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    web = WebClient(app)
    web.log_in(user.email, factories.PASSWORD)
    url = f"/finance/payouts/batches/{batch['id']}/submit"
    headers = {"Accept-Language": "en"}
    page = web.get("/finance/payouts", headers=headers).get_data(as_text=True)
    assert f'id="batch-account-choice-{batch["id"]}"' in page and "招行一般户" in page
    refused = web.submit(url, {"bank_account_id": "999999"}, page="/finance/payouts",
                         headers=headers)  # fmt: skip
    assert refused.status_code == 422
    assert f'id="batch-account-choice-{batch["id"]}-error"' in refused.get_data(as_text=True)
    assert finance.balance("liabilities:payouts_in_transit") == 0
    done = web.submit(url, {"bank_account_id": str(second["id"])}, page="/finance/payouts",
                      headers=headers)  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)
    shown = web.get("/finance/payouts", headers=headers).get_data(as_text=True)
    assert (
        f'data-testid="batch-account-{batch["id"]}"><span lang="zh-Hans">招行一般户</span>' in shown
    )


def test_the_imports_page_moves_the_default_and_closes_an_account(app, db, finance, accounts):
    first, second = accounts
    user = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    web = WebClient(app)
    web.log_in(user.email, factories.PASSWORD)
    base = "/finance/imports/bank-accounts"
    made = web.submit(f"{base}/{second['id']}/default", {}, page="/finance/imports")
    assert made.status_code == 302, made.get_data(as_text=True)
    closed = web.submit(f"{base}/{first['id']}/close", {}, page="/finance/imports")
    assert closed.status_code == 302
    listed = {a["id"]: a for a in finance.call("GET", "/finance/bank-accounts").get_json()}
    assert listed[second["id"]]["is_default"] and listed[first["id"]]["closed_at"]
    page = web.get("/finance/imports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Default for CNY" in page and "Closed" in page
    refused = web.submit(f"{base}/{first['id']}/default", {}, page="/finance/imports")
    assert refused.status_code == 409
