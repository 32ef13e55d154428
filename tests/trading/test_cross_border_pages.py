"""The buy page of a buyer registered abroad: the cross-border terms are shown, and the order is
placed only once they are accepted (the API refuses it the same way)."""

import sqlalchemy as sa

from market.trading.models import Order
from tests import factories
from tests.listings import factories as listing_factories
from tests.trading.helpers import scalars
from tests.web import WebClient

EN = {"Accept-Language": "en"}


def test_a_hong_kong_buyer_accepts_the_cross_border_terms_on_the_page(exchange, listing_of, db):
    user = factories.user(db)
    buyer = factories.organisation(db, user, jurisdiction="HK", registration_number="CR-9")
    db.commit()
    listing = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=listing_factories.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕7号"
        ),
    )
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    page = f"/listings/{listing.id}/buy"
    html = web.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="cross-border-terms"' in html
    assert 'data-testid="cross-border-abroad"' in html
    assert "Standard contract filing (粤网信备〔2026〕7号)" in html
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(buyer.id),
        "usage_scenario": "research",
    }
    refused = web.submit(page, form, page=page, headers=EN)
    assert refused.status_code == 422
    assert 'id="cross_border_terms_accepted-error"' in refused.get_data(as_text=True)
    assert not scalars(exchange.app, sa.select(Order.id))
    placed = web.submit(page, {**form, "cross_border_terms_accepted": "true"}, page=page)
    assert placed.status_code == 302
    assert scalars(exchange.app, sa.select(Order.cross_border)) == [True]


def test_a_mainland_only_listing_shows_no_cross_border_terms(exchange, listing):
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy").get_data(as_text=True)
    assert 'data-testid="cross-border-terms"' not in html
