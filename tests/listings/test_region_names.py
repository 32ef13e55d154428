"""A region filter takes the region's name as well as its code, on the API and the market
page: 香港, 香港特別行政區, Hong Kong, ｈｏｎｇ ｋｏｎｇ all mean ``hong_kong``; anything else is refused
with the codes, and the one meant when it is close."""

from __future__ import annotations

import html

import pytest

from tests.listings import factories as lf

EN = {"Accept-Language": "en"}


@pytest.fixture
def published(db, store, provider, staff, drain):
    """A published, indexed listing covering Hong Kong."""
    listing = lf.published_listing(db, store, *provider, staff, region="hong_kong")
    db.commit()
    drain()
    return listing


@pytest.mark.parametrize(
    "region", ["hong_kong", "香港", "香港特別行政區", "香港特别行政区", "Hong Kong", "hong kong", "ＨＯＮＧ　ＫＯＮＧ", "中國香港", "HK", "hk"]
)  # fmt: skip
def test_the_api_reads_a_regions_name_as_its_code(client, published, region):
    response = client.raw.get(
        "/api/v1/listings/search", query_string={"region": region}, headers=EN
    )
    assert response.status_code == 200, response.get_json()
    assert [hit["id"] for hit in response.get_json()["hits"]] == [published.id]
    elsewhere = client.raw.get("/api/v1/listings/search", query_string={"region": "澳門"})
    assert elsewhere.status_code == 200 and elsewhere.get_json()["hits"] == []


def test_the_territory_codes_name_their_regions():
    # HK, MO and CN, as a licence's territory and an organisation's jurisdiction write them.
    from market.registry.regions import region_code

    assert [region_code(code) for code in ("HK", "mo", "CN", "cn")] == [
        "hong_kong", "macao", "national", "national"
    ]  # fmt: skip


def test_a_name_close_to_a_region_is_answered_with_the_code_meant(client, published):
    response = client.raw.get("/api/v1/listings/search?region=hongkon", headers=EN)
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["region"]
    assert message.startswith("“hongkon”: Did you mean hong_kong? Must be one of: ")
    assert "shenzhen" in message
    zh = client.raw.get(
        "/api/v1/listings/search?region=hongkon", headers={"Accept-Language": "zh-CN"}
    )
    assert "您是不是要找 hong_kong？" in zh.get_json()["errors"]["region"][0]
    far = client.raw.get("/api/v1/listings/search?region=atlantis", headers=EN)
    (message,) = far.get_json()["errors"]["region"]
    assert message.startswith("“atlantis”: Must be one of: ") and "hong_kong" in message


def test_the_market_page_reads_a_regions_name_and_links_its_code(client, published):
    response = client.get("/market?region=香港", headers=EN)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert 'data-testid="hit"' in page
    # The facet shows Hong Kong chosen, and its link (removing it) carries no name.
    assert 'data-testid="facet-region-hong_kong" aria-current="true"' in page
    assert "region=%E9%A6%99" not in page


def test_a_regions_name_is_kept_in_the_links_when_another_argument_is_refused(client, published):
    response = client.get("/market?region=hong_kong&price_from=abc", headers=EN)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    # The price form carries the search's region on, as every other link of the page.
    form = page.split('data-testid="price-range"')[1].split("</form>")[0]
    assert '<input type="hidden" name="region" value="hong_kong">' in form
