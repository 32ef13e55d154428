"""Finance fixtures: a finance staff client and a few real ledger entries."""

import pytest

from ledger import credit, debit, post
from market.identity.models import StaffRole
from tests import factories


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
