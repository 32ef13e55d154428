"""Licence terms that keep the data in the provider's own jurisdiction cannot also allow
cross-border use: "Hong Kong only" for a Hong Kong provider, "Mainland China only" for a
mainland one, with cross-border use allowed, is refused on the API (listings and private
offers) and on the editor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from market.db import utcnow
from tests import factories
from tests.listings import factories as lf

CONTRADICTION = (
    "The territory is only the provider's own jurisdiction, so no use is cross-border: add "
    "where else the data may be used, or do not allow cross-border use."
)


@pytest.fixture(params=["CN", "HK"])
def home_provider(request, db):
    """``(organisation, owner)`` of a verified provider registered on the mainland or in Hong
    Kong."""
    owner = factories.user(db)
    if request.param == "CN":
        organisation = factories.organisation(db, owner)
    else:
        organisation = factories.organisation(
            db, owner, jurisdiction="HK", registration_number="HK-4401", name_en="Harbour Ltd"
        )
    db.commit()
    return organisation, owner


@pytest.fixture
def home_asset_id(db, store, home_provider, staff):
    asset = lf.certified_asset(db, store, *home_provider, staff)
    db.commit()
    return asset.id


def _create(client, bearer, organisation, terms, asset_id):
    headers = {**bearer(organisation, ["catalog:read", "catalog:write"]), "Accept-Language": "en"}
    data = lf.listing_data(asset_id, terms=terms)
    return client.raw.post("/api/v1/provider/listings", json=data, headers=headers)


def test_home_only_with_cross_border_use_is_a_422_naming_cross_border(
    client, db, bearer, home_provider, home_asset_id
):
    home = home_provider[0].jurisdiction
    terms = lf.terms(territory=[home], cross_border=True)
    response = _create(client, bearer, home_provider[0], terms, home_asset_id)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"terms.cross_border": [CONTRADICTION]}


@pytest.mark.parametrize("cross_border", [False, True])
def test_consistent_terms_are_taken(client, db, bearer, home_provider, home_asset_id, cross_border):
    home = home_provider[0].jurisdiction
    territory = [home, "SG"] if cross_border else [home]
    terms = lf.terms(territory=territory, cross_border=cross_border)
    response = _create(client, bearer, home_provider[0], terms, home_asset_id)
    assert response.status_code == 201, response.get_json()


def test_the_editor_names_the_contradiction_beside_the_box_and_keeps_the_values(
    client, db, home_provider, home_asset_id
):
    home = home_provider[0].jurisdiction
    client.log_in(home_provider[1].email)
    data = lf.listing_data(home_asset_id)
    fields = {key: value for key, value in data.items() if key not in ("terms", "plans",
              "keywords", "rights")}  # fmt: skip
    fields.update(
        asset_id=str(home_asset_id), rights="product_operation", keywords="公交, 交通",
        scenarios=["research"], territory=[home], cross_border="1", duration_months="12",
        coverage_from="2019", coverage_to="2023", plan0_kind="one_time", plan0_price="4800",
        plan0_currency="CNY",
    )  # fmt: skip
    path = "/provider/listings/new"
    response = client.submit(path, fields, page=path, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    box = html.split('name="cross_border"')[1]
    assert 'checked aria-describedby="cross_border-error"' in box.split(">")[0] + ">"
    error = box.split('id="cross_border-error">')[1].split("</p>")[0]
    assert error == CONTRADICTION.replace("'", "&#39;")
    assert f'name="territory" value="{home}" checked' in html


def _editor_fields(asset_id: int, **changes) -> dict:
    data = lf.listing_data(asset_id)
    fields = {key: value for key, value in data.items() if key not in ("terms", "plans",
              "keywords", "rights")}  # fmt: skip
    fields.update(
        asset_id=str(asset_id), rights="product_operation", keywords="公交, 交通",
        scenarios=["research"], duration_months="12", coverage_from="2019", coverage_to="2023",
        plan0_kind="one_time", plan0_price="4800", plan0_currency="CNY",
    )  # fmt: skip
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def test_the_editor_names_the_contradiction_beside_an_empty_scenario_at_once(
    client, db, home_provider, home_asset_id
):
    home = home_provider[0].jurisdiction
    client.log_in(home_provider[1].email)
    fields = _editor_fields(home_asset_id, scenarios=None, territory=[home], cross_border="1")
    path = "/provider/listings/new"
    response = client.submit(path, fields, page=path, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="scenarios-error"' in html
    error = html.split('id="cross_border-error">')[1].split("</p>")[0]
    assert error == CONTRADICTION.replace("'", "&#39;")
    summary = html.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert 'href="#scenarios"' in summary or 'href="#scenarios-error"' in summary
    assert "cross_border" in summary


@pytest.mark.parametrize(("language", "expected"), [("en", "Choose at least one territory."),
                                                    ("zh-Hant", "請至少選擇一個使用地域。")])  # fmt: skip
def test_the_editor_asks_for_a_territory_when_none_is_chosen(
    client, db, home_provider, home_asset_id, language, expected
):
    client.log_in(home_provider[1].email)
    fields = _editor_fields(home_asset_id)
    path = "/provider/listings/new"
    response = client.submit(path, fields, page=path, headers={"Accept-Language": language})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="territory-error">')[1].split("</p>")[0]
    assert error == expected


BEYOND_HOME = "A territory beyond the provider's jurisdiction needs cross-border use allowed."


@pytest.mark.parametrize(
    ("contradicting", "field", "message"),
    [
        ({"cross_border": True}, "terms.cross_border", CONTRADICTION),
        ({"territory": ["SG"], "cross_border": False}, "terms.territory", BEYOND_HOME),
    ],
)
def test_the_contradiction_is_named_beside_the_schema_s_refusals_at_once(
    client, db, bearer, home_provider, home_asset_id, contradicting, field, message
):
    home = home_provider[0].jurisdiction
    terms = {**lf.terms(territory=[home], scenarios=[]), **contradicting}
    data = {**lf.listing_data(home_asset_id, terms=terms), "title_zh": ""}
    headers = {**bearer(home_provider[0], ["catalog:write"]), "Accept-Language": "en"}
    response = client.raw.post("/api/v1/provider/listings", json=data, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    # The schema's own refusals of the terms are a mapping; the contradiction keeps the
    # dotted field the service names it by once the rest is right.
    assert set(errors) == {"title_zh", "terms", field}
    assert set(errors["terms"]) == {"scenarios"}
    assert errors[field] == [message]


def test_a_draft_rewrite_names_the_contradiction_beside_the_schema_s_refusals(
    client, db, bearer, home_provider, home_asset_id
):
    home = home_provider[0].jurisdiction
    headers = {**bearer(home_provider[0], ["catalog:write"]), "Accept-Language": "zh-CN"}
    draft = lf.listing_data(home_asset_id, terms=lf.terms(territory=[home]))
    created = client.raw.post("/api/v1/provider/listings", json=draft, headers=headers)
    assert created.status_code == 201, created.get_json()
    terms = lf.terms(territory=[home], cross_border=True)
    data = {**lf.listing_data(home_asset_id, terms=terms), "title_en": ""}
    del data["asset_id"]
    response = client.raw.put(
        f"/api/v1/provider/listings/{created.get_json()['id']}/draft", json=data, headers=headers
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"title_en", "terms.cross_border"}
    assert "跨境" in errors["terms.cross_border"][0]


@pytest.fixture
def home_listing(db, store, home_provider, staff):
    """A published listing of the home provider, its terms its own jurisdiction only."""
    home = home_provider[0].jurisdiction
    listing = lf.published_listing(
        db, store, *home_provider, staff, terms=lf.terms(territory=[home])
    )
    db.commit()
    return listing


@pytest.mark.parametrize(
    ("contradicting", "field", "message"),
    [
        ({"cross_border": True}, "terms.cross_border", CONTRADICTION),
        ({"territory": ["SG"], "cross_border": False}, "terms.territory", BEYOND_HOME),
    ],
)
def test_a_private_offer_names_the_contradiction_beside_the_schema_s_refusals_at_once(
    client, db, bearer, home_provider, home_listing, contradicting, field, message
):
    home = home_provider[0].jurisdiction
    buyer = factories.organisation(db)
    db.commit()
    terms = {**lf.terms(territory=[home], scenarios=[]), **contradicting}
    expires_at = (utcnow() + timedelta(days=10)).isoformat()
    offer = lf.plan(kind="private_offer", buyer_organisation_id=buyer.id, terms=terms,
                    expires_at=expires_at, name_en="x" * 101)  # fmt: skip
    headers = {**bearer(home_provider[0], ["catalog:write"]), "Accept-Language": "en"}
    response = client.raw.post(
        f"/api/v1/provider/listings/{home_listing.id}/offers", json=offer, headers=headers
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"name_en", "terms", field}
    assert set(errors["terms"]) == {"scenarios"}
    assert errors[field] == [message]
