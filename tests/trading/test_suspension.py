"""Suspending an organisation: no new orders, listings or payouts, hidden from search; every
open order and its money stay where they are; lifting the suspension restores it all."""

from __future__ import annotations

import sqlalchemy as sa

from market.identity.models import Organisation, VerificationState
from market.verification.models import VerificationEvent
from tests.finance.factories import payee_account
from tests.listings import factories as listing_factories
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, order_body, pay_by_bank, place, scalars, token_headers


def _decide(exchange, organisation_id: int, action: str, **body):
    return exchange.api(
        "POST",
        f"/review/organisations/{organisation_id}/decisions",
        exchange.review_api,
        json={"action": action, **body},
    )


def _found(exchange) -> list[int]:
    response = exchange.api(
        "GET", "/listings/search", exchange.buyer_api, query_string={"q": "公交"}
    )
    return [hit["id"] for hit in response.get_json()["hits"]]


def _state(exchange, organisation_id: int) -> VerificationState:
    return scalars(
        exchange.app,
        sa.select(Organisation.verification_state).where(Organisation.id == organisation_id),
    )[0]


def test_suspension_with_open_orders_needs_acknowledgement_and_keeps_the_money(
    exchange, listing, drain, db
):
    # A confirmed payee account: suspension is then the only reason to leave the provider out.
    payee_account(db, exchange.provider)
    db.commit()
    order = place(exchange, listing)
    assert pay_by_bank(exchange, order).status_code == 201
    escrow = f"liabilities:escrow:order:{order['id']}"
    drain()
    assert _found(exchange) == [listing.id]

    refused = _decide(exchange, exchange.provider.id, "suspend", reason="complaint under review")
    assert refused.status_code == 409
    assert refused.get_json()["errors"]["open_orders"] == [1]
    assert "acknowledge_open_orders" in refused.get_json()["errors"]
    assert _state(exchange, exchange.provider.id) == VerificationState.VERIFIED
    assert scalars(exchange.app, sa.select(VerificationEvent)) == []

    as_text = _decide(
        exchange,
        exchange.provider.id,
        "suspend",
        reason="complaint under review",
        acknowledge_open_orders="yes",
    )
    assert as_text.status_code == 422  # JSON has true and false for a yes or no
    assert list(as_text.get_json()["errors"]) == ["acknowledge_open_orders"]
    suspended = _decide(
        exchange,
        exchange.provider.id,
        "suspend",
        reason="complaint under review",
        acknowledge_open_orders=True,
    )
    assert suspended.status_code == 200, suspended.get_json()
    assert suspended.get_json()["state"] == "suspended"
    assert balance(exchange.app, escrow) == PRICE
    drain()
    assert _found(exchange) == []
    # The open order goes on: the buyer accepts, it settles, and the payable waits.
    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.status_code == 200
    drain()
    payable = f"liabilities:provider_payable:org:{exchange.provider.id}"
    owed = balance(exchange.app, payable)
    assert owed > 0
    batch = exchange.api(
        "POST", "/finance/payout-batches", exchange.finance_api, json={"currency": "CNY"}
    )
    # Nobody else is owed anything, so there is no batch to build; the payable stays put.
    assert batch.status_code == 409
    assert balance(exchange.app, payable) == owed

    again = exchange.api(
        "POST",
        "/orders",
        exchange.buyer_api,
        json=order_body(listing),
        extra_headers={"Idempotency-Key": "after-suspension"},
    )
    assert again.status_code == 409
    assert "plan_id" in again.get_json()["errors"]

    lifted = _decide(exchange, exchange.provider.id, "lift")
    assert lifted.get_json()["state"] == "verified"
    drain()
    assert _found(exchange) == [listing.id]
    paid_out = exchange.api(
        "POST", "/finance/payout-batches", exchange.finance_api, json={"currency": "CNY"}
    )
    assert [p["amount_minor"] for p in paid_out.get_json()["payouts"]] == [owed]


def test_a_suspended_buyer_cannot_order_and_a_suspended_provider_cannot_list(
    app, db, store, exchange, listing
):
    assert _decide(exchange, exchange.buyer.id, "suspend", reason="fraud check").status_code == 200
    refused = exchange.api(
        "POST",
        "/orders",
        exchange.buyer_api,
        json=order_body(listing),
        extra_headers={"Idempotency-Key": "suspended-buyer"},
    )
    assert refused.status_code == 403
    assert _decide(exchange, exchange.buyer.id, "lift").status_code == 200
    place(exchange, listing)

    asset = listing_factories.certified_asset(
        db, store, exchange.provider, exchange.provider_user, exchange.staff
    )
    db.commit()
    assert (
        _decide(
            exchange, exchange.provider.id, "suspend", reason="audit", acknowledge_open_orders=True
        ).status_code
        == 200
    )
    provider_api = token_headers(app, db, exchange.provider, ["catalog:write"])
    created = exchange.api(
        "POST",
        "/provider/listings",
        provider_api,
        json=listing_factories.listing_data(asset.id),
    )
    assert created.status_code == 403, created.get_json()


def test_suspension_needs_a_reason(exchange):
    response = _decide(exchange, exchange.provider.id, "suspend")
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]
