"""A listing cites a valuation report: it must be a final report of the same asset, and
compliance review checks it still verifies; the listing then shows the range."""

from __future__ import annotations

from datetime import timedelta

import pytest

from market.db import utcnow
from market.errors import InvalidInput
from market.listings import compliance, listings
from market.listings.indexing import document
from market.registry.models import Industry
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


def test_a_listing_citing_a_final_report_is_appraised(db, store, provider, reviewer, appraiser):
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
