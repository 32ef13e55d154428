"""Races on PostgreSQL between two OS processes: exclusive purchases, duplicate webhooks,
payment and refunds at the same moment. The ledger holds its invariants afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest
import stripe

from market.trading.models import OrderStatus
from tests.conftest import ROOT
from tests.listings import factories as listing_factories
from tests.listings.factories import PRICE
from tests.trading.helpers import (
    WEBHOOK_SECRET,
    balance,
    card_payment_method,
    order_body,
    pay_by_card,
    place,
)


@pytest.fixture(params=["postgresql"])
def engine_kind(request) -> str:
    """These races need two real connections writing at once: PostgreSQL only."""
    return request.param


def race(app, *request_lists: list[dict]) -> list[list[dict]]:
    """Run each request list in its own process, all starting at the same moment."""
    config = {key: app.config[key] for key in (
        "ENV", "SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "SEARCH_URL", "FILES_PATH",
        "MAIL_SINK", "BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_OWNER_TAG",
    )}  # fmt: skip
    config["TESTING"] = True
    start_at = time.time() + 4.0
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.trading.racer",
                json.dumps({"config": config, "start_at": start_at, "requests": requests}),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for requests in request_lists
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def test_two_buyers_racing_for_an_exclusive_licence(exchange, listing_of, db):
    listing = listing_of(plans=[listing_factories.plan(exclusive=True)])
    _org, other = exchange.new_buyer(db)
    body = order_body(listing)
    results = race(
        exchange.app,
        [{"path": "/api/v1/orders", "headers": exchange.buyer_api, "json": body}],
        [{"path": "/api/v1/orders", "headers": other, "json": body}],
    )
    statuses = sorted(result[0]["status"] for result in results)
    assert statuses == [201, 409]


def _signed(event: dict) -> dict:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    return {
        "path": "/webhooks/stripe",
        "headers": {"Stripe-Signature": header, "Content-Type": "application/json"},
        "data": payload,
    }


def test_duplicate_webhooks_and_the_return_path_pay_once(exchange, listing):
    order = place(exchange, listing)
    started = exchange.api("POST", f"/orders/{order['id']}/payments/stripe", exchange.buyer_api)
    intent_id = started.get_json()["payment_intent_id"]
    gateway = exchange.app.extensions["payments"]
    gateway.confirm_intent(intent_id, card_payment_method(exchange.app))
    intent = gateway.client.v1.payment_intents.retrieve(intent_id).to_dict()
    event = {"id": "evt_dup", "object": "event", "type": "payment_intent.succeeded",
             "created": int(time.time()), "data": {"object": intent}}  # fmt: skip
    other_event = {**event, "id": "evt_other"}
    refresh = {"path": f"/api/v1/orders/{order['id']}/payments/stripe/refresh",
               "headers": exchange.buyer_api}  # fmt: skip
    results = race(exchange.app, [_signed(event), _signed(other_event)], [_signed(event), refresh])
    assert all(result["status"] < 500 for results_of in results for result in results_of)
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE
    assert balance(exchange.app, "assets:stripe_clearing") == PRICE
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] == OrderStatus.DELIVERED
    assert [p["status"] for p in final["payments"]] == ["succeeded"]


def test_two_refunds_at_once_never_take_more_than_was_paid(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    refund = {
        "path": f"/api/v1/orders/{order['id']}/refunds",
        "json": {"amount_minor": PRICE * 6 // 10, "reason": "race"},
    }
    results = race(
        exchange.app,
        [{**refund, "headers": {**exchange.finance_api, "Idempotency-Key": uuid.uuid4().hex}}],
        [{**refund, "headers": {**exchange.finance_api, "Idempotency-Key": uuid.uuid4().hex}}],
    )
    statuses = sorted(result[0]["status"] for result in results)
    assert statuses == [201, 422]
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE * 4 // 10
