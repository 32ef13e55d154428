"""What the search API tells a buyer about their words, on both engines: the places it names
that no listing shown covers (``regions_missed``), and suggestions as they type from keywords
and synonym terms, in either script."""

from __future__ import annotations

import uuid

import pytest

from market.app import create_app
from market.db import utcnow
from market.listings import indexing
from tests.conftest import app_config
from tests.listings import factories as lf
from tests.listings.conftest import ENGINES


@pytest.fixture
def engine_kind() -> str:
    return "sqlite"  # the words are the engines' work, not the database's


@pytest.fixture(params=ENGINES)
def app(request, migrated_database_url, tmp_path):
    """The app searching the embedded engine, then OpenSearch."""
    overrides = {}
    if request.param == "opensearch":
        overrides = {
            "SEARCH_URL": request.getfixturevalue("opensearch_url"),
            "SEARCH_INDEX_PREFIX": f"words_{uuid.uuid4().hex[:8]}_",
        }
    application = create_app(app_config(migrated_database_url, tmp_path / "instance", **overrides))
    yield application
    application.extensions["search"].drop_index(indexing.LISTINGS)
    application.extensions["db"].dispose()


@pytest.fixture
def published(app, db, store, provider, staff):
    """深圳市公交刷卡数据 (Shenzhen, keywords 公交 and 交通) and 港口集装箱吞吐量, a Guangzhou
    listing with the keyword 八達通 written in Traditional, indexed and visible."""
    bus = lf.published_listing(db, store, *provider, staff)
    port = lf.published_listing(
        db, store, *provider, staff, title_zh="广州港口集装箱吞吐量",
        title_en="Guangzhou container port throughput", region="guangzhou",
        keywords=["港口", "八達通", "Container"],
    )  # fmt: skip
    db.commit()
    engine = app.extensions["search"]
    engine.ensure_index(indexing.LISTINGS)
    engine.index(indexing.LISTINGS, list(indexing.documents(db, utcnow())), refresh=True)
    db.rollback()  # the read ends, leaving the database to the requests
    return {"bus": bus.id, "port": port.id}


def _search(client, **params):
    response = client.raw.get(
        "/api/v1/listings/search", query_string=params, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("q", ["香港 公交", "港鐵 公交", "Hong Kong bus"])
def test_a_place_no_listing_shown_covers_is_named_with_its_label(client, published, q):
    body = _search(client, q=q)
    assert body["hits"]
    assert body["regions_missed"] == [{"value": "hong_kong", "label": "Hong Kong"}]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "深圳 公交"},  # a listing shown is in the place
        {"q": "大湾区 公交"},  # Shenzhen lies in the Greater Bay Area
        {"q": "公交"},  # no place named
        {"q": "香港 公交", "region": "shenzhen"},  # a region filter says where already
        {"q": "香港 火星陨石"},  # nothing shown
    ],
)
def test_no_region_is_missed_when_a_listing_shown_covers_it_or_none_is_asked(
    client, published, params
):
    assert _search(client, **params)["regions_missed"] == []


def test_a_word_no_listing_holds_is_named_as_typed_beside_what_the_others_found(client, published):
    # 外賣 (takeaway) is in no listing: the bus listing is found by 公交, and the buyer is told
    # which word was left out rather than shown bus data as if it were takeaway orders.
    body = _search(client, q="外賣 公交")
    assert body["hits"] and body["unheld"] == ["外賣"]
    assert _search(client, q="公交")["unheld"] == []
    # English as typed too, where folding drops the punctuation around it.
    assert _search(client, q="'; Takeaway 公交")["unheld"] == ["Takeaway"]
    page = client.raw.get("/market", query_string={"q": "外賣 公交"},
                          headers={"Accept-Language": "en"})  # fmt: skip
    assert "No listing mentions “外賣”: these match your other words." in page.get_data(
        as_text=True
    )
    hant = client.raw.get("/market", query_string={"q": "外賣 公交"},
                          headers={"Accept-Language": "zh-HK"})  # fmt: skip
    assert "沒有掛牌提到「外賣」" in hant.get_data(as_text=True)


def test_single_characters_and_counts_are_not_named_unheld(client, published):
    # 来源地 is read as 来源 + 地 and 一家 is a count: naming them as "not mentioned" reads as
    # if the buyer had asked for them. A word of the data (外卖) is still named.
    body = _search(client, q="一家 公交 来源地 外卖")
    assert body["hits"] and "外卖" in body["unheld"]
    assert not {"地", "一家"} & set(body["unheld"])


def test_no_word_is_named_unheld_when_none_is_held(client, published):
    # Nothing holds any word: nothing is "the other words" (a loose match, or nothing).
    assert _search(client, q="火星陨石 外卖")["unheld"] == []


def test_the_missed_region_is_labelled_in_the_readers_language(client, published):
    response = client.raw.get(
        "/api/v1/listings/search", query_string={"q": "香港 公交"},
        headers={"Accept-Language": "zh-TW"},
    )  # fmt: skip
    [missed] = response.get_json()["regions_missed"]
    assert missed["value"] == "hong_kong" and "香港" in missed["label"]


def test_the_openapi_document_declares_the_missed_regions(client):
    document = client.raw.get("/api/openapi.json").get_json()
    schema = document["components"]["schemas"]["SearchResults"]["properties"]["regions_missed"]
    assert schema["type"] == "array"
    suggestion = document["components"]["schemas"]["Suggestion"]["properties"]
    assert suggestion["kind"]["enum"] == ["title", "keyword", "synonym"]


def _suggest(client, q, language="en", path="/api/v1/listings/suggest"):
    response = client.raw.get(path, query_string={"q": q}, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return [(item["text"], item["kind"], item["listing_id"]) for item in response.get_json()]


@pytest.mark.parametrize("path", ["/api/v1/listings/suggest", "/market/suggest"])
def test_a_synonym_term_leading_to_listings_is_suggested_in_the_typed_script(
    client, published, path
):
    # No listing says 巴士; it is a built-in synonym of 公交, which one holds.
    assert ("巴士", "synonym", published["bus"]) in _suggest(client, "巴", "zh-CN", path)
    # 公車 typed in Traditional on a Traditional page: the term in Traditional, same group.
    assert ("公車", "synonym", published["bus"]) in _suggest(client, "公車", "zh-TW", path)


def test_a_keyword_is_suggested_whatever_script_or_case_it_was_written_in(client, published):
    assert ("八達通", "keyword", published["port"]) in _suggest(client, "八达", "zh-TW")
    assert ("八达通", "keyword", published["port"]) in _suggest(client, "八", "zh-CN")
    assert ("八達通", "keyword", published["port"]) in _suggest(client, "八", "zh-TW")
    assert ("八达通", "keyword", published["port"]) in _suggest(client, "八達")
    assert ("Container", "keyword", published["port"]) in _suggest(client, "contai")


@pytest.mark.parametrize(
    ("typed", "language", "title"),
    [
        ("深圳市公交刷卡數", "zh-CN", "深圳市公交刷卡数据"),
        ("深圳市公交刷卡數", "en", "深圳市公交刷卡数据"),
        ("深圳市公交刷卡数", "zh-TW", "深圳市公交刷卡數據"),
    ],
)
def test_titles_are_suggested_in_the_pages_script_whatever_script_was_typed(
    client, published, typed, language, title
):
    # The page's language is the script the reader chose and the results page shows; the
    # typed script may be only the keyboard's.
    assert (title, "title", published["bus"]) in _suggest(client, typed, language)
    assert (title, "title", published["bus"]) in _suggest(
        client, typed, language, "/market/suggest"
    )


def test_a_term_whose_group_no_listing_holds_is_not_suggested(client, published):
    # 港铁 is a synonym of 地铁, which no listing here holds.
    assert "港铁" not in [text for text, _, _ in _suggest(client, "港", "zh-CN")]


def test_a_staff_term_leading_to_listings_is_suggested(client, published, db, bearer, operator):
    staff_api = bearer(operator[0], ["review:write"])
    added = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["刷卡乘车", "公交"]}, headers=staff_api
    )
    assert added.status_code == 201, added.get_json()
    assert ("刷卡乘车", "synonym", published["bus"]) in _suggest(client, "刷卡乘", "zh-CN")


@pytest.fixture
def metro_and_footage(app, db, store, provider, staff):
    """Metro ridership and stock listings on the mainland, and Hong Kong listings that share
    only a word with them: tourist flows (客流) and stock footage (stock)."""
    made = {
        "metro": dict(title_zh="深圳地铁客流统计", title_en="Shenzhen metro ridership",
                      keywords=["地铁", "客流", "ridership"]),
        "tourists": dict(title_zh="香港旅游景区客流监测", title_en="Hong Kong tourist flows",
                         keywords=["客流", "旅游"], region="hong_kong"),
        "stocks": dict(title_zh="上市公司舆情指数", title_en="Listed company sentiment index",
                       description_zh="上市公司的新闻与社交媒体舆情日度指数。",
                       description_en="A daily news and social media sentiment index of "
                       "listed companies.", keywords=["舆情", "股票", "stocks"],
                       region="national"),
        "footage": dict(title_zh="香港城市纪录片素材", title_en="Hong Kong city documentary",
                        description_zh="香港城市变迁的纪录片视频素材。",
                        description_en="Documentary video of the city's change.",
                        keywords=["纪录片", "stock footage"], region="hong_kong"),
    }  # fmt: skip
    for city in ("guangzhou", "beijing", "shanghai"):  # words as rare as in a catalogue
        made[city] = dict(title_zh="天气预报接口", title_en="Weather forecast API",
                          keywords=["天气", "预报"], category="meteorology", region=city)  # fmt: skip
    ids = {
        name: lf.published_listing(db, store, *provider, staff, **fields).id
        for name, fields in made.items()
    }
    db.commit()
    engine = app.extensions["search"]
    engine.ensure_index(indexing.LISTINGS)
    engine.index(indexing.LISTINGS, list(indexing.documents(db, utcnow())), refresh=True)
    db.rollback()
    return ids


@pytest.mark.parametrize("q", ["港鐵客流", "mtr ridership"])
def test_a_place_the_listings_matching_the_words_miss_is_named_though_one_below_is_in_it(
    client, metro_and_footage, q
):
    body = _search(client, q=q)
    ids = [hit["id"] for hit in body["hits"]]
    # The metro listing matches every word; Hong Kong's tourist flows only 客流, below it.
    assert ids[0] == metro_and_footage["metro"] and metro_and_footage["tourists"] in ids
    assert body["regions_missed"] == [{"value": "hong_kong", "label": "Hong Kong"}]


@pytest.mark.parametrize(
    "paging",
    [{"page_size": 1}, {"page_size": 1, "page": 2}, {"page_size": 2}, {"page_size": 3}],
)
def test_the_missed_place_is_the_same_whatever_page_is_asked(client, metro_and_footage, paging):
    # The search's first listings are the mainland's metro; the Hong Kong tourist flows below
    # them, alone on a page of one, do not make them cover Hong Kong.
    everything = _search(client, q="港鐵客流")
    assert everything["regions_missed"] == [{"value": "hong_kong", "label": "Hong Kong"}]
    assert _search(client, q="港鐵客流", **paging)["regions_missed"] == everything["regions_missed"]


@pytest.mark.parametrize("paging", [{"page_size": 1}, {"page_size": 1, "page": 2}])
def test_a_place_a_leading_listing_covers_is_not_missed_on_any_page(
    client, metro_and_footage, paging
):
    # Hong Kong's tourist flows match 香港 客流 best; the mainland's metro follows.
    assert _search(client, q="香港 客流")["regions_missed"] == []
    assert _search(client, q="香港 客流", **paging)["regions_missed"] == []


def test_the_market_page_names_the_missed_place_on_a_page_of_one(client, metro_and_footage):
    page = client.raw.get(
        "/market", query_string={"q": "港鐵客流", "page_size": 1, "page": 2},
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert page.status_code == 200
    assert 'data-testid="regions-missed"' in page.get_data(as_text=True)


def test_a_region_a_term_names_does_not_rank_a_listing_holding_only_a_synonym_first(
    client, metro_and_footage
):
    hits = _search(client, q="hkex")["hits"]
    ids = [hit["id"] for hit in hits]
    assert ids[:2] == [metro_and_footage["stocks"], metro_and_footage["footage"]]


@pytest.mark.parametrize(
    "params, elsewhere",
    [
        ({"q": "公交", "region": "hong_kong"}, 2),  # both hold 公交, neither in Hong Kong
        ({"q": "公交", "region": "hong_kong", "category": "finance"}, None),  # not in finance
        ({"q": "公交", "region": "shenzhen"}, None),  # found within the filter
        ({"q": "火星陨石", "region": "hong_kong"}, None),  # no listing holds the words
    ],
)
def test_a_region_filter_leaving_nothing_says_how_many_listings_elsewhere_hold_the_words(
    client, published, params, elsewhere
):
    body = _search(client, **params)
    assert body["elsewhere_total"] == elsewhere
    if elsewhere:
        assert body["hits"] == [] and body["relaxed"] is False


def test_a_sort_that_shows_fewer_listings_than_relevance_says_how_many_and_why(client, published):
    # The port listing holds the four words; the bus listing only 公交. By relevance it
    # follows the port listing; sorted by date, only listings matching most words show.
    words = "集装箱 吞吐量 港口 公交"
    assert _search(client, q=words)["strict_total"] == 1
    assert _search(client, q=words)["more_by_relevance"] is None
    assert _search(client, q=words, sort="newest")["more_by_relevance"] == 1
    page = client.raw.get("/market", query_string={"q": words, "sort": "newest"},
                          headers={"Accept-Language": "en"}).get_data(as_text=True)  # fmt: skip
    assert "1 more listing matches some of them." in page
    assert 'href="/market?q=' in page and "Sort by relevance to see them" in page
    by_relevance = client.raw.get("/market", query_string={"q": words},
                                  headers={"Accept-Language": "en"}).get_data(as_text=True)  # fmt: skip
    assert "more-by-relevance" not in by_relevance


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [
        ("深圳 刷卡记路", "深圳 刷卡记录"),
        ("深圳刷卡记路", "深圳刷卡记录"),
        ("深圳公交刷卡記路", "深圳公交刷卡記錄"),
    ],
)
def test_a_typo_typed_against_a_place_with_no_space_is_corrected(client, published, q, suggestion):
    # Chinese buyers rarely type spaces: the place is read apart from the words beside it,
    # and the correction of those words is offered inside the buyer's own run of characters.
    assert _search(client, q=q)["did_you_mean"] == suggestion
