"""Payout batches are writes that move money: an Idempotency-Key makes a retry safe."""

from __future__ import annotations

from tests.finance.factories import payee_account
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, pay_by_bank, place

FEE = PRICE * 500 // 10_000


def _batch(exchange, key=None, currency="CNY"):
    extra = {"Idempotency-Key": key} if key else {}
    return exchange.api(
        "POST",
        "/finance/payout-batches",
        exchange.finance_api,
        json={"currency": currency},
        extra_headers=extra,
    )


def _settled(exchange, listing, drain, db) -> None:
    payee_account(db, exchange.provider)
    db.commit()
    order = place(exchange, listing)
    assert pay_by_bank(exchange, order).status_code == 201
    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.status_code == 200
    drain()


def test_a_replayed_payout_batch_returns_the_original(exchange, listing, drain, db):
    _settled(exchange, listing, drain, db)
    first = _batch(exchange, key="payouts-2026-11-29")
    assert first.status_code == 201, first.get_json()
    replay = _batch(exchange, key="payouts-2026-11-29")
    assert replay.status_code == 201, replay.get_json()
    assert replay.get_json() == first.get_json()
    # Paid in once; the batch reserves the payable once, and nothing leaves until it is paid.
    assert balance(exchange.app, "assets:bank") == PRICE
    payable = f"liabilities:provider_payable:org:{exchange.provider.id}"
    assert balance(exchange.app, payable) == PRICE - FEE


def test_the_same_key_for_another_currency_is_a_conflict(exchange, listing, drain, db):
    _settled(exchange, listing, drain, db)
    assert _batch(exchange, key="k-1").status_code == 201
    clash = _batch(exchange, key="k-1", currency="USD")
    assert clash.status_code == 409
    assert "Idempotency-Key" in clash.get_json()["errors"]


def test_without_a_key_a_second_batch_finds_nobody_owed(exchange, listing, drain, db):
    _settled(exchange, listing, drain, db)
    assert _batch(exchange).status_code == 201
    again = _batch(exchange)
    assert again.status_code == 409
    assert "currency" in again.get_json()["errors"]
