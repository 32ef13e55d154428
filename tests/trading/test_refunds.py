"""Refunds before and after settlement (Stripe and bank), disputes and payouts."""

import uuid

import pytest

from tests.finance.factories import payee_account
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, pay_by_bank, pay_by_card, place

FEE = PRICE * 500 // 10_000


def _refund(exchange, order_id, amount, key=None, reason="不符合描述"):
    return exchange.api(
        "POST",
        f"/orders/{order_id}/refunds",
        exchange.finance_api,
        json={"amount_minor": amount, "reason": reason},
        extra_headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def _order(exchange, order_id):
    return exchange.api("GET", f"/orders/{order_id}", exchange.buyer_api).get_json()


def _accept_and_settle(exchange, order_id, drain):
    assert exchange.api("POST", f"/orders/{order_id}/accept", exchange.buyer_api).status_code == 200
    drain()


def test_partial_card_refund_before_settlement_then_the_rest_settles(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    refund = _refund(exchange, order["id"], 80_000)
    assert refund.status_code == 201, refund.get_json()
    body = refund.get_json()
    assert body["status"] == "succeeded" and body["stripe_refund_id"].startswith("re_")
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE - 80_000
    _accept_and_settle(exchange, order["id"], drain)
    settled = _order(exchange, order["id"])
    fee = (PRICE - 80_000) * 500 // 10_000
    assert settled["status"] == "settled" and settled["fee_minor"] == fee
    assert balance(exchange.app, "assets:stripe_clearing") == PRICE - 80_000


def test_full_refund_before_settlement_ends_the_order(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    assert _refund(exchange, order["id"], PRICE).status_code == 201
    refunded = _order(exchange, order["id"])
    assert refunded["status"] == "refunded" and refunded["refunded_minor"] == PRICE
    entitlement = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]
    assert entitlement["status"] == "revoked"


def test_refund_with_the_same_key_is_made_once(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    first = _refund(exchange, order["id"], 10_000, key="r-1")
    again = _refund(exchange, order["id"], 10_000, key="r-1")
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _refund(exchange, order["id"], 20_000, key="r-1").status_code == 409
    # Owed to the buyer until finance sends it; the bank account still holds it.
    owed = f"liabilities:refunds_payable:org:{order['buyer_organisation_id']}"
    assert balance(exchange.app, owed) == 10_000
    assert balance(exchange.app, "assets:bank") == PRICE


def test_refund_larger_than_paid_is_refused_and_nothing_moves(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    refused = _refund(exchange, order["id"], PRICE + 1)
    assert refused.status_code == 422 and "amount_minor" in refused.get_json()["errors"]
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE
    assert _order(exchange, order["id"])["refunds"] == []


def test_refund_after_settlement_claws_back_payable_and_fee(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    _accept_and_settle(exchange, order["id"], drain)
    assert _refund(exchange, order["id"], PRICE).status_code == 201
    assert _order(exchange, order["id"])["status"] == "refunded"
    assert balance(exchange.app, f"liabilities:provider_payable:org:{exchange.provider.id}") == 0
    assert balance(exchange.app, "revenue:platform_fees") == 0
    assert balance(exchange.app, "liabilities:vat_output") == 0
    owed = f"liabilities:refunds_payable:org:{order['buyer_organisation_id']}"
    assert balance(exchange.app, owed) == PRICE


def _payout_batch(exchange):
    """Build a payout batch for everyone owed in CNY and submit it to the bank."""
    batch = exchange.api(
        "POST", "/finance/payout-batches", exchange.finance_api, json={"currency": "CNY"}
    )
    assert batch.status_code == 201, batch.get_json()
    submitted = exchange.api(
        "POST", f"/finance/payout-batches/{batch.get_json()['id']}/submit", exchange.finance_api
    )
    assert submitted.status_code == 200, submitted.get_json()
    return batch


def test_refund_after_payout_leaves_a_receivable_from_the_provider(exchange, listing, drain, db):
    payee = payee_account(db, exchange.provider)
    db.commit()
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    _accept_and_settle(exchange, order["id"], drain)
    batch = _payout_batch(exchange)
    assert batch.get_json()["payouts"][0]["amount_minor"] == PRICE - FEE
    bank_file = exchange.api(
        "GET", f"/finance/payout-batches/{batch.get_json()['id']}/bank-file", exchange.finance_api
    )
    assert payee.account_number in bank_file.get_data().decode("gbk")
    assert _refund(exchange, order["id"], 100_000).status_code == 201
    receivable = f"assets:provider_receivable:org:{exchange.provider.id}"
    assert balance(exchange.app, receivable) == 100_000 - (100_000 * FEE + PRICE // 2) // PRICE
    assert _order(exchange, order["id"])["status"] == "settled"


def _dispute(exchange, order_id):
    response = exchange.api(
        "POST", f"/orders/{order_id}/disputes", exchange.buyer_api, json={"reason": "数据缺失"}
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    ("decision", "refund", "status", "escrow_to_provider"),
    [
        ("release", None, "settled", PRICE),
        ("partial_refund", 120_000, "settled", PRICE - 120_000),
        ("full_refund", None, "refunded", 0),
    ],
)
def test_reviewer_decides_a_dispute(
    exchange, listing, drain, decision, refund, status, escrow_to_provider
):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    _dispute(exchange, order["id"])
    # Settlement is frozen: accepting is refused while the dispute is open.
    assert (
        exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api).status_code == 409
    )
    queue = exchange.api("GET", "/disputes", exchange.review_api).get_json()
    assert [d["order_id"] for d in queue] == [order["id"]]
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": decision, "refund_minor": refund, "note": "已核实"},
    )
    assert decided.status_code == 200, decided.get_json()
    drain()
    final = _order(exchange, order["id"])
    assert final["status"] == status
    assert final["fee_minor"] + final["provider_minor"] == escrow_to_provider
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == 0


@pytest.mark.parametrize("decision", ["release", "full_refund"])
def test_an_amount_with_a_decision_that_takes_none_is_refused(exchange, listing, decision):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    _dispute(exchange, order["id"])
    refused = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": decision, "refund_minor": 5},
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["refund_minor"]
    assert _order(exchange, order["id"])["status"] == "disputed"  # nothing decided


def test_partial_refunds_after_settlement_give_back_exactly_the_fee(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    _accept_and_settle(exchange, order["id"], drain)
    # Rounded one by one, each of the first two would take back half a unit of fee too many.
    for amount in (333, 333, PRICE - 666):
        assert _refund(exchange, order["id"], amount).status_code == 201
    assert balance(exchange.app, "revenue:platform_fees") == 0
    assert balance(exchange.app, "liabilities:vat_output") == 0
    assert balance(exchange.app, f"liabilities:provider_payable:org:{exchange.provider.id}") == 0


def test_the_next_payout_sets_off_what_the_provider_owes(exchange, listing, drain, db):
    payee_account(db, exchange.provider)
    db.commit()
    first = place(exchange, listing)
    pay_by_card(exchange, first["id"])
    _accept_and_settle(exchange, first["id"], drain)
    _payout_batch(exchange)
    assert _refund(exchange, first["id"], 100_000).status_code == 201  # after the payout
    receivable = f"assets:provider_receivable:org:{exchange.provider.id}"
    owed_back = balance(exchange.app, receivable)
    assert owed_back > 0
    second = place(exchange, listing)
    pay_by_card(exchange, second["id"])
    _accept_and_settle(exchange, second["id"], drain)
    batch = _payout_batch(exchange)
    assert batch.get_json()["payouts"][0]["amount_minor"] == PRICE - FEE - owed_back
    assert balance(exchange.app, receivable) == 0
    payable = f"liabilities:provider_payable:org:{exchange.provider.id}"
    assert balance(exchange.app, payable) == 0


@pytest.mark.parametrize(
    "reason",
    ["   ", "\n\u3000\t", "\u200b", " \ufeff\u2060 ", "\u0301\u0301", "\u3164\u2800\u200e\u00ad"],
)
def test_a_dispute_reason_of_blank_space_alone_is_refused_at_its_field(exchange, listing, reason):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    refused = exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": reason}
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["reason"] == ["May not be empty or only spaces."]
    assert _order(exchange, order["id"])["status"] != "disputed"
