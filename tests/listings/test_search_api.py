"""The search API and the indexing pipeline: outbox → worker → index, on both databases."""

from __future__ import annotations

import json

import pytest

from market.db import utcnow
from market.listings import indexing, listings, schemas
from market.listings.states import Action, Actor
from tests.listings import factories as lf


@pytest.fixture
def reader(db, bearer):
    """Authorization headers of a buyer's client with catalog:read."""
    organisation, _ = lf.registry.provider(db)
    return bearer(organisation, ["catalog:read"])


@pytest.fixture
def published(db, store, provider, staff):
    """A published listing, committed (its indexing message waits in the outbox)."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    return listing


def _search(client, headers, **params):
    return client.raw.get("/api/v1/listings/search", query_string=params, headers=headers)


def _total(response) -> int:
    """How many listings matched, from the X-Pagination header every list of the API sends."""
    assert response.status_code == 200, response.get_json()
    return json.loads(response.headers["X-Pagination"])["total"]


def test_a_published_listing_is_found_once_the_worker_ran(client, published, reader, drain):
    assert _total(_search(client, reader, q="公交")) == 0
    drain()
    body = _search(client, reader, q="公交").get_json()
    assert [hit["id"] for hit in body["hits"]] == [published.id]
    assert "<mark>" in "".join(body["hits"][0]["highlights"].values())


def test_a_search_page_past_the_last_is_a_404_naming_page(client, published, reader, drain):
    drain()
    found = _search(client, reader, q="公交")
    assert json.loads(found.headers["X-Pagination"])["page"] == 1
    past = _search(client, reader, q="公交", page=2)
    assert past.status_code == 404
    assert list(past.get_json()["errors"]) == ["page"]
    nothing = _search(client, reader, q="没有这种词")
    assert nothing.status_code == 200
    assert json.loads(nothing.headers["X-Pagination"]) == {"total": 0, "total_pages": 0, "page": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "数" * 501}, "q"), ({"price_min": 9, "price_max": 1}, "price_max")],
)
def test_search_refusals_name_only_fields_in_sentence_case(client, reader, params, field):
    response = _search(client, reader, **params)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == [field] and errors[field][0][0].isupper()


def test_an_invalid_token_is_told_in_the_readers_language(client):
    headers = {"Authorization": "Bearer not-a-token", "Accept-Language": "zh-CN"}
    response = _search(client, headers, q="公交")
    assert response.status_code == 401
    assert (
        "访问令牌" in response.get_json()["errors"]["reason"][0]
        or "访问令牌" in response.get_json()["message"]
    )


def test_a_missing_scope_is_told_in_sentence_case(client, db, bearer):
    organisation, _ = lf.registry.provider(db)
    headers = bearer(organisation, ["org:read"])
    response = _search(client, headers, q="公交")
    assert response.status_code == 403
    assert response.get_json()["message"] == "This token lacks the catalog:read scope."


def test_facets_carry_labels(client, published, reader, drain):
    drain()
    body = _search(client, reader, q="bus").get_json()
    assert {"value": "transport", "label": "Transport", "count": 1} in body["facets"]["category"]


def test_range_and_currency_facets_read_like_the_others(client, published, reader, drain):
    drain()
    headers = {**reader, "Accept-Language": "zh-CN"}
    facets = _search(client, headers, q="公交").get_json()["facets"]
    counts = [row["count"] for rows in facets.values() for row in rows]
    assert counts and 0 not in counts
    ranges = facets["price"] + facets.get("coverage_to", [])
    assert ranges and all(row["label"] != row["value"] for row in ranges)
    assert any("¥" in row["label"] for row in facets["price"])
    assert [row["label"] for row in facets["currency"]] == ["人民币"]


def test_facet_labels_follow_each_readers_language_search_after_search(
    client, published, reader, drain
):
    drain()
    labels = {}
    for language in ("zh-CN", "en", "zh-CN", "zh-HK"):
        facets = _search(client, {**reader, "Accept-Language": language}, q="bus").get_json()
        labels.setdefault(language, []).append(
            {name: [row["label"] for row in rows] for name, rows in facets["facets"].items()}
        )
    assert labels["zh-CN"][0] == labels["zh-CN"][1]
    chinese, english, traditional = labels["zh-CN"][0], labels["en"][0], labels["zh-HK"][0]
    assert [chinese[n] for n in ("category", "currency", "price", "certified")] == [
        ["交通运输"],
        ["人民币"],
        ["¥1,000 – ¥10,000"],
        ["是"],
    ]
    assert [english[n] for n in ("category", "currency", "price", "certified")] == [
        ["Transport"],
        ["Chinese Yuan"],
        ["CN¥1,000 – CN¥10,000"],
        ["Yes"],
    ]
    assert [traditional[n] for n in ("category", "currency")] == [["交通運輸"], ["人民幣"]]


def test_a_suspended_listing_leaves_the_index(app, db, client, published, reader, drain, staff):
    drain()
    listings.move(db, published, Action.SUSPEND, Actor.REVIEWER, staff, "complaint", utcnow())
    db.commit()
    drain()
    assert _total(_search(client, reader, q="公交")) == 0


def test_a_crash_before_indexing_loses_nothing(app, db, published, drain):
    # The commit holds the listing and its outbox message; nothing was indexed yet.
    engine = app.extensions["search"]
    with app.extensions["db"].unit_of_work() as session:
        assert indexing.differences(session, engine, utcnow()) == [str(published.id)]
    drain()
    with app.extensions["db"].unit_of_work() as session:
        assert indexing.differences(session, engine, utcnow()) == []


def test_reindex_rebuilds_from_the_database(app, published):
    engine = app.extensions["search"]
    with app.extensions["db"].unit_of_work() as session:
        assert indexing.rebuild(session, engine, utcnow()) == 1
        assert indexing.differences(session, engine, utcnow()) == []


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "AND OR NOT ( ) [ ] { } * ? ~ ^ : \\ /", "title_zh:深圳 OR 1=1; --", "'\"",
     "!!! ???"],
)  # fmt: skip
def test_query_syntax_characters_give_results_or_none(client, published, reader, drain, q):
    drain()
    response = _search(client, reader, q=q)
    assert response.status_code == 200
    assert isinstance(response.get_json()["hits"], list)


def test_control_characters_in_a_query_are_a_422_naming_q(client, reader):
    response = _search(client, reader, q="\x00\x07")
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


def test_an_empty_query_lists_everything(client, published, reader, drain):
    drain()
    assert _total(_search(client, reader, q="")) == 1


def test_a_5000_character_query_is_a_422_naming_q(client, reader):
    response = _search(client, reader, q="数" * 5000)
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "random"}, "sort"),
        ({"page_size": 1000}, "page_size"),
        ({"per_page": 10}, "per_page"),
        ({"price_min": -1}, "price_min"),
    ],
)
def test_bad_search_parameters_are_422_naming_the_field(client, reader, params, field):
    response = _search(client, reader, **params)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_an_unreachable_engine_is_a_503_without_engine_text(app, client, reader):
    import search

    app.extensions["search"] = search.connect("http://127.0.0.1:9", prefix="x_", timeout=1)
    response = _search(client, reader, q="公交")
    assert response.status_code == 503
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_suggestions_as_you_type(client, published, reader, drain):
    drain()
    body = client.raw.get(
        "/api/v1/listings/suggest", query_string={"q": "Shenzhen b"}, headers=reader
    )
    assert [item["listing_id"] for item in body.get_json()] == [published.id]


def test_search_pages_like_every_list(db, store, provider, staff, client, reader, drain):
    for _ in range(3):
        lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    first = _search(client, reader, q="", page=1, page_size=2)
    second = _search(client, reader, q="", page=2, page_size=2)
    meta = json.loads(second.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"]) == (3, 2, 2)
    assert (len(first.get_json()["hits"]), len(second.get_json()["hits"])) == (2, 1)
    ids = [hit["id"] for r in (first, second) for hit in r.get_json()["hits"]]
    assert len(set(ids)) == 3
    assert not {"total", "page", "per_page"} & set(second.get_json())


def test_search_pages_by_twenty_when_page_size_is_left_out(
    db, store, provider, staff, client, reader, drain
):
    for _ in range(11):
        lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    response = _search(client, reader, q="")
    assert len(response.get_json()["hits"]) == 11
    meta = json.loads(response.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"]) == (11, 1)


def test_the_openapi_document_shows_the_one_paging_scheme(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    search = document["paths"]["/api/v1/listings/search"]["get"]
    names = [parameter["name"] for parameter in search["parameters"]]
    assert names.count("page") == 1 and "page_size" in names and "per_page" not in names
    assert "X-Pagination" in search["responses"]["200"]["headers"]
    page_size = next(p for p in search["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["default"], page_size["schema"]["maximum"]) == (20, 100)


@pytest.mark.parametrize("params", [{"page": 1001}, {"page": 101, "page_size": 100}])
def test_paging_deeper_than_10000_results_is_a_422_naming_page(client, reader, params):
    response = _search(client, reader, q="数据", **params)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "10,000" in errors["page"][0]
    assert list(errors) == ["page"] and response.get_json()["limit"] == 10_000
    assert "X-Pagination" not in response.headers


def test_a_page_number_past_any_column_is_a_422_naming_page_from_1(client, reader):
    response = _search(client, reader, q="数据", page=10**30)
    assert response.status_code == 422
    assert response.get_json()["errors"]["page"] == ["Number out of range: from 1 to 2147483647."]


def test_an_index_built_by_an_earlier_version_is_rebuilt_by_the_next_change(
    app, db, published, reader, client, drain
):
    # An upgrade changes the index's fields: the live index (one field short here) no longer
    # fits, and the first indexing message rebuilds it rather than failing until someone runs
    # `shujiao search reindex`.
    from search.spec import IndexSpec

    engine = app.extensions["search"]
    engine.drop_index(indexing.LISTINGS)
    older = IndexSpec(name=indexing.LISTINGS.name, fields=indexing.LISTINGS.fields[:-1])
    engine.ensure_index(older)
    drain()
    assert [hit["id"] for hit in _search(client, reader, q="公交").get_json()["hits"]] == [
        published.id
    ]
    with app.extensions["db"].unit_of_work() as session:
        assert indexing.ensure_current(session, engine, utcnow()) is False
        assert indexing.differences(session, engine, utcnow()) == []


def test_listings_sharing_character_pairs_are_loose_matches(
    client, db, store, provider, staff, reader, drain
):
    # No listing holds 联络通道 or a word of it; its pair 络通 stands in the title
    # (道路网络 / 通行): a loose match, said so by the API and the market page.
    listing = lf.published_listing(
        db, store, *provider, staff, title_zh="城市道路网络通行速度", keywords=["路况"]
    )
    db.commit()
    drain()
    body = _search(client, reader, q="联络通道").get_json()
    assert [hit["id"] for hit in body["hits"]] == [listing.id]
    assert body["loose"] is True and body["relaxed"] is True
    assert _search(client, reader, q="公交").get_json()["loose"] is False
    page = client.raw.get("/market", query_string={"q": "联络通道"})
    assert page.status_code == 200
    assert "宽松匹配" in page.get_data(as_text=True)
    assert 'data-testid="loose"' in page.get_data(as_text=True)


def test_the_search_body_is_what_its_documented_schema_dumps():
    raw = {
        "search_id": 7,
        "relaxed": True,
        "did_you_mean": None,
        "strict_total": None,
        "loose": False,
        "more_by_relevance": "3",
        "unheld": ["外賣", 3],
        "regions_missed": [{"value": "hong_kong", "label": "香港", "unsent": 1}],
        "elsewhere_total": 5,
        "took_ms": 3,
        "hits": [
            {"id": "12", "score": 1, "listing": {"id": "12", "price": 100}, "highlights": {}},
            {
                "id": 13,
                "score": None,
                "listing": {},
                "highlights": {"title_zh": ["<mark>公交</mark>"]},
            },
        ],
        "facets": {
            "region": [{"value": "CN-GD-SZ", "label": "深圳", "count": 2, "unsent": "x"}],
            "cross_border_allowed": [{"value": False, "label": None, "count": 1}],
            "price": [],
        },
    }
    assert schemas.search_results(raw) == schemas.SearchResultsSchema().dump(raw)
    for text in ("公交", ""):
        raw |= {
            "did_you_mean": text,
            "strict_total": "4",
            "search_id": None,
            "elsewhere_total": None,
        }
        assert schemas.search_results(raw) == schemas.SearchResultsSchema().dump(raw)


def test_a_search_answers_the_schemas_fields_and_no_others(client, published, reader, drain):
    drain()
    body = _search(client, reader, q="公交").get_json()
    assert body["hits"] and body["facets"]
    assert set(body) == set(schemas.SearchResultsSchema().fields)
    assert body == schemas.SearchResultsSchema().dump(body)


def test_a_search_answer_is_jsonifys_json_with_its_text_in_utf8(
    app, client, published, reader, drain
):
    # Encoded by orjson: the same JSON as Flask's jsonify (every object's keys sorted, a
    # newline at the end), but Chinese as UTF-8 rather than \u escapes.
    drain()
    response = _search(client, reader, q="公交")
    raw = response.get_data()
    orders: list[list[str]] = []
    body = json.loads(
        raw, object_pairs_hook=lambda pairs: orders.append([k for k, _ in pairs]) or dict(pairs)
    )
    assert body["hits"] and body["facets"]
    assert all(keys == sorted(keys) for keys in orders)
    title = body["hits"][0]["listing"]["title_zh"]
    assert title.encode() in raw and b"\\u" not in raw and raw.endswith(b"}\n")
    assert response.mimetype == "application/json"
    with app.test_request_context():
        assert json.loads(app.json.response(body).get_data()) == body
