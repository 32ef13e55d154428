"""Helpers for trading tests: Stripe settings, the parties of a trade, placing and paying
orders through the API, signed webhooks and ledger balances."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import stripe

from market.trading import books
from tests import factories

WEBHOOK_SECRET = "whsec_test_trading"
CARD = "4242424242424242"
CARD_3DS = "4000002760003184"


def stripe_config(stripe_url: str) -> dict:
    """Settings pointing the app's Stripe client at localstripe."""
    return {
        "STRIPE_SECRET_KEY": "sk_test_shujiao",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_shujiao",
        "STRIPE_API_BASE": stripe_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_OWNER_TAG": "shujiao-test",
    }


def token_headers(app, db, organisation, scopes, creator=None) -> dict:
    client, secret = factories.api_client(db, organisation, scopes, creator)
    db.commit()
    token = factories.token(app.test_client(), client.client_id, secret, " ".join(scopes))
    return {"Authorization": f"Bearer {token}"}


BUYER_SCOPES = ["orders:read", "orders:write", "deliveries:read", "catalog:read"]


@dataclass
class Exchange:
    """The parties of a trade and their API headers."""

    app: object
    provider: object
    provider_user: object
    buyer: object
    buyer_user: object
    staff: object
    finance_user: object
    provider_api: dict
    buyer_api: dict
    finance_api: dict
    review_api: dict

    def api(self, method: str, path: str, headers: dict, **kwargs):
        """Call the API with ``headers`` (plus any given)."""
        extra = kwargs.pop("extra_headers", {})
        client = self.app.test_client()
        return client.open(f"/api/v1{path}", method=method, headers={**headers, **extra}, **kwargs)

    def new_buyer(self, db, **organisation):
        """Another verified organisation with buyer API headers: ``(organisation, headers)``."""
        user = factories.user(db)
        org = factories.organisation(db, user, **organisation)
        db.commit()
        return org, token_headers(self.app, db, org, BUYER_SCOPES)


def plan_id(listing, index: int = 0) -> int:
    """The id of a listing's live plan."""
    return listing.live_revision.plans[index].id


def order_body(listing, **overrides) -> dict:
    """A JSON order body for the listing's first plan."""
    body = {"plan_id": plan_id(listing), "usage_scenario": "research"}
    body.update(overrides)
    return body


def place(exchange, listing, headers=None, key=None, **overrides):
    """Place an order through the API; the JSON response."""
    response = exchange.api(
        "POST",
        "/orders",
        headers or exchange.buyer_api,
        json=order_body(listing, **overrides),
        extra_headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def card_payment_method(app, number: str = CARD) -> str:
    """A card payment method at localstripe (what Stripe.js makes in the browser)."""
    gateway = app.extensions["payments"]
    card = gateway.client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return card.id


def pay_by_card(exchange, order_id: int, headers=None) -> dict:
    """Start the order's intent, confirm it as Stripe.js would, then let the server look."""
    headers = headers or exchange.buyer_api
    started = exchange.api("POST", f"/orders/{order_id}/payments/stripe", headers)
    assert started.status_code == 201, started.get_json()
    intent_id = started.get_json()["payment_intent_id"]
    exchange.app.extensions["payments"].confirm_intent(intent_id, card_payment_method(exchange.app))
    refreshed = exchange.api("POST", f"/orders/{order_id}/payments/stripe/refresh", headers)
    assert refreshed.status_code == 200, refreshed.get_json()
    return refreshed.get_json()


def pay_by_bank(exchange, order: dict, amount: int | None = None, txn: str | None = None):
    """Finance records a bank receipt for the order's reference; the response."""
    return exchange.api(
        "POST",
        "/finance/bank-receipts",
        exchange.finance_api,
        json={
            "reference": order["reference"],
            "amount_minor": order["price_minor"] if amount is None else amount,
            "currency": order["currency"],
            "bank_transaction_id": txn or uuid.uuid4().hex[:20],
            "payer_name": "测试买方",
        },
    )


def signed_webhook(app, event_type: str, stripe_object: dict, event_id: str | None = None):
    """POST a Stripe event signed with the webhook secret, as Stripe would."""
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "livemode": False,
        "created": int(time.time()),
        "data": {"object": stripe_object},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    return app.test_client().post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def balance(app, account: str, currency: str = "CNY") -> int:
    """An account's posted balance (0 if never used)."""
    with app.extensions["db"].unit_of_work() as session:
        return books.balance(session, account, currency)


def scalars(app, statement) -> list:
    """Rows of a query, read in a unit of work of its own (the test's ``db`` would hold
    SQLite's writer lock while requests run)."""
    with app.extensions["db"].unit_of_work() as session:
        return list(session.scalars(statement))
