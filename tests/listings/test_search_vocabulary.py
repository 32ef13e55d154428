"""What a listing is found by besides its own text (market/listings/vocabulary.py), and
place words in the query acting as a boost."""

from __future__ import annotations

import pytest

from market.listings import discovery, vocabulary
from search.query import MAX_QUERY_LENGTH


def test_tags_name_category_kind_region_and_the_wider_regions_in_both_languages():
    tags = vocabulary.tags(
        category="transport",
        kind="data_service",
        delivery="api",
        region="shenzhen",
        frequency="realtime",
        field_schema=[{"name": "vehicle_count", "type": "integer", "description": "车流量"}],
    )
    for word in ("交通", "transport", "接口", "API", "实时", "深圳", "Shenzhen", "广东"):
        assert word in tags
    assert "大湾区" in tags and "Greater Bay Area" in tags
    assert "vehicle count" in tags and "车流量" in tags


def test_unknown_values_and_schemas_of_another_shape_add_nothing():
    tags = vocabulary.tags(
        category="other", kind="dataset", delivery="download", region="atlantis",
        frequency=None, field_schema=["not a column", {"name": None}],
    )  # fmt: skip
    assert "atlantis" not in tags and "not a column" not in tags


def test_a_wide_place_boosts_the_places_inside_it():
    assert set(vocabulary.within(["greater_bay_area"])) >= {"shenzhen", "hong_kong", "macao"}
    assert vocabulary.within(["shanghai"]) == ["shanghai"]
    query = discovery.build_query({"q": "大湾区 旅游"})
    assert "guangzhou" in query.boosts["region"]


def test_place_words_boost_rather_than_match_unless_nothing_else_is_asked():
    assert discovery.without_places("卫星影像 广州").split() == ["卫星影像"]
    assert discovery.without_places("satellite imagery Hong Kong").split() == [
        "satellite",
        "imagery",
    ]
    assert discovery.without_places("深圳市 地铁").split() == ["地铁"]
    assert discovery.without_places("深圳") == "深圳"
    # A place joined to a thing: the thing is matched, the place boosts.
    assert discovery.without_places("上海港").split() == ["港口"]
    assert discovery.without_places("深圳机场 航班").split() == ["机场", "航班"]
    assert discovery.without_places("南山区").split() == ["南山区"]


def test_a_district_names_its_city():
    assert "shenzhen" in discovery.regions_named("盐田 港口")


def test_hong_kong_is_named_by_its_short_forms_but_not_by_letters_inside_a_word():
    assert discovery.regions_named("HK weather") == ["hong_kong"]
    assert discovery.regions_named("港股 行情") == ["hong_kong"]
    assert discovery.regions_named("港澳 旅客") == ["hong_kong", "macao"]
    assert discovery.regions_named("Hong Kong, stock prices") == ["hong_kong"]
    # Hong Kong's metro and stock exchange by their English short names, as 港铁 and 港交所.
    assert discovery.regions_named("MTR ridership") == ["hong_kong"]
    assert (
        discovery.regions_named("港交所 成交") == discovery.regions_named("HKEX") == ["hong_kong"]
    )
    assert discovery.without_places("MTR ridership").split() == ["MTR", "ridership"]
    assert discovery.regions_named("khk checkhk") == []
    # The Observatory and the Hang Seng Index are Hong Kong's, however they are written.
    assert discovery.regions_named("天文台天氣數據") == ["hong_kong"]
    assert discovery.regions_named("恒指成份股") == ["hong_kong"]
    # A short form that is a word about something else stays a word to match.
    assert discovery.without_places("港股 行情").split() == ["港股", "行情"]
    assert discovery.without_places("HK stock").split() == ["stock"]


def test_permitted_uses_are_words_too():
    tags = vocabulary.tags(
        category="finance", kind="dataset", delivery="download", region="shenzhen",
        frequency=None, field_schema=None, scenarios=["risk_control", "model_training"],
    )  # fmt: skip
    assert "风控" in tags and "模型训练" in tags


def test_a_place_name_with_a_letter_missing_or_two_swapped_still_names_the_place():
    assert discovery.place_spellings("tarffic data shenzen") == {"shenzen": "shenzhen"}
    assert discovery.place_spellings("Guangzhuo ports") == {"guangzhuo": "guangzhou"}
    query = discovery.build_query({"q": "tarffic data shenzen"})
    assert query.boosts["region"] == ["shenzhen"]
    assert "shenzen" not in query.text and "shenzhen" not in query.text


def test_other_cities_a_letter_away_are_not_read_as_ours():
    # changzhou (常州) has a letter more than hangzhou, yangzhou (扬州) another letter.
    assert discovery.place_spellings("changzhou yangzhou hangzhou shanghai") == {}
    assert discovery.build_query({"q": "changzhou port"}).boosts["region"] == []


def test_south_china_favours_every_southern_region_and_is_not_a_word_to_match():
    regions = discovery.build_query({"q": "华南地区 台风 暴雨"}).boosts["region"]
    assert {"shenzhen", "guangzhou", "hong_kong", "macao", "greater_bay_area"} <= set(regions)
    assert "beijing" not in regions and "shanghai" not in regions
    assert discovery.without_places("華南 颱風").split() == ["台风"]


@pytest.mark.parametrize(
    "query", ["珠三角 港口", "珠江三角洲", "port containers pearl river delta"]
)
def test_the_pearl_river_delta_is_its_mainland_cities_not_hong_kong_or_macao(query):
    boosted = discovery.build_query({"q": query}).boosts["region"]
    assert {"shenzhen", "guangzhou", "dongguan", "foshan", "zhuhai"} <= set(boosted)
    assert not {"hong_kong", "macao"} & set(boosted)


@pytest.mark.parametrize("query", ["广东 台风", "typhoon damage Guangdong", "珠三角 港口"])
def test_guangdong_and_the_delta_favour_the_bay_area_s_listings_too(query):
    # A Greater Bay Area listing covers Guangdong's cities and the delta's: typhoon tracks
    # for the Bay Area ranked below Hong Kong's and Macao's for typhoon damage Guangdong.
    boosted = discovery.build_query({"q": query}).boosts["region"]
    assert "greater_bay_area" in boosted
    assert not {"hong_kong", "macao"} & set(boosted)
    assert discovery.build_query({"q": "深圳 台风"}).boosts["region"] == ["shenzhen"]


def test_only_mainland_listings_are_found_by_the_delta_s_name():
    assert "珠三角" in vocabulary.region_words("foshan")
    assert "Pearl River Delta" in vocabulary.region_words("shenzhen")
    for region in ("hong_kong", "macao", "greater_bay_area"):
        assert "珠三角" not in vocabulary.region_words(region), region
    assert discovery.without_places("port containers pearl river delta").split() == [
        "port",
        "containers",
    ]


def test_a_query_the_buyer_may_send_is_not_respelt_past_the_length_limit():
    text = " ".join(["shenzen"] * 56)  # 447 characters; each shenzhen one more
    assert len(text) <= MAX_QUERY_LENGTH < len(text.replace("shenzen", "shenzhen"))
    query = discovery.build_query({"q": text})
    assert len(query.text) <= MAX_QUERY_LENGTH and query.boosts["region"] == []
