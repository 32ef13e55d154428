"""The whole path, on both engines against localstripe: order → pay → escrow → deliver →
accept → settle, by card and by bank transfer, with the ledger entries each step posts."""

import pytest
import sqlalchemy as sa

from market.trading.models import Download, OrderEvent
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, pay_by_bank, pay_by_card, place, scalars

FEE = PRICE * 500 // 10_000  # the default 5 %
VAT = 1_358  # 6 % output VAT inside the fee: 24 000 - round(24 000 / 1.06)


def test_card_order_is_paid_delivered_accepted_and_settled(exchange, listing, drain):
    order = place(exchange, listing)
    assert order["status"] == "awaiting_payment" and order["price_minor"] == PRICE
    assert order["terms"]["scenarios"] == ["internal_analytics", "research"]

    paid = pay_by_card(exchange, order["id"])
    # A file listing is delivered from the registry as soon as it is paid.
    assert paid["status"] == "delivered" and paid["paid_minor"] == PRICE
    escrow = f"liabilities:escrow:order:{order['id']}"
    assert balance(exchange.app, escrow) == PRICE
    assert balance(exchange.app, "assets:stripe_clearing") == PRICE

    entitlements = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()
    assert [e["order_id"] for e in entitlements] == [order["id"]]
    links = exchange.api(
        "POST", f"/entitlements/{entitlements[0]['id']}/links", exchange.buyer_api
    ).get_json()
    file = exchange.api("GET", links[0]["url"].removeprefix("/api/v1"), exchange.buyer_api)
    assert file.status_code == 200 and file.headers["X-Content-SHA256"] == links[0]["sha256"]
    file.close()
    assert scalars(exchange.app, sa.select(Download.sha256)) == [links[0]["sha256"]]

    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.get_json()["status"] == "accepted"
    drain()
    settled = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert settled["status"] == "settled"
    assert (settled["fee_minor"], settled["provider_minor"]) == (FEE, PRICE - FEE)
    assert balance(exchange.app, escrow) == 0
    payable = f"liabilities:provider_payable:org:{exchange.provider.id}"
    assert balance(exchange.app, payable) == PRICE - FEE
    assert balance(exchange.app, "revenue:platform_fees") == FEE - VAT
    assert balance(exchange.app, "liabilities:vat_output") == VAT
    moves = [(e["from_status"], e["to_status"]) for e in settled["events"]]
    assert moves == [
        (None, "awaiting_payment"),
        ("awaiting_payment", "paid"),
        ("paid", "delivered"),
        ("delivered", "accepted"),
        ("accepted", "settled"),
    ]


def test_bank_transfer_with_the_exact_amount_pays_the_order(exchange, listing):
    order = place(exchange, listing)
    instructions = exchange.api("GET", f"/orders/{order['id']}/bank-transfer", exchange.buyer_api)
    assert instructions.get_json()["reference"] == order["reference"]
    receipt = pay_by_bank(exchange, order)
    assert receipt.status_code == 201 and receipt.get_json()["status"] == "succeeded"
    assert balance(exchange.app, "assets:bank") == PRICE
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "China Merchants Bank"), ("zh-CN", "招商银行")]
)
def test_the_bank_transfer_names_the_account_in_the_callers_language(
    exchange, listing, language, shown
):
    order = place(exchange, listing)
    instructions = exchange.api(
        "GET",
        f"/orders/{order['id']}/bank-transfer",
        exchange.buyer_api,
        extra_headers={"Accept-Language": language},
    ).get_json()
    assert shown in instructions["bank_account"]
    # A transfer names the payee as the bank registered it, whatever the caller reads.
    assert "深圳数据交易所有限公司" in instructions["registered_bank_account"]


def test_short_or_excess_bank_payment_is_held_not_accepted(exchange, listing):
    order = place(exchange, listing)
    short = pay_by_bank(exchange, order, amount=PRICE - 100)
    excess = pay_by_bank(exchange, order, amount=PRICE + 100)
    assert [short.get_json()["status"], excess.get_json()["status"]] == ["held", "held"]
    again = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert again["status"] == "awaiting_payment"
    assert balance(exchange.app, "liabilities:unapplied_receipts") == 2 * PRICE
    held = exchange.api("GET", "/finance/held-payments", exchange.finance_api).get_json()
    returned = exchange.api(
        "POST", f"/finance/held-payments/{held[0]['id']}/return", exchange.finance_api
    )
    assert returned.get_json()["status"] == "returned"
    assert balance(exchange.app, "liabilities:unapplied_receipts") == PRICE + 100


def test_the_same_bank_receipt_twice_is_recorded_once(exchange, listing):
    order = place(exchange, listing)
    first = pay_by_bank(exchange, order, txn="CMB20261127001")
    second = pay_by_bank(exchange, order, txn="CMB20261127001")
    assert second.status_code == 201 and second.get_json()["id"] == first.get_json()["id"]
    assert balance(exchange.app, "assets:bank") == PRICE


def test_worker_accepts_when_the_window_lapses(exchange, listing, drain, app):
    app.config["ACCEPTANCE_DAYS"] = 0
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    drain()
    done = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert done["status"] == "settled"
    actors = scalars(app, sa.select(OrderEvent.actor).where(OrderEvent.to_status == "accepted"))
    assert actors == ["system"]


def test_order_creation_is_idempotent(exchange, listing):
    first = place(exchange, listing, key="order-1")
    again = place(exchange, listing, key="order-1")
    assert again["id"] == first["id"]
    other = exchange.api(
        "POST",
        "/orders",
        exchange.buyer_api,
        json={"plan_id": first["plan_id"], "usage_scenario": "internal_analytics"},
        extra_headers={"Idempotency-Key": "order-1"},
    )
    assert other.status_code == 409


def test_an_order_names_its_listing_buyer_and_provider(exchange, listing):
    order = place(exchange, listing)
    shown = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    revision = listing.live_revision
    assert (shown["listing_title_zh"], shown["listing_title_en"]) == (
        revision.title_zh,
        revision.title_en,
    )
    assert shown["buyer_name_zh"] == exchange.buyer.name_zh
    assert shown["buyer_name_en"] == exchange.buyer.name_en
    assert shown["provider_name_zh"] == exchange.provider.name_zh
    assert shown["provider_name_en"] == exchange.provider.name_en
    document = exchange.app.test_client().get("/api/openapi.json").get_json()
    properties = document["components"]["schemas"]["Order"]["properties"]
    for name in ("listing_title_zh", "buyer_name_en", "provider_name_zh"):
        assert properties[name]["readOnly"] is True, name
    assert "0 until the order settles" in properties["fee_minor"]["description"]
