"""The buy page of a buyer registered abroad: the cross-border terms are shown, and the order is
placed only once they are accepted (the API refuses it the same way)."""

import re

import pytest
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
    assert 'name="cross_border_recipient"' in html
    refused = web.submit(page, form, page=page, headers=EN)
    assert refused.status_code == 422
    refused_html = refused.get_data(as_text=True)
    for field in ("cross_border_terms_accepted", "cross_border_recipient", "usage_note"):
        assert f'id="{field}-error"' in refused_html
    assert not scalars(exchange.app, sa.select(Order.id))
    declared = {
        **form,
        "cross_border_terms_accepted": "true",
        "cross_border_recipient": "Hong Kong Data Analytics Ltd, Hong Kong",
        "usage_note": "Retail site selection in Hong Kong",
    }
    placed = web.submit(page, declared, page=page)
    assert placed.status_code == 302
    assert scalars(exchange.app, sa.select(Order.cross_border_recipient)) == [
        "Hong Kong Data Analytics Ltd, Hong Kong"
    ]


def test_a_mainland_only_listing_shows_no_cross_border_terms(exchange, listing):
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy").get_data(as_text=True)
    assert 'data-testid="cross-border-terms"' not in html


def _cross_border_label(html: str) -> str:
    match = re.search(r'name="cross_border" value="true"[^>]*>\s*([^<]+)</label>', html)
    assert match, "no cross-border checkbox"
    return match.group(1).strip()


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_demand_form_and_the_buy_page_ask_about_use_abroad_alike(exchange, listing, language):
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    headers = {"Accept-Language": language}
    demand_form = web.get("/demands", headers=headers).get_data(as_text=True)
    buy_page = web.get(f"/listings/{listing.id}/buy", headers=headers).get_data(as_text=True)
    assert _cross_border_label(demand_form) == _cross_border_label(buy_page)
