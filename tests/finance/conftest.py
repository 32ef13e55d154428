"""Finance fixtures: a finance staff client and a few real ledger entries."""

import pytest

import ledger
from ledger import credit, debit, post
from market.db import utcnow
from market.finance import inputs
from market.identity.models import StaffRole
from market.payments.gateway import Intent
from market.trading import orders, payments
from market.trading.settings import from_config
from tests import factories
from tests.listings import factories as listing_factories
from tests.listings.factories import PRICE


@pytest.fixture
def books(db):
    """Three entries: a card payment into escrow, its settlement, and a Stripe fee."""
    post(
        db,
        "pay:1",
        [
            debit("assets:stripe_clearing", 10_000, "CNY"),
            credit("liabilities:escrow:order:1", 10_000, "CNY"),
        ],
        description="order 1 paid by card",
        metadata={"order_id": 1},
    )
    post(
        db,
        "settle:1",
        [
            debit("liabilities:escrow:order:1", 10_000, "CNY"),
            credit("liabilities:provider_payable:org:7", 9_500, "CNY"),
            credit("revenue:platform_fees", 500, "CNY"),
        ],
        description="order 1 settled",
    )
    post(
        db,
        "fee:1",
        [debit("expenses:payment_fees", 320, "CNY"), credit("assets:stripe_clearing", 320, "CNY")],
        description="Stripe fee for order 1",
    )
    db.commit()


@pytest.fixture
def finance_token(app, db):
    """A bearer token with finance:read and finance:write from the operator's finance staff."""
    staff = factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    operator = factories.organisation(db, staff, is_operator=True)
    client, secret = factories.api_client(db, operator, ["finance:read", "finance:write"])
    db.commit()
    return factories.token(app.test_client(), client.client_id, secret)


class Finance:
    """Two finance users of the operator, each with an API client, and providers owed money."""

    def __init__(self, app, db):
        self.app = app
        self.first = factories.user(db, staff=(StaffRole.FINANCE,), name="Finance A")
        self.second = factories.user(db, staff=(StaffRole.FINANCE,), name="Finance B")
        operator = factories.organisation(db, self.first, is_operator=True)
        scopes = ["finance:read", "finance:write"]
        self.headers = []
        for user in (self.first, self.second):
            client, secret = factories.api_client(db, operator, scopes, creator=user)
            db.commit()
            token = factories.token(app.test_client(), client.client_id, secret)
            self.headers.append({"Authorization": f"Bearer {token}"})

    def call(self, method, path, who=0, **kwargs):
        """Call the API as the first (0) or second (1) finance user."""
        return self.app.test_client().open(
            f"/api/v1{path}", method=method, headers=self.headers[who], **kwargs
        )

    def balance(self, account, currency="CNY", available=False):
        """An account's balance (0 if never used)."""
        with self.app.extensions["db"].unit_of_work() as session:
            try:
                found = ledger.balance(session, account, currency)
            except ledger.errors.AccountNotFound:
                return 0
            return found.available if available else found.posted


@pytest.fixture
def finance(app, db):
    """Finance staff of the exchange."""
    return Finance(app, db)


def today():
    """Today at the exchange (UTC+8), the day finance dates statements and receipts by: read
    when used, never once per session, and never the UTC date, which is the day before from
    16:00 to 24:00 UTC."""
    return inputs.today()


class Books:
    """A provider with a published listing, a buyer, finance staff and helpers to trade."""

    def __init__(self, db, store, settings):
        self.db = db
        self.settings = settings
        self.provider = factories.organisation(db)
        self.provider_user = self.provider.memberships[0].user
        self.buyer = factories.organisation(db)
        self.buyer_user = self.buyer.memberships[0].user
        self.staff = factories.user(db, staff=(StaffRole.REVIEWER,))
        self.finance = factories.user(db, staff=(StaffRole.FINANCE,))
        self.listing = listing_factories.published_listing(
            db, store, self.provider, self.provider_user, self.staff
        )
        self.plan_id = self.listing.live_revision.plans[0].id

    def order(self):
        placed, _ = orders.place(
            self.db, self.buyer, self.buyer_user,
            {"plan_id": self.plan_id, "usage_scenario": "research"}, utcnow(),
            self.settings.fee_bps_for, vat_bps=self.settings.vat_bps,
        )  # fmt: skip
        return placed

    def card(self, charge_id: str):
        """An order paid by card, as Stripe reports the intent."""
        placed = self.order()
        intent = Intent(f"pi_{charge_id}", "requires_payment_method", PRICE, "CNY", None, {})
        payments.record_intent(self.db, placed.id, intent, utcnow())
        succeeded = Intent(intent.id, "succeeded", PRICE, "CNY", None, {}, charge_id)
        payments.apply_intent(self.db, succeeded, self.settings, utcnow())
        return placed

    def transfer(self, txn: str, amount: int = PRICE):
        """An order paid by bank transfer, recorded by finance."""
        placed = self.order()
        payments.record_bank_receipt(
            self.db, self.finance,
            {"reference": placed.reference, "amount_minor": amount, "currency": "CNY",
             "bank_transaction_id": txn, "value_date": today()},
            self.settings, utcnow(),
        )  # fmt: skip
        return placed


@pytest.fixture
def trade(db, app):
    """The trading books."""
    made = Books(db, app.extensions["files"], from_config(app.config))
    db.commit()
    return made
