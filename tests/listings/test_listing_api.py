"""The provider and reviewer API: bad input is a clear 4xx naming the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import factories
from tests.listings import factories as lf


@pytest.fixture
def writer(db, provider, bearer):
    """Authorization headers of the provider's client with catalog:write."""
    return bearer(provider[0], ["catalog:read", "catalog:write"])


@pytest.fixture
def asset_id(db, store, provider, staff):
    """A certified asset of the provider."""
    asset = lf.certified_asset(db, store, *provider, staff)
    db.commit()
    return asset.id


def _create(client, headers, data):
    return client.raw.post("/api/v1/provider/listings", json=data, headers=headers)


def test_a_certified_asset_is_listed_as_a_draft(client, writer, asset_id):
    response = _create(client, writer, lf.listing_data(asset_id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["pending"]["plans"][0]["price_minor"] == lf.PRICE


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        ({"price_minor": -100}, "price_minor"),
        ({"price_minor": 12.5}, "price_minor"),
        ({"price_minor": "4800.00"}, "price_minor"),
        ({"price_minor": "480000"}, "price_minor"),  # a JSON number, in a nested object too
        ({"exclusive": "yes"}, "exclusive"),
        ({"currency": "RMB"}, "currency"),
        ({"kind": "subscription"}, "period"),
        ({"kind": "private_offer"}, "buyer_organisation_id"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(client, writer, asset_id, plan, field):
    response = _create(client, writer, lf.listing_data(asset_id, plans=[lf.plan(**plan)]))
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_a_listing_takes_only_the_region_codes_the_search_filters_by(client, writer, asset_id):
    refused = _create(client, writer, lf.listing_data(asset_id, region="atlantis"))
    assert refused.status_code == 422
    assert "shenzhen" in str(refused.get_json()["errors"]["region"])  # the codes it takes
    forgiven = _create(client, writer, lf.listing_data(asset_id, region="Hong Kong"))
    assert forgiven.status_code == 201, forgiven.get_json()
    assert forgiven.get_json()["pending"]["region"] == "hong_kong"


def test_an_uncertified_asset_is_a_422_naming_rights(db, store, client, writer, provider):
    asset = lf.registry.asset(db, *provider)
    lf.registry.version(db, store, asset, provider[1])
    db.commit()
    response = _create(client, writer, lf.listing_data(asset.id))
    assert response.status_code == 422
    assert "rights" in response.get_json()["errors"]


def test_a_territory_abroad_without_cross_border_is_a_422(client, writer, asset_id):
    terms = lf.terms(territory=["CN", "SG"])
    response = _create(client, writer, lf.listing_data(asset_id, terms=terms))
    assert response.status_code == 422
    assert "terms.territory" in response.get_json()["errors"]


def test_submission_puts_the_listing_in_the_review_queue(
    app, db, client, writer, asset_id, operator, bearer
):
    listing_id = _create(client, writer, lf.listing_data(asset_id)).get_json()["id"]
    submitted = client.raw.post(f"/api/v1/provider/listings/{listing_id}/submit", headers=writer)
    assert submitted.get_json()["status"] == "in_review"
    staff_headers = bearer(operator[0], ["review:write"])
    queue = client.raw.get("/api/v1/reviews/listings", headers=staff_headers).get_json()
    assert [item["id"] for item in queue] == [listing_id]


def test_an_illegal_move_is_a_409_naming_state_and_action(
    client, writer, asset_id, operator, bearer
):
    listing_id = _create(client, writer, lf.listing_data(asset_id)).get_json()["id"]
    staff_headers = bearer(operator[0], ["review:write"])
    response = client.raw.post(
        f"/api/v1/reviews/listings/{listing_id}/reinstate", json={}, headers=staff_headers
    )
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"state": ["draft"], "action": ["reinstate"]}


def test_cross_border_approval_without_a_pathway_is_a_422(
    db, client, writer, asset_id, operator, bearer
):
    terms = lf.terms(cross_border=True, territory=["*"])
    listing_id = _create(client, writer, lf.listing_data(asset_id, terms=terms)).get_json()["id"]
    client.raw.post(f"/api/v1/provider/listings/{listing_id}/submit", headers=writer)
    staff_headers = bearer(operator[0], ["review:write"])
    decision = {"decision": "approved", "personal_info": "none", "important_data": False}
    response = client.raw.post(
        f"/api/v1/reviews/listings/{listing_id}", json=decision, headers=staff_headers
    )
    assert response.status_code == 422
    assert "cross_border_pathway" in response.get_json()["errors"]


def test_other_organisations_see_the_live_revision_but_no_pending_one(
    db, store, client, provider, staff, bearer
):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    buyer = lf.registry.provider(db)[0]
    headers = bearer(buyer, ["catalog:read"])
    body = client.raw.get(f"/api/v1/listings/{listing.id}", headers=headers).get_json()
    assert body["live"]["title_en"] == "Shenzhen bus card transactions"
    assert body["asset_kind"] == "dataset"
    assert "pending" not in body


def test_others_see_the_review_outcome_not_its_notes(client, db, store, provider, staff, bearer):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    buyer = bearer(factories.organisation(db), ["catalog:read"])
    body = client.raw.get(f"/api/v1/listings/{listing.id}", headers=buyer).get_json()
    review = body["live"]["review"]
    assert review["decision"] == "approved"
    assert "reason" not in review and "cross_border_evidence" not in review
    own = client.raw.get(
        f"/api/v1/listings/{listing.id}", headers=bearer(provider[0], ["catalog:read"])
    ).get_json()
    assert "reason" in own["live"]["review"]


@pytest.mark.parametrize(
    ("language", "message"), [("en", "Choose a file."), ("zh-CN", "请选择文件。")]
)
def test_a_sample_upload_without_a_file_is_refused_in_a_sentence(
    client, writer, asset_id, language, message
):
    listing_id = _create(client, writer, lf.listing_data(asset_id)).get_json()["id"]
    response = client.raw.post(
        f"/api/v1/provider/listings/{listing_id}/samples",
        data={},
        content_type="multipart/form-data",
        headers={**writer, "Accept-Language": language},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": [message]}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This listing cannot be moved that way from its current status."),
        ("zh-CN", "该挂牌在当前状态下不能进行此操作。"),
    ],
)
def test_a_state_move_the_listing_cannot_make_is_refused_in_a_sentence(
    client, writer, asset_id, language, message
):
    listing_id = _create(client, writer, lf.listing_data(asset_id)).get_json()["id"]
    path = f"/api/v1/provider/listings/{listing_id}/delist"
    headers = {**writer, "Accept-Language": language}
    assert client.raw.post(path, json={}, headers=headers).status_code == 200
    again = client.raw.post(path, json={}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["message"] == message


@pytest.mark.parametrize(
    "module",
    ["listings/listings.py", "listings/plans.py", "listings/states.py", "listings/views.py",
     "listings/pages.py", "listings/compliance.py", "states.py", "uploads/services.py",
     "uploads/states.py", "registry/assets.py", "registry/certificates.py",
     "registry/claims.py", "registry/filetypes.py", "registry/schemas.py",
     "registry/services.py", "registry/states.py", "registry/pages/provider.py",
     "registry/pages/public.py", "registry/pages/reviewer.py", "listings/schemas.py",
     "identity/services.py", "identity/schemas.py", "identity/operator.py",
     "identity/credit_code.py", "trading/delivery.py", "trading/flows.py",
     "trading/pages.py", "trading/payments.py", "trading/refunds.py", "trading/schemas.py",
     "trading/settlement.py", "trading/states.py", "trading/stripe_events.py",
     "trading/views.py", "api.py", "auth.py"],
)  # fmt: skip
def test_the_refusals_buyers_and_providers_meet_are_sentences(module):
    # A capital and a full stop, as the API's other messages: a refusal written as a fragment
    # ("choose a file") reads as one beside them, on the API and the pages alike.
    source = (Path(__file__).parents[2] / "market" / module).read_text()
    assert re.findall(r'\b(?:N_|_|ValidationError)\(\s*"([a-z][^"]*)"', source) == []


#: Lower-case words the staff's modules translate that are no refusals: names said inside a
#: sentence ("Stripe reports the card charge …"), the words shown for an empty list and a
#: label read mid-line ("Price 100 · similarity 0.8").
STAFF_WORDS = {
    "finance/pages/console.py": [
        "the card charge",
        "the card refund",
        "the payout",
        "the chargeback",
        "the fee",
    ],
    "finance/pages/trail.py": ["nothing", "none"],
    "valuation/forms.py": ["similarity"],
    "verification/evidence.py": ["business licence", "commercial registration certificate"],
}


MARKET = Path(__file__).parents[2] / "market"

#: The staff's packages whose refusals are written as sentences, every module in them, and
#: the Stripe webhook's module (its refusals are read by the exchange's operators).
STAFF_PACKAGES = ("finance", "valuation", "verification")
STAFF_MODULES = ("payments/webhooks.py",)


@pytest.mark.parametrize(
    "module",
    sorted(str(path.relative_to(MARKET))
           for package in STAFF_PACKAGES for path in (MARKET / package).rglob("*.py"))
    + list(STAFF_MODULES),
)  # fmt: skip
def test_the_refusals_staff_meet_are_sentences(module):
    # Finance, valuation and verification staff read the same API and pages as everyone else:
    # their refusals too are sentences, not fragments.
    source = (MARKET / module).read_text()
    found = re.findall(r'\b(?:N_|_|ValidationError)\(\s*"([a-z][^"]*)"', source)
    assert found == STAFF_WORDS.get(module, [])
