"""The embedded engine's per-generation caches (scores of broad word groups, match counts,
hit bitmaps) give the same results as scoring afresh, and a write forgets them."""

from __future__ import annotations

from collections import Counter

import pytest

import search
from search import Query
from search import embedded_memory as memory
from tests.search.listings import LISTINGS, listing_documents

COPIES = 20  # 1,200 documents: broad words pass the cache's threshold, 数据 is in most
QUERIES = [
    "数据",
    "深圳 数据",
    "交通 数据 api",
    "weather data hourly",
    "公交 地铁 客流 深圳",
    "旅游",
    "大湾区 旅游",  # 大湾区: in 520 of the 1,200, enough for its scores to be kept
]
FACETS = ["category", "region", "certified"]


def documents() -> list[dict]:
    out = []
    for copy in range(COPIES):
        for doc in listing_documents():
            out.append({**doc, "id": f"{doc['id']}-{copy:02d}", "price": doc["price"] + copy})
    return out


@pytest.fixture(scope="module")
def path(tmp_path_factory) -> str:
    """An embedded index of 1,200 listings, written once."""
    url = f"embedded://{tmp_path_factory.mktemp('cache')}/search.sqlite3"
    engine = search.connect(url, prefix="cache_")
    engine.ensure_index(LISTINGS)
    engine.index(LISTINGS, documents())
    engine.close()
    return url


def answer(engine, text: str):
    results = engine.search(LISTINGS, Query(text=text, facets=FACETS, per_page=50))
    return (
        results.total,
        [(hit.id, hit.score) for hit in results.hits],
        results.facets,
        results.relaxed,
    )


def snapshot(engine) -> memory.Snapshot:
    (found,) = engine._snapshots.values()
    return found


def test_cached_scores_give_the_same_results_as_fresh_ones(path):
    fresh = {}
    for text in QUERIES:  # each on a new engine: nothing cached yet
        engine = search.connect(path, prefix="cache_")
        fresh[text] = answer(engine, text)
        engine.close()
    engine = search.connect(path, prefix="cache_")
    for _ in range(2):
        for text in QUERIES:
            answer(engine, text)
    kept = snapshot(engine)._scores
    assert any(scores is None for _, scores in kept.values())  # a word in most documents
    assert any(scores is not None for _, scores in kept.values())
    assert {text: answer(engine, text) for text in QUERIES} == fresh
    engine.close()


def test_a_document_scores_the_sum_of_its_groups_by_the_share_matched():
    groups = [{1: 1.5, 2: 0.25, 3: 2.0}, {2: 1.0, 4: 3.0}, {2: 0.5, 3: 0.125, 5: 1.0}]
    near = {2: 0.75, 5: 9.0}
    combined = memory._combined(groups, near, 2, None, [1.0, 1.0, 1.0])
    expected = {2: (0.75 + 0.25 + 1.0 + 0.5) * 3 / 3, 3: (2.0 + 0.125) * 2 / 3}
    assert combined == pytest.approx(expected)


def test_the_share_matched_weighs_each_group_by_its_specificity():
    groups = [{1: 1.0}, {1: 1.0, 2: 1.0}, {2: 1.0}]
    combined = memory._combined(groups, {}, 1, None, [4.0, 2.0, 2.0])
    assert combined == pytest.approx({1: 2.0 * 6 / 8, 2: 2.0 * 4 / 8})


def test_filters_keep_only_their_members():
    groups = [{1: 1.0, 2: 1.0}, {1: 2.0, 2: 2.0}]
    members = memory.bitmap([2], 8)[1]
    assert memory._combined(groups, {}, 1, bytes(members), [1.0, 1.0]) == {2: 3.0}


def test_a_write_forgets_the_cached_counts_and_scores(path):
    engine = search.connect(path, prefix="cache_")
    before = answer(engine, "数据")
    extra = {**listing_documents()[0], "id": "extra", "title_zh": "新增数据集"}
    engine.index(LISTINGS, [extra])
    after = answer(engine, "数据")
    assert after[0] == before[0] + 1
    engine.delete(LISTINGS, ["extra"])
    assert answer(engine, "数据") == before
    engine.close()


@pytest.mark.parametrize("text", ["粤剧", "深圳 地铁", "气象"])
def test_facets_over_a_few_hits_count_each_hits_value(path, text):
    engine = search.connect(path, prefix="cache_")
    # Sorted, so that listings with one of two words do not follow (every hit is counted).
    query = Query(
        text=text, facets=["provider", "region", "pricing_model"], per_page=100, sort="newest"
    )
    results = engine.search(LISTINGS, query)
    assert 0 < results.total <= 100
    by_id = {doc["id"]: doc for doc in documents()}
    hits = [by_id[hit.id] for hit in results.hits]
    for name in ("provider", "region", "pricing_model"):
        counts = Counter(
            v for doc in hits for v in (doc[name] if isinstance(doc[name], list) else [doc[name]])
        )
        expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]
        assert results.facets[name] == expected
    engine.close()
