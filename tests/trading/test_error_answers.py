"""Every 4xx answer of the API names what is wrong: ``errors`` is never empty, each of its keys
names the field (or ``reason``) with a list of messages, as a 422 does."""

from __future__ import annotations

import json

import pytest

from market.app import ONE_REQUEST_LIMITS
from tests.listings.factories import PRICE
from tests.trading.helpers import pay_by_bank, place


@pytest.fixture
def trading_config() -> dict:
    """A 1 KiB limit on every file sent in one request, and a small anonymous rate limit."""
    return dict.fromkeys(ONE_REQUEST_LIMITS, 1024) | {"RATELIMIT_ANONYMOUS": "40/minute"}


def _shape(response) -> dict:
    body = response.get_json()
    assert body["code"] == response.status_code, body
    errors = body["errors"]
    assert errors, (response.status_code, body)
    for key, value in errors.items():
        assert isinstance(value, list | dict) and value, (response.status_code, key, body)
    return errors


def _refunded_entitlement(exchange, listing) -> int:
    order = place(exchange, listing)
    assert pay_by_bank(exchange, order).status_code == 201
    refund = exchange.api(
        "POST",
        f"/orders/{order['id']}/refunds",
        exchange.finance_api,
        json={"amount_minor": PRICE, "reason": "不符合描述"},
        extra_headers={"Idempotency-Key": "refund-all"},
    )
    assert refund.status_code == 201, refund.get_json()
    entitlements = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()
    return entitlements[0]["id"]


def test_every_refusal_names_a_field_or_reason_in_lists(exchange, listing, db):
    api = exchange.api
    buyer = exchange.buyer_api
    answers = {}
    answers["401 no token"] = api("GET", "/orders", {})
    answers["401 bad token"] = api("GET", "/orders", {"Authorization": "Bearer nope"})
    answers["403 scope"] = api("GET", "/finance/payee-accounts", buyer)
    entitlement_id = _refunded_entitlement(exchange, listing)
    answers["403 refunded"] = api("POST", f"/entitlements/{entitlement_id}/links", buyer)
    answers["403 signature"] = api(
        "GET", f"/downloads/{entitlement_id}/1?expires=9999999999&signature={'a' * 64}", buyer
    )
    _unverified, unverified_api = exchange.new_buyer(db, verified=False)
    answers["403 unverified"] = api(
        "POST", "/orders", unverified_api, json={"plan_id": 1, "usage_scenario": "research"}
    )
    answers["404 path"] = api("GET", "/no-such-thing", buyer)
    answers["404 id"] = api("GET", "/orders/999999", buyer)
    answers["404 huge id"] = api("GET", f"/orders/{2**70}", buyer)
    answers["405"] = api("DELETE", "/orders", buyer)
    answers["409"] = api("POST", f"/orders/{place(exchange, listing)['id']}/accept", buyer)
    answers["413"] = api(
        "POST",
        "/orders",
        buyer,
        data=json.dumps({"x": "y" * 2_000_000}),
        content_type="application/json",
    )
    answers["415"] = api("POST", "/orders", buyer, data={"plan_id": "1"})
    answers["422"] = api("POST", "/orders", buyer, json={"plan_id": "x"})
    for _ in range(41):
        answers["429"] = api("GET", "/organisations", {})
    for name, response in answers.items():
        assert response.status_code == int(name[:3]), (name, response.get_json())
        _shape(response)
    assert answers["401 no token"].get_json()["errors"]["reason"] == ["missing_authorization"]
    assert answers["403 scope"].get_json()["errors"]["scope"] == ["finance:read"]
    assert answers["403 refunded"].get_json()["errors"] == {"state": ["refunded"]}
    assert list(answers["403 signature"].get_json()["errors"]) == ["signature"]
    assert answers["403 unverified"].get_json()["errors"] == {"verification_state": ["unverified"]}
    assert list(answers["404 path"].get_json()["errors"]) == ["path"]
    assert answers["405"].get_json()["errors"] == {"method": ["DELETE"]}


def test_a_thing_not_found_is_named_by_the_id_the_caller_sent(exchange, listing, db):
    order = place(exchange, listing)
    assert pay_by_bank(exchange, order).status_code == 201
    [entitlement] = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()
    [link] = exchange.api(
        "POST", f"/entitlements/{entitlement['id']}/links", exchange.buyer_api
    ).get_json()
    _other, stranger = exchange.new_buyer(db)
    refused = exchange.api("GET", link["url"].removeprefix("/api/v1"), stranger)
    assert refused.status_code == 404
    assert list(refused.get_json()["errors"]) == ["entitlement_id"]
    clients = exchange.api(
        "POST", f"/organisations/{exchange.buyer.id}/clients/sj_none/revoke", stranger
    )
    assert clients.status_code == 404
    assert list(clients.get_json()["errors"]) == ["organisation_id"]


@pytest.mark.parametrize(
    ("action", "who"),
    [("deliver", "buyer_api"), ("accept", "provider_api"), ("cancel", "provider_api")],
)
def test_the_wrong_kind_of_actor_is_told_the_action_refused(exchange, listing, action, who):
    order = place(exchange, listing)
    refused = exchange.api("POST", f"/orders/{order['id']}/{action}", getattr(exchange, who))
    assert refused.status_code == 403
    assert _shape(refused)["action"] == [action]


def test_the_wrong_kind_of_actor_disputing_is_told_the_action_refused(exchange, listing):
    order = place(exchange, listing)
    refused = exchange.api(
        "POST",
        f"/orders/{order['id']}/disputes",
        exchange.provider_api,
        json={"reason": "不符合描述"},
    )
    assert refused.status_code == 403
    assert _shape(refused)["action"] == ["dispute"]
