"""Money received quoting a reference no order has is held, not refused: the books keep it in
unapplied receipts until finance returns or explains it."""

from __future__ import annotations

from market.trading.orders import reference_for


def test_a_receipt_quoting_no_order_is_held(finance):
    unknown = reference_for(99_999_999)  # a well-formed reference nobody was given
    receipt = {"reference": unknown, "amount_minor": 120_000, "currency": "CNY",
               "bank_transaction_id": "CMB-UNKNOWN-1", "payer_name": "某公司"}  # fmt: skip
    held = finance.call("POST", "/finance/bank-receipts", json=receipt)
    assert held.status_code == 201, held.get_json()
    shown = held.get_json()
    assert (shown["status"], shown["order_id"], shown["reference"]) == ("held", None, unknown)
    assert "no order" in shown["note"]
    assert finance.balance("liabilities:unapplied_receipts") == 120_000
    assert finance.balance("assets:bank") == 120_000
    again = finance.call("POST", "/finance/bank-receipts", json=receipt)
    assert again.status_code == 201 and again.get_json()["id"] == shown["id"]
    listed = finance.call("GET", "/finance/held-payments").get_json()
    assert [payment["id"] for payment in listed] == [shown["id"]]
    returned = finance.call("POST", f"/finance/held-payments/{shown['id']}/return")
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert finance.balance("liabilities:unapplied_receipts") == 0


def test_a_reference_that_fails_its_check_is_still_a_typing_error(finance):
    receipt = {"reference": "SJ0000000100", "amount_minor": 120_000, "currency": "CNY",
               "bank_transaction_id": "CMB-TYPO-1"}  # fmt: skip
    refused = finance.call("POST", "/finance/bank-receipts", json=receipt)
    assert refused.status_code == 422 and "reference" in refused.get_json()["errors"]


def test_the_receipts_page_holds_a_receipt_quoting_no_order(app, db):
    from market.identity.models import StaffRole
    from tests import factories
    from tests.web import WebClient

    user = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    web = WebClient(app)
    web.log_in(user.email, factories.PASSWORD)
    form = {"reference": reference_for(99_999_998), "currency": "CNY", "amount": "1,200.00",
            "bank_transaction_id": "CMB-UNKNOWN-2", "payer_name": "不明来款"}  # fmt: skip
    recorded = web.submit("/finance/receipts", form, page="/finance/receipts")
    assert recorded.status_code == 302
    page = web.get("/finance/receipts").get_data(as_text=True)
    assert "没有订单使用此付款编号：该笔收款已暂挂，待处理。" in page
    held = page[page.index('data-testid="held"') :]
    assert reference_for(99_999_998) in held and "没有订单使用此付款编号" in held
