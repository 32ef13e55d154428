"""Demands are matched with listings after commit (search plus rules); providers are told."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.listings import demands
from market.listings.models import DemandMatch, DemandStatus, Notification, Plan
from market.listings.schemas import DemandInputSchema
from tests import factories
from tests.listings import factories as lf
from tests.web import WebClient, page_text


@pytest.fixture
def listing(db, store, provider, staff, drain):
    """A published, indexed transport listing at ¥4,800."""
    published = lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    return published


EN = {"Accept-Language": "en"}


def _post(db, organisation, **overrides):
    data = {
        "title": "深圳公交刷卡数据",
        "need": "线网优化研究",
        "category": "transport",
        "budget_minor": 5_000_000,
        "currency": "CNY",
        "deadline": (utcnow() + timedelta(days=30)).date().isoformat(),
        "usage_scenario": "research",
    }
    data.update(overrides)
    user = organisation.memberships[0].user
    demand = demands.post(db, organisation.id, user, DemandInputSchema().load(data), utcnow())
    db.commit()
    return demand


def test_a_demand_within_budget_is_matched_and_the_provider_told(db, listing, drain):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    assert db.scalars(sa.select(DemandMatch.listing_id)).all() == [listing.id]
    told = db.scalars(
        sa.select(Notification.organisation_id).where(Notification.kind == "demand.matched")
    )
    assert list(told) == [listing.organisation_id]
    assert demand.id


def _mails(app, to: str) -> list:
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"].lower() == to.lower():
            found.append(message)
    return found


def test_a_provider_with_several_matching_listings_gets_one_mail_naming_them(
    app, db, store, provider, staff, drain
):
    titles = ["公交刷卡甲", "公交刷卡乙", "公交刷卡丙"]
    for title in titles:
        lf.published_listing(db, store, *provider, staff, title_zh=title)
    db.commit()
    drain()
    _post(db, factories.organisation(db), title="深圳公交刷卡数据")
    drain()
    told = db.scalars(sa.select(Notification).where(Notification.kind == "demand.matched"))
    assert len(told.all()) == 1
    mails = [m for m in _mails(app, provider[1].email) if "求购" in m["Subject"]]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "3 个挂牌" in body and all(title in body for title in titles)


@pytest.mark.parametrize(
    "overrides",
    [{"budget_minor": 100_000}, {"usage_scenario": "marketing"}, {"cross_border": True}],
)
def test_listings_that_do_not_fit_the_rules_are_not_matched(db, listing, drain, overrides):
    _post(db, factories.organisation(db), **overrides)
    drain()
    assert db.scalar(sa.select(sa.func.count()).select_from(DemandMatch)) == 0


def test_a_buyer_outside_the_mainland_needs_cross_border_terms(db, listing, drain):
    _post(db, factories.organisation(db, jurisdiction="SG", registration_number="201912345K"))
    drain()
    assert db.scalar(sa.select(sa.func.count()).select_from(DemandMatch)) == 0


@pytest.mark.parametrize(
    ("provider_in", "buyer_in", "matched"), [("HK", "HK", True), ("MO", "CN", False)]
)
def test_cross_border_terms_follow_the_provider_s_jurisdiction_not_the_mainland(
    db, store, staff, drain, provider_in, buyer_in, matched
):
    # A Hong Kong buyer of a Hong Kong provider's data uses it at home; a mainland buyer of a
    # Macao provider's data uses it outside the provider's jurisdiction.
    owner = factories.user(db)
    home = factories.organisation(db, owner, jurisdiction=provider_in, registration_number="P-1")
    lf.published_listing(db, store, home, owner, staff, terms=lf.terms(territory=[provider_in]))
    db.commit()
    drain()
    abroad = {} if buyer_in == "CN" else {"registration_number": "B-1"}
    _post(db, factories.organisation(db, jurisdiction=buyer_in, **abroad))
    drain()
    assert (db.scalar(sa.select(sa.func.count()).select_from(DemandMatch)) == 1) is matched


@pytest.mark.parametrize(("buyer_in", "matched"), [("HK", True), ("SG", False)])
def test_a_buyer_outside_the_licence_s_territory_is_not_matched(
    db, store, provider, staff, drain, buyer_in, matched
):
    # Cross-border use allowed in the mainland and Hong Kong only: a Singapore buyer could
    # not buy it, so its demand is not matched to it.
    terms = lf.terms(territory=["CN", "HK"], cross_border=True)
    review = lf.review_data(
        cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕2号"
    )
    lf.published_listing(db, store, *provider, staff, terms=terms, review=review)
    db.commit()
    drain()
    _post(db, factories.organisation(db, jurisdiction=buyer_in, registration_number="B-2"))
    drain()
    assert (db.scalar(sa.select(sa.func.count()).select_from(DemandMatch)) == 1) is matched


def _provider_page_client(client, listing):
    client.log_in(listing.organisation.memberships[0].user.email)
    return client


def test_a_matched_provider_answers_with_a_private_offer_on_the_page(client, db, listing, drain):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    form = {
        "name_zh": "专属报价",
        "name_en": "Private offer",
        "price": "4500.50",
        "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(),
    }
    response = client.submit(f"{page}/offers", form, page=page)
    assert response.status_code == 302
    db.expire_all()
    offer = db.scalar(sa.select(Plan).where(Plan.demand_id == demand.id))
    assert (offer.price_minor, offer.currency) == (450_050, "CNY")
    assert offer.buyer_organisation_id == buyer.id


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ("-1", "price"),
        ("12.345", "price"),
        ("lots", "price"),
        # Beyond the limit every other door applies (10^17 minor units).
        ("1000000000000000", "price"),
        ("1e30", "price"),
    ],
)
def test_a_bad_offer_price_is_refused_naming_the_field(client, db, listing, drain, price, field):
    demand = _post(db, factories.organisation(db))
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    form = {
        "name_zh": "报价",
        "name_en": "Offer",
        "price": price,
        "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(),
    }
    response = client.submit(f"{page}/offers", form, page=page)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert (
        db.scalar(sa.select(sa.func.count()).select_from(Plan).where(Plan.demand_id.is_not(None)))
        == 0
    )


def test_an_offer_reports_every_wrong_field_at_once(client, db, listing, drain):
    demand = _post(db, factories.organisation(db))
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    form = {"name_zh": "报价", "name_en": "Offer", "price": "0", "expires_on": "2020-01-01"}
    response = client.submit(f"{page}/offers", form, page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="price-error"' in html and 'id="expires_on-error"' in html
    assert "专属报价的有效期必须在未来" in html


def test_the_offer_form_names_the_demands_currency_in_words(client, db, listing, drain):
    demand = _post(db, factories.organisation(db))
    drain()
    _provider_page_client(client, listing)
    html = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "价格（人民币）" in html and "（CNY）" not in html


def test_providers_without_a_match_cannot_answer(client, db, listing, drain):
    demand = _post(db, factories.organisation(db))
    drain()
    factories.user(db, "stranger@example.cn")
    db.commit()
    client.log_in("stranger@example.cn")
    page = f"/demands/{demand.id}"
    form = {"name_zh": "报价", "name_en": "Offer", "price": "1", "expires_on": "2030-01-01"}
    assert client.submit(f"{page}/offers", form, page=page).status_code == 404


def test_the_worker_closes_a_demand_when_its_deadline_day_is_over(app, db, listing, drain):
    demand = _post(db, factories.organisation(db))
    drain()
    assert not demands.expire(db, demand.id, utcnow())  # not yet
    later = demands.deadline_end(demand) + timedelta(seconds=1)
    assert demands.expire(db, demand.id, later)
    db.commit()
    assert demand.status == DemandStatus.CLOSED


def test_a_closed_demand_takes_no_offers(client, db, listing, drain):
    demand = _post(db, factories.organisation(db))
    drain()
    demands.close(db, demand)
    db.commit()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    form = {
        "name_zh": "报价",
        "name_en": "Offer",
        "price": "1",
        "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(),
    }
    assert client.submit(f"{page}/offers", form, page=page).status_code == 409


def _offer_form(**overrides):
    form = {
        "name_zh": "报价",
        "name_en": "Offer",
        "price": "4500",
        "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(),
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "0"}, "price", "The amount must be between 0.01 and 100,000,000,000."),
        ({"price": "HK$28,000"}, "price", "This amount is written in HK$; enter it in CNY."),
        (
            {"expires_on": (utcnow() - timedelta(days=2)).date().isoformat()},
            "expires_on",
            "A private offer must expire in the future.",
        ),
    ],
)
def test_an_offer_the_buyer_could_not_take_is_refused_on_the_page(
    client, db, listing, drain, overrides, field, message
):
    demand = _post(db, factories.organisation(db))
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    answered = client.submit(f"{page}/offers", _offer_form(**overrides), page=page)
    assert answered.status_code == 422
    html = answered.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'aria-invalid="true"' in html
    db.rollback()
    assert not db.scalars(sa.select(Plan.id).where(Plan.demand_id == demand.id)).all()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_minor": 0}, "price_minor"),
        ({"expires_on": (utcnow() - timedelta(days=2)).date().isoformat()}, "expires_on"),
    ],
)
def test_the_api_refuses_the_same_offers(client, db, listing, drain, bearer, overrides, field):
    demand = _post(db, factories.organisation(db))
    drain()
    headers = bearer(listing.organisation, ["catalog:write"])
    offer = {"name_zh": "报价", "name_en": "Offer", "price_minor": 450_050,
             "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(), **overrides}  # fmt: skip
    answered = client.raw.post(f"/api/v1/demands/{demand.id}/offers", json=offer, headers=headers)
    assert answered.status_code == 422
    assert field in str(answered.get_json())


def test_a_matched_provider_answers_through_the_api(client, db, listing, drain, bearer):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    headers = bearer(listing.organisation, ["catalog:write"])
    offer = {"name_zh": "专属报价", "name_en": "Private offer", "price_minor": 450_050,
             "expires_on": (utcnow() + timedelta(days=10)).date().isoformat()}  # fmt: skip
    answered = client.raw.post(f"/api/v1/demands/{demand.id}/offers", json=offer, headers=headers)
    assert answered.status_code == 201, answered.get_json()
    body = answered.get_json()
    assert (body["price_minor"], body["currency"]) == (450_050, "CNY")
    assert body["buyer_organisation_id"] == buyer.id
    stranger = bearer(factories.organisation(db), ["catalog:write"])
    refused = client.raw.post(f"/api/v1/demands/{demand.id}/offers", json=offer, headers=stranger)
    assert refused.status_code == 404


def test_a_private_offer_is_shown_to_its_buyer_and_no_one_else(app, client, db, listing, drain):
    buyer = factories.organisation(db)
    stranger = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    form = {
        "name_zh": "专属报价 7731",
        "name_en": "Private offer 7731",
        "price": "4321.00",
        "expires_on": (utcnow() + timedelta(days=10)).date().isoformat(),
    }
    assert client.submit(f"{page}/offers", form, page=page).status_code == 302
    buyer_email = buyer.memberships[0].user.email
    stranger_email = stranger.memberships[0].user.email
    db.commit()
    seen = {}
    for email in (buyer_email, stranger_email):
        reader = WebClient(app)
        reader.log_in(email)
        seen[email] = (
            reader.get(f"/market/listings/{listing.id}").get_data(as_text=True),
            reader.get(f"/listings/{listing.id}/buy").get_data(as_text=True),
        )
    assert all("7731" in html for html in seen[buyer_email])
    assert not any("7731" in html for html in seen[stranger_email])
    headers = {}
    for organisation in (buyer, stranger):
        client_row, secret = factories.api_client(db, organisation, ["catalog:read"])
        db.commit()
        token = factories.token(app.test_client(), client_row.client_id, secret)
        headers[organisation.id] = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    mine = api.get(f"/api/v1/listings/{listing.id}/offers", headers=headers[buyer.id])
    assert [offer["price_minor"] for offer in mine.get_json()] == [432_100]
    theirs = api.get(f"/api/v1/listings/{listing.id}/offers", headers=headers[stranger.id])
    assert theirs.get_json() == []


def _text(html: str) -> str:
    return page_text(html)


def test_the_provider_sees_the_offers_it_sent_and_the_buyer_sees_them_with_their_expiry(
    app, client, db, listing, drain
):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    expires = (utcnow() + timedelta(days=10)).date().isoformat()
    form = _offer_form(
        name_zh="报价 5521", name_en="Offer 5521", price="45,000", expires_on=expires
    )
    before = client.get(page, headers=EN).get_data(as_text=True)
    assert "/api/v1/" not in before and "demand_id" not in before
    assert client.submit(f"{page}/offers", form, page=page).status_code == 302
    sent = client.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="offers-sent"' in sent
    sent_text = _text(sent)
    assert "Offer 5521 CN¥45,000.00" in sent_text
    assert f"{expires} 23:59" in sent_text and "Open" in sent_text
    assert "Send another private offer" in sent_text
    assert "/api/v1/" not in sent
    db.commit()
    reader = WebClient(app)
    reader.log_in(buyer.memberships[0].user.email)
    mine = _text(reader.get(page, headers=EN).get_data(as_text=True))
    assert "Private offers received" in mine and "CN¥45,000.00" in mine
    assert f"{expires} 23:59" in mine
    shown = _text(reader.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True))
    assert f"valid until {expires} 23:59" in shown


def _demand_fields(**overrides):
    fields = {
        "title": "深圳公交刷卡数据（修订）",
        "need": "线网优化研究，按小时",
        "category": "transport",
        "currency": "CNY",
        "budget": "60,000",
        "deadline": (utcnow() + timedelta(days=40)).date().isoformat(),
        "usage_scenario": "research",
    }
    fields.update(overrides)
    return fields


def test_the_buyer_changes_and_closes_its_demand_on_the_page(app, client, db, listing, drain):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    client.log_in(buyer.memberships[0].user.email)
    page = f"/demands/{demand.id}"
    shown = client.get(page).get_data(as_text=True)
    assert f"{page}/edit" in shown and f"{page}/close" in shown
    edit = client.get(f"{page}/edit").get_data(as_text=True)
    assert 'value="50000"' in edit  # the budget prefilled in yuan
    refused = client.submit(f"{page}/edit", _demand_fields(budget="lots"), page=page)
    assert refused.status_code == 422
    assert 'id="budget-error"' in refused.get_data(as_text=True)
    db.expire_all()
    assert demand.budget_minor == 5_000_000
    db.rollback()
    changed = client.submit(f"{page}/edit", _demand_fields(), page=page)
    assert changed.status_code == 302
    db.expire_all()
    assert (demand.title, demand.budget_minor) == ("深圳公交刷卡数据（修订）", 6_000_000)
    db.rollback()
    drain()  # matched again after the change
    assert db.scalars(sa.select(DemandMatch.listing_id)).all() == [listing.id]
    db.rollback()
    assert client.submit(f"{page}/close", {}, page=page).status_code == 302
    db.expire_all()
    assert demand.status == DemandStatus.CLOSED
    db.rollback()
    after = client.get(page).get_data(as_text=True)
    assert f"{page}/edit" not in after and 'data-testid="demand-closed"' in after
    assert client.get(f"{page}/edit").status_code == 302


def test_only_its_buyer_may_change_or_close_a_demand(client, db, listing, drain, bearer):
    demand = _post(db, factories.organisation(db))
    drain()
    _provider_page_client(client, listing)
    page = f"/demands/{demand.id}"
    assert f"{page}/edit" not in client.get(page).get_data(as_text=True)
    # The demand is public on the board: the wrong actor is refused the action (403), not
    # told that a demand it has just read is not there.
    assert client.get(f"{page}/edit").status_code == 403
    assert client.submit(f"{page}/edit", _demand_fields(), page=page).status_code == 403
    assert client.submit(f"{page}/close", {}, page=page).status_code == 403
    stranger = bearer(listing.organisation, ["catalog:read", "catalog:write"])
    body = {"title": "x" * 5, "need": "y", "budget_minor": 100, "currency": "CNY",
            "deadline": "2099-01-01", "usage_scenario": "research"}  # fmt: skip
    url = f"/api/v1/demands/{demand.id}"
    assert client.raw.get(url, headers=stranger).status_code == 200
    revised = client.raw.put(url, json=body, headers=stranger)
    assert revised.status_code == 403 and revised.get_json()["errors"] == {"action": ["revise"]}
    closed = client.raw.post(f"{url}/close", headers=stranger)
    assert closed.status_code == 403 and closed.get_json()["errors"] == {"action": ["close"]}
    db.expire_all()
    assert demand.status == DemandStatus.OPEN and demand.title == "深圳公交刷卡数据"


def test_the_buyer_changes_its_demand_through_the_api(client, db, listing, drain, bearer):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    headers = bearer(buyer, ["catalog:write"])
    body = {"title": "深圳公交刷卡数据 2027", "need": "线网优化研究", "budget_minor": 7_000_000,
            "currency": "CNY", "category": "transport", "usage_scenario": "research",
            "deadline": (utcnow() + timedelta(days=20)).date().isoformat()}  # fmt: skip
    url = f"/api/v1/demands/{demand.id}"
    changed = client.raw.put(url, json=body, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["budget_minor"] == 7_000_000
    bad = client.raw.put(url, json={**body, "budget_minor": "lots"}, headers=headers)
    assert bad.status_code == 422 and "budget_minor" in str(bad.get_json())
    assert client.raw.post(f"{url}/close", headers=headers).status_code == 200
    closed = client.raw.put(url, json=body, headers=headers)
    assert closed.status_code == 409


def test_closing_a_closed_demand_is_a_wrong_state_conflict(client, db, bearer):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    db.commit()
    headers = bearer(buyer, ["catalog:write"])
    closed = client.raw.post(f"/api/v1/demands/{demand.id}/close", headers=headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed"
    again = client.raw.post(f"/api/v1/demands/{demand.id}/close", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"state": ["closed"], "action": ["close"]}


def test_a_private_offer_answering_a_demand_not_found_names_demand_id(client, db, listing, bearer):
    buyer = factories.organisation(db)
    db.commit()
    headers = bearer(listing.organisation, ["catalog:write"])
    offer = lf.plan(kind="private_offer", buyer_organisation_id=buyer.id, demand_id=999999,
                    expires_at=(utcnow() + timedelta(days=10)).isoformat())  # fmt: skip
    response = client.raw.post(
        f"/api/v1/provider/listings/{listing.id}/offers", json=offer, headers=headers
    )
    assert response.status_code == 404, response.get_json()
    assert list(response.get_json()["errors"]) == ["demand_id"]


def test_a_private_offer_answering_a_closed_demand_names_state_and_action(
    client, db, listing, bearer, drain
):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    demands.close(db, demand)
    db.commit()
    headers = bearer(listing.organisation, ["catalog:write"])
    offer = lf.plan(kind="private_offer", buyer_organisation_id=buyer.id, demand_id=demand.id,
                    expires_at=(utcnow() + timedelta(days=10)).isoformat())  # fmt: skip
    response = client.raw.post(
        f"/api/v1/provider/listings/{listing.id}/offers", json=offer, headers=headers
    )
    assert response.status_code == 409, response.get_json()
    errors = response.get_json()["errors"]
    assert errors["state"] == ["closed"] and errors["action"] == ["answer"]


def test_a_reader_of_traditional_chinese_gets_the_mail_in_traditional(app, db, listing, drain):
    owner = listing.organisation.memberships[0].user
    owner.locale = "zh_Hant"
    db.commit()
    _post(db, factories.organisation(db), title="深圳公交刷卡数据")
    drain()
    mails = _mails(app, owner.email)
    assert mails, "no mail to the provider"
    subject = mails[-1]["Subject"]
    # The exchange's words in Traditional; the buyer's title as the buyer typed it.
    assert subject == "求購「深圳公交刷卡数据」與您的掛牌匹配，可發出專屬報價"
