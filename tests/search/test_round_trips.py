"""How many requests an OpenSearch search takes, and that taking fewer never changes what it
finds: a retry remembered from the last time goes in place of the strict search, and a broad
search counts its facets apart, where the node's request cache keeps them."""

from __future__ import annotations

import dataclasses
import threading

import pytest

import search
from search import Query
from tests.search.conftest import make_engine
from tests.search.listings import LISTINGS, listing_documents

pytestmark = pytest.mark.opensearch


@pytest.fixture
def cluster(request, tmp_path):
    """An OpenSearch engine holding the listings, and a second one on the same index (another
    process writing)."""
    engine = make_engine("opensearch", request, tmp_path)
    engine.ensure_index(LISTINGS)
    engine.index(LISTINGS, listing_documents(), refresh=True)
    other = search.connect(engine.url, prefix=engine.prefix, replicas=0)
    yield engine, other
    other.close()
    engine.drop_index(LISTINGS)
    engine.close()


def requests_of(engine, query: Query) -> tuple[search.Results, list[int]]:
    """The results, and the number of searches in each request sent to the node."""
    sent = []
    real = engine._call

    def counting(method, **options):
        sent.append(len(options["body"]) // 2 if method == "msearch" else 1)
        return real(method, **options)

    engine._call = counting
    try:
        return engine.search(LISTINGS, query), sent
    finally:
        engine._call = real


def same(a: search.Results, b: search.Results) -> bool:
    timeless = {"took_ms": 0.0, "engine_ms": 0.0}
    return dataclasses.replace(a, **timeless) == dataclasses.replace(b, **timeless)


def new_listing(doc_id: str, title: str) -> dict:
    doc = {**listing_documents()[0], "id": doc_id, "title_zh": title, "title_en": ""}
    return {**doc, "description_zh": title, "description_en": "", "keywords_text": ""}


@pytest.mark.parametrize(
    ("text", "relaxed", "strict_total"),
    [("地铁 客流", False, 1), ("公交 天气", True, None)],
)
def test_a_repeated_search_that_needed_a_retry_takes_one_request(
    cluster, text, relaxed, strict_total
):
    engine, _ = cluster
    query = Query(text=text, facets=["category"], per_page=50)
    first, sent = requests_of(engine, query)
    assert len(sent) >= 2  # the words' counts and the strict search, ..., then the retry
    assert (first.relaxed, first.strict_total) == (relaxed, strict_total)
    again, sent = requests_of(engine, query)
    assert sent == [1]
    assert same(again, first)


def test_a_remembered_retry_is_not_taken_once_the_strict_search_finds_enough(cluster):
    engine, other = cluster
    query = Query(text="公交 天气", facets=["category"], per_page=50)
    engine.search(LISTINGS, query)
    assert engine.search(LISTINGS, query).relaxed  # no listing holds both words
    # Another process adds one that does: the strict search finds it, no retry needing one word.
    other.index(LISTINGS, [new_listing("new-1", "公交天气")], refresh=True)
    found, sent = requests_of(engine, query)
    assert not found.relaxed
    assert found.strict_total == 1
    assert found.hits[0].id == "new-1"
    assert len(sent) == 3  # the remembered retry, the strict search after all, its own retry


def test_a_broad_search_counts_its_facets_apart_and_they_follow_writes(cluster, monkeypatch):
    engine, other = cluster
    query = Query(text="交通", facets=["category", "region"], per_page=5)
    whole = engine.search(LISTINGS, query)
    monkeypatch.setattr(search.opensearch, "BROAD", 1)
    split, sent = requests_of(engine, query)
    assert sent == [2]  # the page, and the count and facets with size 0
    assert same(split, whole)
    other.index(LISTINGS, [new_listing("new-2", "交通")], refresh=True)
    after, _ = requests_of(engine, query)
    assert after.total == whole.total + 1
    category = listing_documents()[0]["category"]
    assert dict(after.facets["category"])[category] == dict(whole.facets["category"])[category] + 1


def bodies_of(engine, query: Query) -> tuple[search.Results, list[dict]]:
    """The results, and every search body sent to the node."""
    sent = []
    real = engine._call

    def recording(method, **options):
        body = options["body"]
        sent.extend(body[1::2] if method == "msearch" else [body])
        return real(method, **options)

    engine._call = recording
    try:
        return engine.search(LISTINGS, query), sent
    finally:
        engine._call = real


def completions_asked(sent: list[dict]) -> int:
    return sum(1 for body in sent if "words" in body.get("aggs", {}) and body["size"] == 0)


def test_a_half_typed_words_completions_are_remembered_until_a_write(cluster):
    engine, _ = cluster
    query = Query(text="weather forec")
    first, sent = bodies_of(engine, query)
    assert completions_asked(sent) == 1
    again, sent = bodies_of(engine, query)
    assert completions_asked(sent) == 0
    assert same(again, first)
    # A write through this engine may add a word starting so: it is asked again.
    engine.index(LISTINGS, [new_listing("new-3", "weather forecasters")], refresh=True)
    after, sent = bodies_of(engine, query)
    assert completions_asked(sent) == 1
    assert "new-3" in {hit.id for hit in after.hits}


def test_a_remembered_correction_is_searched_beside_the_query(cluster):
    engine, _ = cluster
    query = Query(text="weathr forcast", facets=["category"])
    first = engine.search(LISTINGS, query)
    assert first.did_you_mean == "weather forecast"
    # Each request waits until the other has been sent: one after the other, they never
    # would be (the first would wait alone and time out).
    both = threading.Barrier(2, timeout=10)
    real = engine._call

    def together(method, **options):
        both.wait()
        return real(method, **options)

    engine._call = together
    try:
        again = engine.search(LISTINGS, query)
    finally:
        engine._call = real
    assert same(again, first)


def test_a_correction_no_longer_offered_answers_the_query_as_typed(cluster):
    engine, other = cluster
    query = Query(text="weathr forcast")
    assert engine.search(LISTINGS, query).did_you_mean == "weather forecast"
    # Another process adds a listing holding the words as typed: no correction any more.
    typed = {**new_listing("new-4", "天气"), "title_en": "weathr forcast"}
    other.index(LISTINGS, [typed], refresh=True)
    found = engine.search(LISTINGS, query)
    assert found.did_you_mean is None
    assert found.hits[0].id == "new-4"
