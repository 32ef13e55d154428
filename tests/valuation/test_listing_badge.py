"""A listing cites a valuation report: it must be a final report of the same asset, and
compliance review checks it still verifies; the listing then shows the range."""

from __future__ import annotations

from datetime import timedelta

import pytest

from market.db import utcnow
from market.errors import InvalidInput
from market.listings import compliance, listings
from market.listings.indexing import document
from market.listings.models import DeliveryMethod, UsageScenario
from market.registry.models import Industry
from market.trading import comparables
from market.trading.models import Order, OrderStatus
from market.valuation import schemas, services
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.valuation.test_api import INPUTS


def _final_report(db, asset, owner, appraiser):
    now = utcnow()
    report = services.request(
        db, [asset.organisation_id], owner, {"asset_id": asset.id, "purpose": "trading"}, now
    )
    services.take(db, report, appraiser, now)
    inputs = schemas.InputsSchema()
    services.save_inputs(db, report, appraiser, inputs.dump(inputs.load(INPUTS)))
    services.run(db, report, appraiser, now)
    services.finalise(db, report, appraiser, now)
    return report


@pytest.fixture
def provider(db):
    return rf.provider(db)


@pytest.fixture
def reviewer(db):
    return rf.reviewer(db)


def _asset(db, store, provider, reviewer):
    organisation, owner = provider
    return lf.certified_asset(db, store, organisation, owner, reviewer, industry=Industry.TRANSPORT)


def test_a_listing_citing_a_final_report_is_appraised(
    db, store, provider, reviewer, appraiser, client
):
    organisation, owner = provider
    asset = _asset(db, store, provider, reviewer)
    report = _final_report(db, asset, owner, appraiser)
    data = lf.loaded(lf.listing_data(asset.id, valuation_report_number=report.number.lower()))
    listing = listings.create_listing(db, organisation.id, owner, data, utcnow())
    listings.submit(db, listing, owner, utcnow())
    compliance.decide(db, listing, reviewer, lf.review_data(), utcnow() + timedelta(seconds=1))
    revision = listing.live_revision
    assert revision.valuation_report_number == report.number
    assert document(listing, utcnow())["appraised"] is True
    db.commit()
    # A buyer follows the badge to the report's public verification.
    page = client.get(f"/market/listings/{listing.id}").get_data(as_text=True)
    assert f'href="/verify/valuations/{report.number}"' in page


@pytest.mark.parametrize("number", ["SZDX-V-2026-999999", "free text"])
def test_an_unknown_number_is_refused(db, store, provider, reviewer, number):
    organisation, owner = provider
    asset = _asset(db, store, provider, reviewer)
    data = lf.loaded(lf.listing_data(asset.id, valuation_report_number=number))
    with pytest.raises(InvalidInput) as raised:
        listings.create_listing(db, organisation.id, owner, data, utcnow())
    assert raised.value.field == "valuation_report_number"


def test_another_assets_report_is_refused(db, store, provider, reviewer, appraiser):
    organisation, owner = provider
    valued = _asset(db, store, provider, reviewer)
    report = _final_report(db, valued, owner, appraiser)
    other = _asset(db, store, provider, reviewer)
    data = lf.loaded(lf.listing_data(other.id, valuation_report_number=report.number))
    with pytest.raises(InvalidInput) as raised:
        listings.create_listing(db, organisation.id, owner, data, utcnow())
    assert raised.value.field == "valuation_report_number"


def test_compliance_review_refuses_a_report_that_no_longer_verifies(
    db, store, provider, reviewer, appraiser
):
    organisation, owner = provider
    asset = _asset(db, store, provider, reviewer)
    report = _final_report(db, asset, owner, appraiser)
    data = lf.loaded(lf.listing_data(asset.id, valuation_report_number=report.number))
    listing = listings.create_listing(db, organisation.id, owner, data, utcnow())
    listings.submit(db, listing, owner, utcnow())
    report.results = {**report.results, "high": report.results["high"] * 10}
    db.flush()
    with pytest.raises(InvalidInput) as raised:
        compliance.decide(db, listing, reviewer, lf.review_data(), utcnow() + timedelta(seconds=1))
    assert raised.value.field == "valuation_report_number"
    assert listing.live_revision is None


def _order(db, listing, buyer, status, settled_at, price, currency="CNY"):
    revision = listing.live_revision
    plan = revision.plans[0]
    order = Order(
        buyer_organisation_id=buyer.id,
        provider_organisation_id=listing.organisation_id,
        placed_by_id=buyer.memberships[0].user_id,
        listing_id=listing.id,
        revision_id=revision.id,
        plan_id=plan.id,
        status=status,
        usage_scenario=UsageScenario.RESEARCH,
        terms=revision.terms,
        plan_snapshot={},
        delivery_method=DeliveryMethod.DOWNLOAD,
        category=Industry.TRANSPORT,
        price_minor=price,
        currency=currency,
        fee_bps=500,
        settled_at=settled_at,
    )
    db.add(order)
    db.flush()
    return order


def test_the_exchanges_settled_trades_are_offered_as_comparables(
    db, store, provider, reviewer, appraiser
):
    organisation, owner = provider
    listing = lf.published_listing(db, store, organisation, owner, reviewer)
    buyer, _buyer_user = rf.provider(db)
    now = utcnow()
    recent = _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=30), 700_000)
    _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=90), 500_000)
    _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=800), 900_000)  # too old
    _order(db, listing, buyer, OrderStatus.PAID, None, 800_000)  # not settled
    _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=10), 100, "USD")
    asset = _asset(db, store, provider, reviewer)
    report = services.request(
        db, [organisation.id], owner, {"asset_id": asset.id, "purpose": "trading"}, now
    )
    found = comparables.settled_trades(db, report.asset.industry, report.currency, now)
    assert [(c["price"], c["source"]) for c in found] == [
        (700_000, "exchange"),
        (500_000, "exchange"),
    ]
    assert found[0]["reference"] == f"order:{recent.reference or recent.id}"
