"""Trading fixtures: an exchange with Stripe (localstripe), a published listing, a buyer,
finance and reviewer staff with API tokens — and, after every test, a consistent ledger."""

from __future__ import annotations

import pytest

from ledger.verify import verify
from market.app import create_app
from market.identity.models import MemberRole, Membership, StaffRole
from market.trading import books
from tests import factories
from tests.conftest import app_config
from tests.listings import factories as listing_factories
from tests.registry import factories as registry_factories
from tests.trading.helpers import BUYER_SCOPES, Exchange, stripe_config, token_headers


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
        provider_api=token_headers(app, db, provider, ["orders:read", "orders:write"]),
        buyer_api=token_headers(app, db, buyer, BUYER_SCOPES),
        finance_api=token_headers(
            app, db, operator, ["finance:read", "finance:write"], creator=finance_user
        ),
        review_api=token_headers(app, db, operator, ["review:write"], creator=staff),
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
