"""The compliance checklist names everything it refuses at once, and an exemption from the
cross-border rules is not asked for a filing number it does not have."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.errors import InvalidInput
from market.listings import compliance, listings
from market.listings.models import ListingStatus
from tests.listings import factories as lf


@pytest.fixture
def cross_border(db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["CN", "HK"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    db.commit()
    return listing


def test_every_refusal_is_named_at_once(db, cross_border, staff):
    review = lf.review_data(important_data=True)
    with pytest.raises(InvalidInput) as refused:
        compliance.decide(db, cross_border, staff, review, utcnow())
    assert set(refused.value.errors) == {
        "important_data_note",
        "cross_border_pathway",
        "cross_border_evidence",
    }


def test_an_exemption_needs_no_filing_number(db, cross_border, staff):
    review = lf.review_data(cross_border_pathway="exempt")
    compliance.decide(db, cross_border, staff, review, utcnow())
    assert cross_border.status == ListingStatus.PUBLISHED


def test_the_review_page_shows_every_refusal_and_keeps_the_pathway(client, db, cross_border, staff):
    client.log_in(staff.email)
    path = f"/review/listings/{cross_border.id}"
    form = {
        "decision": "approved",
        "personal_info": "none",
        "important_data": "true",
        "cross_border_pathway": "standard_contract",
    }
    response = client.submit(path, form, page=path)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="important_data_note-error"' in html
    assert 'id="cross_border_evidence-error"' in html
    assert 'id="cross_border_pathway-error"' in html  # important data needs an assessment
    assert '<option value="standard_contract" selected>' in html
