"""Trading fixtures: an exchange with Stripe (localstripe), a published listing, a buyer,
finance and reviewer staff with API tokens — and, after every test, a consistent ledger."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import pytest
import stripe

from ledger.verify import verify
from market import worker
from market.app import create_app
from market.identity.models import MemberRole, Membership, StaffRole
from market.trading import books
from tests import factories
from tests.conftest import app_config
from tests.listings import factories as listing_factories
from tests.registry import factories as registry_factories

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


@pytest.fixture
def trading_config() -> dict:
    """Extra settings for a test's app (override in a module to change them)."""
    return {}


@pytest.fixture
def app(migrated_database_url, tmp_path, stripe_url, trading_config):
    """The application with Stripe pointed at localstripe."""
    config = app_config(
        migrated_database_url, tmp_path / "instance", **stripe_config(stripe_url), **trading_config
    )
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture(autouse=True)
def ledger_consistent(app):
    """After every trading test: every ledger invariant holds and finished orders' escrow is 0."""
    yield
    with app.extensions["db"].unit_of_work() as session:
        report = verify(session, settled_escrows=books.settled_escrow_accounts(session))
    assert report.ok, report.format()


@pytest.fixture
def store(app):
    """The app's file store."""
    return app.extensions["files"]


@pytest.fixture
def drain(app):
    """Run the worker until the outbox has nothing due."""

    def run() -> int:
        total = 0
        while handled := worker.run_once(app):
            total += handled
        return total

    return run


def _token(app, db, organisation, scopes, creator=None) -> dict:
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
        return org, _token(self.app, db, org, BUYER_SCOPES)


@pytest.fixture
def exchange(app, db) -> Exchange:
    """A provider, a buyer, a reviewer and finance staff of the operator, with API tokens."""
    provider, provider_user = registry_factories.provider(db)
    buyer_user = factories.user(db)
    buyer = factories.organisation(db, buyer_user)
    staff = factories.user(db, staff=(StaffRole.REVIEWER,), name="Reviewer")
    finance_user = factories.user(db, staff=(StaffRole.FINANCE,), name="Finance")
    operator = factories.organisation(db, staff, is_operator=True)
    operator.memberships.append(Membership(user=finance_user, role=MemberRole.MEMBER))
    db.commit()
    return Exchange(
        app=app,
        provider=provider,
        provider_user=provider_user,
        buyer=buyer,
        buyer_user=buyer_user,
        staff=staff,
        finance_user=finance_user,
        provider_api=_token(app, db, provider, ["orders:read", "orders:write"]),
        buyer_api=_token(app, db, buyer, BUYER_SCOPES),
        finance_api=_token(
            app, db, operator, ["finance:read", "finance:write"], creator=finance_user
        ),
        review_api=_token(app, db, operator, ["review:write"], creator=staff),
    )


@pytest.fixture
def listing_of(db, store, exchange):
    """Factory: a published listing of the provider (``listing_data`` overrides)."""

    def make(**overrides):
        listing = listing_factories.published_listing(
            db, store, exchange.provider, exchange.provider_user, exchange.staff, **overrides
        )
        db.commit()
        return listing

    return make


@pytest.fixture
def listing(listing_of):
    """A published file listing with one one-time plan at ¥4,800.00."""
    return listing_of()


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
