"""The finance audit trail: every finance action, taken through the API or a page, leaves one
line saying who (and through which client), when, on what, and the details a second finance
user checks; the trail is read by kind of action and by date."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

import ledger
from ledger import credit, debit
from market.finance import inputs
from market.trading.orders import reference_for
from tests import factories
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row
from tests.finance.test_payouts import MAINLAND_ACCOUNT, provider_owed
from tests.finance.test_refund_transfers import REFUNDED, refunded
from tests.web import WebClient

ICBC = {
    "name": "工行基本户",
    "bank_name": "中国工商银行",
    "account_number": "4000021009200000001",
    "currency": "CNY",
    "csv_layout": "icbc",
}


def trail(finance, **query):
    """The trail through the API, newest first."""
    found = finance.call("GET", "/finance/recon/audit", query_string={"page_size": 100, **query})
    assert found.status_code == 200, found.get_json()
    return found.get_json()


def line(finance, action, subject=None):
    """The one line of ``action`` (on ``subject``)."""
    found = [
        event
        for event in trail(finance, action=action)
        if subject is None or event["subject"] == subject
    ]
    assert len(found) == 1, (action, found)
    return found[0]


def test_bank_accounts_statements_opening_balances_and_stripe_imports_are_in_the_trail(db, finance):
    created = finance.call("POST", "/finance/bank-accounts", json=ICBC)
    assert created.status_code == 201, created.get_json()
    account = created.get_json()["id"]
    registered = line(finance, "bank_account_registered")
    assert registered["subject"] == f"bank_account:{account}"
    assert registered["kind"] == "bank_accounts"
    assert registered["user_name"] == "Finance A" and registered["client_id"]
    assert registered["details"]["account_number"] == ICBC["account_number"]
    assert registered["details"]["csv_layout"] == "icbc"
    assert registered["details"]["is_default"] is True  # the first account of its currency

    day = date(2026, 11, 2)
    rows = [BankRow(day, 480_000, "ICBC0001", "深圳甲数据有限公司", "6222", "货款"),
            BankRow(day, 500, "ICBC0002", "", "", "利息")]  # fmt: skip
    upload = {"file": (io.BytesIO(icbc_csv(rows, 1_000_000)), "工行11月.csv")}
    imported = finance.call(
        "POST", f"/finance/bank-accounts/{account}/statements", data=upload,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert imported.status_code == 201, imported.get_json()
    statement = line(finance, "statement_imported")["details"]
    assert statement["file_name"] == "工行11月.csv"
    assert (statement["lines"], statement["new_lines"], statement["duplicates"]) == (2, 2, 0)
    # The same file again changes nothing in the books, but the import is in the trail.
    again = {"file": (io.BytesIO(icbc_csv(rows, 1_000_000)), "again.csv")}
    assert finance.call(
        "POST", f"/finance/bank-accounts/{account}/statements", data=again,
        content_type="multipart/form-data",
    ).status_code == 201  # fmt: skip
    newest = trail(finance, action="statement_imported")[0]["details"]
    assert (newest["file_name"], newest["new_lines"], newest["duplicates"]) == ("again.csv", 0, 2)

    booked = finance.call("POST", f"/finance/bank-accounts/{account}/opening-balance")
    assert booked.status_code == 201, booked.get_json()
    finance.call("POST", f"/finance/bank-accounts/{account}/opening-balance")
    opening = line(finance, "opening_balance_booked")["details"]  # once, not per call
    assert (opening["amount"], opening["currency"]) == (1_000_000, "CNY")

    report = stripe_csv([stripe_row("txn_a1", "charge", 480_000, 14_040, source_id="ch_a1",
                                    charge_id="ch_a1")])  # fmt: skip
    stripe = finance.call(
        "POST", "/finance/stripe-imports",
        data={"file": (io.BytesIO(report), "balance.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert stripe.status_code == 201, stripe.get_json()
    stripe_line = line(finance, "stripe_imported")
    assert stripe_line["details"]["file_name"] == "balance.csv"
    assert stripe_line["details"]["new_lines"] == 1 and stripe_line["kind"] == "stripe"


def test_payee_accounts_payout_batches_and_payouts_are_in_the_trail(db, finance):
    provider = provider_owed(db)
    other = provider_owed(db, amount=50_000)
    entered = finance.call(
        "POST", "/finance/payee-accounts", json={"organisation_id": provider.id, **MAINLAND_ACCOUNT}
    ).get_json()
    proposed = line(finance, "payee_proposed")
    assert proposed["details"]["account_number"].endswith("8901")
    assert proposed["details"]["account_number"] != MAINLAND_ACCOUNT["account_number"]
    assert (
        finance.call("POST", f"/finance/payee-accounts/{entered['id']}/confirm", 1).status_code
        == 200
    )
    confirmed = line(finance, "payee_confirmed")
    assert (
        confirmed["user_name"] == "Finance B" and confirmed["subject"] == f"payee:{entered['id']}"
    )

    wrong = finance.call(
        "POST", "/finance/payee-accounts", json={"organisation_id": other.id, **MAINLAND_ACCOUNT}
    ).get_json()
    finance.call("POST", f"/finance/payee-accounts/{wrong['id']}/reject", 1,
                 json={"note": "户名与营业执照不符"})  # fmt: skip
    assert line(finance, "payee_rejected")["details"]["note"] == "户名与营业执照不符"

    built = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    [payout] = built["payouts"]
    batch = line(finance, "batch_built")
    assert batch["subject"] == f"batch:{built['id']}"
    assert batch["details"]["amount"] == 123_456
    assert batch["details"]["payouts"] == {str(payout["id"]): [provider.id, 123_456]}
    finance.call("POST", f"/finance/payout-batches/{built['id']}/submit")
    assert line(finance, "batch_submitted")["details"]["currency"] == "CNY"
    returned = finance.call("POST", f"/finance/payouts/{payout['id']}/returned",
                            json={"reason": "账户已销户"})  # fmt: skip
    assert returned.status_code == 200, returned.get_json()
    back = line(finance, "payout_returned")
    assert back["details"]["reason"] == "账户已销户" and back["user_name"] == "Finance A"

    again = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    finance.call("POST", f"/finance/payout-batches/{again['id']}/submit")
    [second] = again["payouts"]
    paid = finance.call(
        "POST", f"/finance/payouts/{second['id']}/paid",
        json={"value_date": str(inputs.today()), "bank_reference": "CMB0001"},
    )  # fmt: skip
    assert paid.status_code == 200, paid.get_json()
    assert line(finance, "payout_paid")["details"]["bank_reference"] == "CMB0001"

    kinds = {event["kind"] for event in trail(finance, kind="payouts")}
    assert kinds == {"payouts"}
    assert {event["action"] for event in trail(finance, kind="payees")} == {
        "payee_proposed", "payee_confirmed", "payee_rejected",
    }  # fmt: skip


def test_bank_receipts_and_refunds_are_in_the_trail(app, db, trade, finance):
    unknown = reference_for(99_999_999)
    receipt = {"reference": unknown, "amount_minor": 120_000, "currency": "CNY",
               "bank_transaction_id": "ICBC-R-1", "payer_name": "某公司"}  # fmt: skip
    held = finance.call("POST", "/finance/bank-receipts", json=receipt)
    assert held.status_code == 201, held.get_json()
    finance.call("POST", "/finance/bank-receipts", json=receipt)  # the same transaction again
    recorded = line(finance, "receipt_recorded")
    assert recorded["details"]["outcome"] == "held"
    assert recorded["details"]["bank_transaction_id"] == "ICBC-R-1"
    back = finance.call("POST", f"/finance/held-payments/{held.get_json()['id']}/return")
    assert back.status_code == 200, back.get_json()
    assert line(finance, "receipt_returned")["details"]["amount"] == 120_000

    refund = refunded(db, trade)
    entered = finance.call(
        "POST", "/finance/payee-accounts",
        json={"organisation_id": trade.buyer.id, **MAINLAND_ACCOUNT},
    ).get_json()  # fmt: skip
    finance.call("POST", f"/finance/payee-accounts/{entered['id']}/confirm", 1)
    assert finance.call("POST", f"/finance/refunds-to-send/{refund.id}/sent").status_code == 200
    sent = line(finance, "refund_sent")
    assert sent["subject"] == f"refund:{refund.id}" and sent["details"]["amount"] == REFUNDED
    paid = finance.call(
        "POST", f"/finance/refunds-to-send/{refund.id}/paid",
        json={"value_date": str(inputs.today()), "bank_reference": "ICBC-OUT-1"},
    )  # fmt: skip
    assert paid.status_code == 200, paid.get_json()
    assert line(finance, "refund_paid")["details"]["bank_reference"] == "ICBC-OUT-1"


OCTOBER = {"name": "2026-10", "starts_at": "2026-10-01", "ends_at": "2026-10-31"}


def test_periods_opened_close_requested_and_closed_are_in_the_trail(db, finance):
    assert finance.call("POST", "/ledger/periods", json=OCTOBER).status_code == 201
    assert line(finance, "period_opened")["subject"] == "period:2026-10"
    assert finance.call("POST", "/ledger/periods/2026-10/close-request").status_code == 200
    requested = line(finance, "period_close_requested")
    assert requested["user_name"] == "Finance A"
    assert finance.call("POST", "/ledger/periods/2026-10/close", 1).status_code == 200
    assert line(finance, "close_period")["user_name"] == "Finance B"
    assert [event["action"] for event in trail(finance, kind="periods")] == [
        "close_period", "period_close_requested", "period_opened",
    ]  # fmt: skip


def test_a_refused_correction_keeps_its_note(db, finance):
    ledger.post(db, "test:fee", [debit("assets:bank", 1_200, "CNY"),
                                 credit("equity:opening_balances", 1_200, "CNY")])  # fmt: skip
    db.commit()
    proposed = finance.call("POST", "/finance/recon/corrections", json={
        "legs": [{"account": "expenses:bank_charges", "side": "debit", "amount_minor": 1_200},
                 {"account": "assets:bank", "side": "credit", "amount_minor": 1_200}],
        "reason": "手续费",
    })  # fmt: skip
    assert proposed.status_code == 201, proposed.get_json()
    correction = proposed.get_json()["id"]
    note = "金额不对，应为 12.50"
    refused = finance.call("POST", f"/finance/recon/corrections/{correction}/reject", 1,
                           json={"note": note})  # fmt: skip
    assert refused.status_code == 200, refused.get_json()
    assert refused.get_json()["decision_note"] == note
    assert line(finance, "reject_correction")["details"]["note"] == note
    bad = finance.call("POST", f"/finance/recon/corrections/{correction}/reject", 1,
                       json={"note": "a\nb"})  # fmt: skip
    assert bad.status_code == 422 and "note" in bad.get_json()["errors"]


def test_the_trail_is_read_by_kind_and_date(db, finance):
    assert finance.call("POST", "/ledger/periods", json=OCTOBER).status_code == 201
    assert finance.call("POST", "/finance/recon/runs").status_code == 201
    today = inputs.today()
    assert [event["action"] for event in trail(finance, kind="reconciliation")] == ["run"]
    assert len(trail(finance, start=str(today), end=str(today))) == 2
    assert trail(finance, start=str(today + timedelta(days=1))) == []
    assert trail(finance, end=str(today - timedelta(days=1))) == []


@pytest.mark.parametrize(
    "query, field",
    [({"kind": "everything"}, "kind"), ({"action": "drop_table"}, "action"),
     ({"start": "30/11/2026"}, "start"), ({"start": "2026-11-30", "end": "2026-11-01"}, "end")],
)  # fmt: skip
def test_a_bad_filter_names_its_field(db, finance, query, field):
    refused = finance.call("GET", "/finance/recon/audit", query_string=query)
    assert refused.status_code == 422 and field in refused.get_json()["errors"]


def test_the_audit_page_shows_every_action_in_chinese_and_filters_it(app, db, finance):
    assert finance.call("POST", "/ledger/periods", json=OCTOBER).status_code == 201
    assert finance.call("POST", "/finance/bank-accounts", json=ICBC).status_code == 201
    web = WebClient(app)
    web.log_in(finance.first.email, factories.PASSWORD)
    page = web.get("/finance/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "登记银行账户" in text and "开立会计期间" in text
    assert "Finance A" in text and "工行基本户" in text
    only = web.get("/finance/audit?kind=periods").get_data(as_text=True)
    assert "开立会计期间" in only and "登记银行账户" not in only
    bad = web.get("/finance/audit?start=yesterday")
    assert bad.status_code == 422


def test_an_action_on_a_page_names_the_person_and_no_client(app, db, finance):
    assert finance.call("POST", "/finance/bank-accounts", json=ICBC).status_code == 201
    web = WebClient(app)
    web.log_in(finance.second.email, factories.PASSWORD)
    form = {"reference": reference_for(99_999_997), "currency": "CNY", "amount": "1,200.00",
            "bank_transaction_id": "CMB-PAGE-1", "payer_name": "不明来款"}  # fmt: skip
    assert web.submit("/finance/receipts", form, page="/finance/receipts").status_code == 302
    recorded = line(finance, "receipt_recorded")
    assert recorded["user_name"] == "Finance B" and recorded["client_id"] is None
    assert recorded["details"]["amount"] == 120_000
    page = web.get("/finance/audit?kind=receipts").get_data(as_text=True)
    assert "登记银行收款" in page and "¥1,200.00" in page and "经 API 客户端" not in page
    # The account the money went through, by its name, never its stored id.
    assert "工行基本户" in page and "bank_account_id" not in page
    assert "起始日期" in page and "起价" not in page


def test_a_correction_is_refused_on_the_page_with_a_note(app, db, finance):
    proposed = finance.call("POST", "/finance/recon/corrections", json={
        "legs": [{"account": "expenses:bank_charges", "side": "debit", "amount_minor": 800},
                 {"account": "assets:bank", "side": "credit", "amount_minor": 800}],
        "reason": "手续费",
    }).get_json()  # fmt: skip
    web = WebClient(app)
    web.log_in(finance.second.email, factories.PASSWORD)
    path = f"/finance/reconciliation/corrections/{proposed['id']}/reject"
    bad = web.submit(path, {"note": "a\nb"}, page="/finance/reconciliation")
    assert bad.status_code == 422
    assert line(finance, "propose_correction")  # nothing was decided
    done = web.submit(path, {"note": "请附银行回单"}, page="/finance/reconciliation")
    assert done.status_code == 302
    refused = line(finance, "reject_correction")
    assert refused["details"]["note"] == "请附银行回单" and refused["user_name"] == "Finance B"
    page = web.get("/finance/reconciliation").get_data(as_text=True)
    trail_part = page[page.index('data-testid="trail"') :]
    assert "更正分录已拒绝" in trail_part and "备注：" in trail_part
    assert "请附银行回单" in trail_part


def test_a_run_that_pays_payouts_names_them(db, finance):
    provider = provider_owed(db)
    entered = finance.call(
        "POST", "/finance/payee-accounts", json={"organisation_id": provider.id, **MAINLAND_ACCOUNT}
    ).get_json()
    finance.call("POST", f"/finance/payee-accounts/{entered['id']}/confirm", 1)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    [payout] = batch["payouts"]
    account = finance.call("POST", "/finance/bank-accounts", json=ICBC).get_json()["id"]
    rows = [BankRow(inputs.today(), -123_456, "ICBC-PO-1", "深圳测试数据有限公司", "755912345678901",
                    f"付款 {payout['reference']}")]  # fmt: skip
    upload = {"file": (io.BytesIO(icbc_csv(rows, 500_000)), "out.csv")}
    assert finance.call(
        "POST", f"/finance/bank-accounts/{account}/statements", data=upload,
        content_type="multipart/form-data",
    ).status_code == 201  # fmt: skip
    assert finance.call("POST", "/finance/recon/runs").status_code == 201
    paid = line(finance, "payout_paid", f"payout:{payout['id']}")
    assert paid["details"]["by_matching"] is True and paid["user_id"] is None
    assert paid["details"]["bank_reference"] == "ICBC-PO-1"
    run = line(finance, "run")
    assert run["details"]["matched"] == {"payout_reference": 1}
    assert run["user_name"] == "Finance A"


def test_making_a_bank_account_the_default_and_closing_it_are_in_the_trail(db, finance):
    first = finance.call("POST", "/finance/bank-accounts", json=ICBC).get_json()["id"]
    second = finance.call(
        "POST", "/finance/bank-accounts",
        json={**ICBC, "name": "招行一般户", "account_number": "755900000000001",
              "csv_layout": "cmb", "ledger_account": "assets:bank:cmb"},
    ).get_json()["id"]  # fmt: skip
    assert finance.call("POST", f"/finance/bank-accounts/{second}/default").status_code == 200
    made = line(finance, "bank_account_default", f"bank_account:{second}")
    assert made["kind"] == "bank_accounts" and made["user_name"] == "Finance A"
    # Already the default: nothing changed, no second line.
    assert finance.call("POST", f"/finance/bank-accounts/{second}/default").status_code == 200
    assert finance.call("POST", f"/finance/bank-accounts/{first}/close").status_code == 200
    assert finance.call("POST", f"/finance/bank-accounts/{first}/close").status_code == 200
    closed = line(finance, "bank_account_closed", f"bank_account:{first}")
    assert closed["details"] == {"name": ICBC["name"], "currency": "CNY"}
    assert len(trail(finance, action="bank_account_default")) == 1
