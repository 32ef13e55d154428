"""The buy page of a buyer registered abroad: the cross-border terms are shown, and the order is
placed only once they are accepted (the API refuses it the same way)."""

import re

import pytest
import sqlalchemy as sa

from market.errors import InvalidInput
from market.trading.models import Order
from tests import factories
from tests.listings import factories as listing_factories
from tests.trading.helpers import pay_by_bank, scalars
from tests.web import WebClient, page_text

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


EXEMPT = listing_factories.review_data(
    cross_border_pathway="exempt",
    cross_border_evidence="无个人信息，适用《促进和规范数据跨境流动规定》第三条",
)


def _provider_in(exchange, db, jurisdiction: str) -> None:
    exchange.provider.jurisdiction = jurisdiction
    exchange.provider.credit_code = None
    exchange.provider.registration_number = "CR-1"
    db.commit()


@pytest.mark.parametrize(("provider_in", "buyer_in"), [("MO", "CN"), ("HK", "SG")])
def test_data_from_outside_the_mainland_is_bought_without_an_export_declaration(
    exchange, listing_of, db, provider_in, buyer_in
):
    # Only data leaving the mainland is an outbound transfer (數據出境): a Macao provider's data
    # bought from Shenzhen, or a Hong Kong provider's bought from Singapore, is not one, so the
    # page asks for no pathway, terms or recipient, and the order is placed without them. It
    # is still use outside the provider's jurisdiction, by the buyer's registration alone: the
    # page says so rather than offer a box that changes nothing, and the order records it.
    _provider_in(exchange, db, provider_in)
    user = factories.user(db)
    abroad = {} if buyer_in == "CN" else {"registration_number": "CR-2"}
    buyer = factories.organisation(
        db, user, jurisdiction=buyer_in, name_en="Far Data Ltd", **abroad
    )
    db.commit()
    listing = listing_of(terms=listing_factories.terms(territory=["*"], cross_border=True))
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    page = f"/listings/{listing.id}/buy"
    html = web.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="cross-border-terms"' not in html
    assert "leaves mainland China" not in html and 'name="cross_border_recipient"' not in html
    assert 'data-testid="not-outbound"' in html
    assert 'name="cross_border"' not in html
    assert (
        "This purchase counts as use of the data outside the provider's jurisdiction: "
        "Far Data Ltd is registered in"
    ) in html
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(buyer.id),
        "usage_scenario": "research",
    }
    assert web.submit(page, form, page=page).status_code == 302
    assert scalars(exchange.app, sa.select(Order.cross_border)) == [True]
    assert scalars(exchange.app, sa.select(Order.outbound)) == [False]
    order_id = scalars(exchange.app, sa.select(Order.id))[0]
    order_page = web.get(f"/orders/{order_id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="cross-border-use"' in order_page
    assert 'data-testid="cross-border-recipient"' not in order_page


OUTBOUND_REVIEW = listing_factories.review_data(
    cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕9号"
)
DECLARATION = {
    "cross_border_terms_accepted": True,
    "cross_border_recipient": "Far Data Ltd, abroad",
    "usage_note": "Research abroad",
}


@pytest.mark.parametrize(
    ("provider_in", "buyer_in", "cross_border", "outbound"),
    [
        ("CN", "HK", True, True),
        ("CN", "SG", True, True),
        ("HK", "CN", True, False),
        ("MO", "CN", True, False),
        ("HK", "MO", True, False),
        ("MO", "HK", True, False),
        ("HK", "SG", True, False),
        ("HK", "HK", False, False),
        ("CN", "CN", False, False),
    ],
)
def test_the_page_and_the_api_agree_on_whether_an_order_is_cross_border(
    exchange, listing_of, db, provider_in, buyer_in, cross_border, outbound
):
    if provider_in != "CN":
        _provider_in(exchange, db, provider_in)
    abroad = {} if buyer_in == "CN" else {"registration_number": "CR-4"}
    buyer, headers = exchange.new_buyer(db, jurisdiction=buyer_in, **abroad)
    listing = listing_of(
        terms=listing_factories.terms(territory=["*"], cross_border=True),
        review=OUTBOUND_REVIEW if provider_in == "CN" else None,
    )
    web = WebClient(exchange.app)
    web.log_in(buyer.memberships[0].user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy", headers=EN).get_data(as_text=True)
    # Abroad by registration: said, not asked; at home: the box is the buyer's to tick.
    assert ('data-testid="cross-border-by-registration"' in html) is cross_border
    assert ('name="cross_border"' in html) is not cross_border
    # A mainland provider's terms and export declaration are offered to any buyer who may
    # take its data out (by ticking the box, if not by registration); no one else's are.
    assert ('name="cross_border_recipient"' in html) is (provider_in == "CN")
    body = {"plan_id": listing.live_revision.plans[0].id, "usage_scenario": "research"}
    answer = exchange.api("POST", "/orders", headers, json={**body, **DECLARATION})
    assert answer.status_code == 201, answer.get_json()
    order = answer.get_json()
    assert (order["cross_border"], order["outbound"]) == (cross_border, outbound)
    assert (order["cross_border_recipient"] is not None) is outbound


def test_a_mainland_provider_s_page_says_nothing_of_data_from_outside(exchange, listing):
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy").get_data(as_text=True)
    assert 'data-testid="not-outbound"' not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Exempt (no personal information: Article 3 of the Provisions on Promoting"),
        ("zh-HK", "豁免 (無個人資料，適用《促進和規範數據跨境流動規定》第三條)"),
    ],
)
def test_the_exemption_s_evidence_is_in_the_page_s_language(
    exchange, listing_of, db, language, words
):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="HK", registration_number="CR-3")
    db.commit()
    listing = listing_of(
        terms=listing_factories.terms(territory=["*"], cross_border=True), review=EXEMPT
    )
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy", headers={"Accept-Language": language})
    assert words in html.get_data(as_text=True)
    assert "无个人信息" not in html.get_data(as_text=True)


def test_a_buyer_outside_a_mainland_only_licence_is_told_before_the_form(exchange, listing, db):
    user = factories.user(db)
    buyer = factories.organisation(
        db, user, jurisdiction="SG", registration_number="SG-1", name_en="Lion Data Pte Ltd"
    )
    db.commit()
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    page = f"/listings/{listing.id}/buy"
    html = web.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="buy-outside-licence"' in html
    assert "allows use only in Mainland China: it cannot buy this listing." in html
    assert 'data-testid="buy-form"' not in html
    # Not a dead end: the way back to the listing, and a demand to post instead.
    ways = html.split('data-testid="buy-outside-licence-ways"')[1].split("</ul>")[0]
    assert f'href="/market/listings/{listing.id}"' in ways and "/demands#post-demand" in ways
    # Sent anyway, the order is refused in a sentence naming the field.
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(buyer.id),
        "usage_scenario": "research",
    }
    refused = web.submit(page, form, page=page, headers=EN)
    assert refused.status_code == 422
    assert (
        "The licence does not allow use outside the provider&#39;s jurisdiction."
        in refused.get_data(as_text=True)
    )
    assert not scalars(exchange.app, sa.select(Order.id))


@pytest.mark.parametrize(
    ("language", "words", "not_words"),
    [
        ("en", "e.g. a business licence or Business Registration Certificate", None),
        ("zh-HK", "機構的登記證明，如營業執照或商業登記證", "（營業執照和聯繫人）"),
    ],
)
def test_a_user_without_an_organisation_is_asked_for_its_registration_document(
    exchange, listing, db, language, words, not_words
):
    user = factories.user(db)
    db.commit()
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy", headers={"Accept-Language": language})
    text = html.get_data(as_text=True)
    assert words in text
    assert not_words is None or not_words not in text


def test_the_listing_page_tells_a_barred_buyer_before_the_buy_button(exchange, listing, db):
    user = factories.user(db)
    factories.organisation(
        db, user, jurisdiction="SG", registration_number="SG-2", name_en="Merlion Data Pte Ltd"
    )
    db.commit()
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    html = web.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="buy-outside-licence"' in html
    assert (
        "Merlion Data Pte Ltd is registered in Singapore, outside the provider's jurisdiction, "
        "and this listing's licence allows use only in Mainland China"
    ) in html
    assert 'data-testid="buy"' not in html
    ways = html.split('data-testid="buy-outside-licence-ways"')[1].split("</ul>")[0]
    assert 'href="/market"' in ways and "/demands#post-demand" in ways


def test_the_listing_page_tells_an_unverified_buyer_why_it_cannot_buy(exchange, listing, db):
    user = factories.user(db)
    pending = factories.organisation(db, user, verified=False)
    db.commit()
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    html = web.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="buy-needs-verification"' in html
    assert f'href="/organisations/{pending.id}/verification"' in html
    assert 'data-testid="buy"' not in html


def test_the_listing_page_offers_the_buy_button_to_who_may_buy(exchange, listing_of, db):
    listing = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=OUTBOUND_REVIEW,
    )
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="HK", registration_number="CR-8")
    db.commit()
    for signed_in in (exchange.buyer_user.email, user.email, None):
        web = WebClient(exchange.app)
        if signed_in:
            web.log_in(signed_in, factories.PASSWORD)
        html = web.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True)
        assert 'data-testid="buy"' in html
        assert 'data-testid="buy-outside-licence"' not in html
        assert 'data-testid="buy-needs-organisation"' not in html


def test_a_hong_kong_licence_for_use_at_home_bars_a_mainland_buyer(exchange, listing_of, db):
    # Home is the provider's jurisdiction: Hong Kong only needs no cross-border use, and keeps
    # a mainland buyer out as a mainland-only licence keeps out a Hong Kong one.
    _provider_in(exchange, db, "HK")
    listing = listing_of(terms=listing_factories.terms(territory=["HK"]))
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/listings/{listing.id}/buy", headers=EN).get_data(as_text=True)
    assert "allows use only in Hong Kong, China: it cannot buy this listing." in html
    assert 'data-testid="buy-form"' not in html
    listing_page = web.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True)
    assert "<td>Hong Kong, China only</td>" in listing_page
    assert "Mainland China only" not in listing_page


def test_a_licence_beyond_the_provider_s_jurisdiction_must_allow_cross_border_use(
    exchange, listing_of, db
):
    _provider_in(exchange, db, "HK")
    with pytest.raises(InvalidInput) as refused:
        listing_of(terms=listing_factories.terms(territory=["CN"]))
    assert refused.value.field == "terms.territory"


def test_a_buyer_outside_the_licence_s_territory_cannot_buy_though_it_allows_cross_border(
    exchange, listing_of, db
):
    # Cross-border use allowed, but only in the mainland and Hong Kong: a Singapore buyer,
    # registered outside both, is told so before the Buy button and the form, and refused if
    # it orders anyway; a Hong Kong buyer may buy.
    listing = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=OUTBOUND_REVIEW,
    )
    user = factories.user(db)
    factories.organisation(
        db, user, jurisdiction="SG", registration_number="SG-9", name_en="Strait Data Pte Ltd"
    )
    db.commit()
    web = WebClient(exchange.app)
    web.log_in(user.email, factories.PASSWORD)
    told = (
        "Strait Data Pte Ltd is registered in Singapore, outside the provider's jurisdiction, "
        "and this listing's licence allows use only in Mainland China and Hong Kong: it "
        "cannot buy this listing."
    )
    for page in (f"/market/listings/{listing.id}", f"/listings/{listing.id}/buy"):
        html = web.get(page, headers=EN).get_data(as_text=True)
        assert 'data-testid="buy-outside-licence"' in html, page
        assert told in html, page
        assert 'data-testid="buy"' not in html and 'data-testid="buy-form"' not in html
    _singapore, headers = exchange.new_buyer(db, jurisdiction="SG", registration_number="SG-10")
    body = {"plan_id": listing.live_revision.plans[0].id, "usage_scenario": "research"}
    refused = exchange.api("POST", "/orders", headers, json={**body, **DECLARATION})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "cross_border": [
            "The licence's territory does not include where the buying organisation is registered."
        ]
    }
    assert not scalars(exchange.app, sa.select(Order.id))
    _hong_kong, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-19")
    assert exchange.api("POST", "/orders", headers, json={**body, **DECLARATION}).status_code == 201


def test_a_provider_is_told_before_the_form_that_it_cannot_buy_its_own_listing(exchange, listing):
    web = WebClient(exchange.app)
    web.log_in(listing.organisation.memberships[0].user.email, factories.PASSWORD)
    name = listing.organisation.name_en
    for page in (f"/market/listings/{listing.id}", f"/listings/{listing.id}/buy"):
        html = web.get(page, headers=EN).get_data(as_text=True)
        assert 'data-testid="buy-own-listing"' in html, page
        assert (
            f"This listing is {name}&#39;s own" in html or f"This listing is {name}'s own" in html
        )
        assert 'data-testid="buy"' not in html and 'data-testid="buy-form"' not in html
        assert 'data-testid="buy-needs-organisation"' not in html


def test_the_receipt_says_what_the_order_was_bought_for_and_who_receives_it(
    exchange, listing_of, db
):
    buyer, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-5")
    listing = listing_of(
        terms=listing_factories.terms(territory=["*"], cross_border=True), review=OUTBOUND_REVIEW
    )
    body = {"plan_id": listing.live_revision.plans[0].id, "usage_scenario": "research"}
    order = exchange.api("POST", "/orders", headers, json={**body, **DECLARATION}).get_json()
    paid = pay_by_bank(exchange, order)
    assert paid.status_code in (200, 201), paid.get_json()
    web = WebClient(exchange.app)
    web.log_in(buyer.memberships[0].user.email, factories.PASSWORD)
    order_page = web.get(f"/orders/{order['id']}", headers=EN).get_data(as_text=True)
    receipt = web.get(f"/orders/{order['id']}/receipt", headers=EN).get_data(as_text=True)
    for testid, said in (
        ("order-usage", "Research abroad"),
        ("cross-border-recipient", "Far Data"),
    ):
        shown = _cell(order_page, testid)
        assert said in shown
        assert _cell(receipt, testid) == shown


def _cell(page: str, testid: str) -> str:
    return page_text(page.split(f'data-testid="{testid}">', 1)[1].split("</td>", 1)[0])
