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
