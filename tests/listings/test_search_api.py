"""The search API and the indexing pipeline: outbox → worker → index, on both databases."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.listings import indexing, listings
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


def test_a_published_listing_is_found_once_the_worker_ran(client, published, reader, drain):
    assert _search(client, reader, q="公交").get_json()["total"] == 0
    drain()
    body = _search(client, reader, q="公交").get_json()
    assert [hit["id"] for hit in body["hits"]] == [published.id]
    assert "<mark>" in "".join(body["hits"][0]["highlights"].values())


def test_facets_carry_labels(client, published, reader, drain):
    drain()
    body = _search(client, reader, q="bus").get_json()
    assert {"value": "transport", "label": "Transport", "count": 1} in body["facets"]["category"]


def test_a_suspended_listing_leaves_the_index(app, db, client, published, reader, drain, staff):
    drain()
    listings.move(db, published, Action.SUSPEND, Actor.REVIEWER, staff, "complaint", utcnow())
    db.commit()
    drain()
    assert _search(client, reader, q="公交").get_json()["total"] == 0


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
    assert _search(client, reader, q="").get_json()["total"] == 1


def test_a_5000_character_query_is_a_422_naming_q(client, reader):
    response = _search(client, reader, q="数" * 5000)
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "random"}, "sort"),
        ({"per_page": 1000}, "per_page"),
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
