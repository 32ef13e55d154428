"""A provider's name in the search box: typed whole, it brings that provider's listings
first; a place inside it does not make its listings outrank the listings about the place.
On the demo catalogue, both engines."""

from __future__ import annotations

import pytest

from market.listings import discovery, vocabulary

PROVIDER = "深圳市城市交通数据有限公司"  # made of words of the trade and a place


@pytest.mark.parametrize(
    "typed",
    [
        PROVIDER,
        "深圳市 城市交通數據有限公司",
        "城市交通数据有限公司",
        "Shenzhen Urban Transport Data Co., Ltd.",
        "shenzhen urban transport data",
    ],
)
def test_a_query_that_is_a_providers_name_ranks_its_listings_first(
    catalogue_engine, catalogue, typed
):
    engine, _ = catalogue_engine
    theirs = sum(1 for doc in catalogue.docs if doc["provider_zh"] == PROVIDER)
    results = discovery.run(engine, {"q": typed, "page_size": 20})
    first = [hit.source["provider_zh"] for hit in results.hits[: min(theirs, 20)]]
    assert first == [PROVIDER] * min(theirs, 20)


def test_a_place_in_a_providers_name_does_not_outrank_the_listings_of_the_place(
    catalogue_engine,
):
    engine, _ = catalogue_engine
    place = discovery.run(engine, {"q": "深圳", "page_size": 20})
    assert {hit.source["region"] for hit in place.hits} == {"shenzhen"}
    thing = discovery.run(engine, {"q": "深圳 交通", "page_size": 10})
    assert thing.hits[0].source["region"] == "shenzhen"
    for hit in thing.hits:  # about the place or about the thing, never only named after it
        assert hit.source["region"] == "shenzhen" or hit.source["category"] == "transport"


def test_a_providers_name_is_matched_whole_in_every_usual_form():
    forms = vocabulary.name_forms(PROVIDER, "Shenzhen Urban Transport Data Co., Ltd.")
    assert vocabulary.name_key("深圳市 城市交通數據有限公司") in forms
    assert "城市交通数据" not in forms  # without both place and kind it is words of the trade
    assert {"城市交通数据有限公司", "深圳市城市交通数据", "shenzhenurbantransportdata"} <= set(
        forms
    )
    assert vocabulary.name_forms("深圳市", "Shenzhen") == []  # a place is never a name
