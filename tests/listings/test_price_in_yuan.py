"""Search compares prices in yuan: a HK$ plan is converted at the configured rate before it is
filtered, sorted or counted in a price facet, and still shown in its own currency."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

import search
from market.config import ConfigError
from market.db import utcnow
from market.listings import discovery, indexing, rates
from tests.listings import factories as lf
from tests.listings.conftest import ENGINES

RATES = rates.CnyRates({"HKD": Decimal("0.92")})


@pytest.fixture
def priced(db, store, provider, staff):
    """Two listings: ¥1,000.00 and HK$1,050.00 (¥966.00 at 0.92)."""
    yuan = lf.published_listing(
        db, store, *provider, staff, plans=[lf.plan(price_minor=100_000, currency="CNY")]
    )
    hkd = lf.published_listing(
        db, store, *provider, staff, plans=[lf.plan(price_minor=105_000, currency="HKD")]
    )
    db.commit()
    return {"yuan": str(yuan.id), "hkd": str(hkd.id)}


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path):
    """A fresh listing index in the embedded engine and in OpenSearch."""
    if request.param == "embedded":
        found = search.connect(f"embedded://{tmp_path}/search.sqlite3", prefix="t_")
    else:
        url = request.getfixturevalue("opensearch_url")
        found = search.connect(url, prefix=f"shujiao-yuan-{uuid.uuid4().hex[:8]}-", replicas=0)
    found.ensure_index(indexing.LISTINGS)
    yield found
    found.drop_index(indexing.LISTINGS)
    found.close()


@pytest.fixture
def indexed(db, engine, priced):
    engine.index(indexing.LISTINGS, list(indexing.documents(db, utcnow(), RATES)), refresh=True)
    return engine


def _ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_the_document_keeps_the_plan_currency_and_adds_yuan(db, priced):
    docs = {doc["id"]: doc for doc in indexing.documents(db, utcnow(), RATES)}
    hkd = docs[priced["hkd"]]
    assert (hkd["price"], hkd["price_currency"], hkd["price_cny"]) == (105_000, "HKD", 96_600)
    assert docs[priced["yuan"]]["price_cny"] == 100_000


def test_a_price_ceiling_in_yuan_keeps_the_cheaper_hkd_listing(indexed, priced):
    results = discovery.run(indexed, {"price_max": 98_000})
    assert _ids(results) == [priced["hkd"]]


def test_sorting_by_price_compares_in_yuan(indexed, priced):
    assert _ids(discovery.run(indexed, {"sort": "price_asc"})) == [priced["hkd"], priced["yuan"]]
    assert _ids(discovery.run(indexed, {"sort": "price_desc"})) == [priced["yuan"], priced["hkd"]]


def test_price_facets_count_in_yuan(indexed):
    facets = dict(discovery.run(indexed, {}).facets["price_cny"])
    assert facets["*-100000"] == 1 and facets["100000-1000000"] == 1


def test_a_currency_without_a_rate_is_not_compared_at_face_value(db, store, provider, staff):
    listing = lf.published_listing(
        db, store, *provider, staff, plans=[lf.plan(price_minor=100, currency="USD")]
    )
    doc = indexing.document(listing, utcnow(), RATES)
    assert doc["price"] == 100 and "price_cny" not in doc


def test_the_market_page_filters_a_hkd_listing_by_its_yuan_price(client, priced, drain):
    drain()
    page = client.get("/market?price_below=1000", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert html.count('data-testid="hit"') == 1 and "HK$1,050.00" in html


@pytest.mark.parametrize("text", ["HKD", "HKD=abc", "HKD=-1", "XXX=1", "CNY=1", "HKD=nan"])
def test_a_rate_that_cannot_be_read_is_a_config_error_naming_the_variable(text):
    with pytest.raises(ConfigError, match="SHUJIAO_CNY_RATES"):
        rates.parse(text)


def test_the_default_rates_read_and_convert_hkd():
    default = rates.from_config({"CNY_RATES": "HKD=0.92,MOP=0.89,USD=7.10,EUR=7.70"})
    assert default.to_cny(100_000, "HKD") == 92_000 and default.to_cny(5, "CNY") == 5
