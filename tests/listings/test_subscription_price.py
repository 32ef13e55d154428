"""A subscription's price said one way: the provider types the price per period, the buyer pays
it for every period at once, and the editor, the listing, the buy page and the API all show the
price per period, the number of periods and the total."""

from __future__ import annotations

import pytest

from market.listings.models import Plan
from tests.listings import factories as lf
from tests.web import page_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def _text(html: str) -> str:
    return page_text(html)


@pytest.fixture
def writer(db, provider, bearer):
    return bearer(provider[0], ["catalog:read", "catalog:write"])


@pytest.fixture
def asset_id(db, store, provider, staff):
    asset = lf.certified_asset(db, store, *provider, staff)
    db.commit()
    return asset.id


def _create(client, headers, data):
    return client.raw.post("/api/v1/provider/listings", json=data, headers=headers)


MONTHLY = {"kind": "subscription", "period": "month", "periods": 12}


def test_the_api_takes_a_price_per_period_and_says_both(client, writer, asset_id):
    plan = lf.plan(**MONTHLY)
    plan.pop("price_minor")
    plan["price_per_period_minor"] = 500_000
    response = _create(client, writer, lf.listing_data(asset_id, plans=[plan]))
    assert response.status_code == 201, response.get_json()
    shown = response.get_json()["pending"]["plans"][0]
    assert shown["price_minor"] == 6_000_000
    assert shown["price_per_period_minor"] == 500_000
    assert shown["periods"] == 12


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        ({**MONTHLY, "price_per_period_minor": 500_000}, "price_minor"),  # both given
        ({"price_per_period_minor": 500_000}, "price_per_period_minor"),  # one-time plan
        ({**MONTHLY, "price_minor": None}, "price_minor"),  # no price at all
        ({**MONTHLY, "price_minor": None, "price_per_period_minor": 10**13}, "price_per_period"),
    ],
    ids=["both", "per-period-one-time", "none", "total-too-large"],
)
def test_an_ambiguous_price_is_a_422_naming_the_field(client, writer, asset_id, plan, field):
    data = lf.plan(**plan)
    if data.get("price_minor") is None:
        data.pop("price_minor")
    response = _create(client, writer, lf.listing_data(asset_id, plans=[data]))
    assert response.status_code == 422, response.get_json()
    assert field in str(response.get_json()["errors"])


def _editor_fields(asset_id: int, **plan) -> dict:
    data = lf.listing_data(asset_id)
    fields = {
        key: value
        for key, value in data.items()
        if key not in ("terms", "plans", "keywords", "rights")
    }
    fields.update(
        asset_id=str(asset_id), rights="product_operation", keywords="公交, 交通",
        scenarios=["research"], territory=["CN"], duration_months="12",
        coverage_from="2019", coverage_to="2023",
    )  # fmt: skip
    fields.update({f"plan0_{key}": value for key, value in plan.items()})
    return fields


def test_the_editor_reads_a_subscription_price_per_period(client, db, provider, asset_id):
    client.log_in(provider[1].email)
    fields = _editor_fields(
        asset_id, kind="subscription", price="5,000", currency="CNY", period="month", periods="12"
    )
    response = client.submit("/provider/listings/new", fields, page="/provider/listings/new")
    assert response.status_code == 302, _text(response.get_data(as_text=True))[-1500:]
    plan = db.query(Plan).order_by(Plan.id.desc()).first()
    assert (plan.price_minor, plan.periods) == (6_000_000, 12)
    db.rollback()  # the test's read ends before the pages read
    listing_id = response.location.rsplit("/", 1)[-1]
    draft = _text(client.get(f"/provider/listings/{listing_id}", headers=ZH).get_data(as_text=True))
    assert "¥5,000.00 / 月 · 12 个月共 ¥60,000.00，一次付清" in draft
    edit = client.get(f"/provider/listings/{listing_id}/edit", headers=EN).get_data(as_text=True)
    assert 'id="plan0_price" name="plan0_price" type="text" value="5000"' in edit
    assert "The buyer pays CN¥60,000.00 at once (12 × CN¥5,000.00)." in _text(edit)
    assert "per period" in _text(edit)


def test_a_blank_subscription_price_is_named_on_the_editor(client, db, provider, asset_id):
    client.log_in(provider[1].email)
    fields = _editor_fields(
        asset_id, kind="subscription", price="abc", currency="CNY", period="month", periods="12"
    )
    response = client.submit("/provider/listings/new", fields, page="/provider/listings/new")
    assert response.status_code == 422
    assert 'id="plan0_price-error"' in response.get_data(as_text=True)


def test_an_uneven_total_rounds_half_up(client, db, store, provider, staff):
    listing = lf.published_listing(
        db, store, *provider, staff,
        plans=[lf.plan(kind="subscription", price_minor=500_000, period="month", periods=12)],
    )  # fmt: skip
    db.commit()
    page = _text(client.get(f"/market/listings/{listing.id}", headers=EN).get_data(as_text=True))
    assert "≈ CN¥416.67 / month · CN¥5,000.00 for 12 months, paid at once" in page
