"""Filters, facets, sorting, paging, highlighting and hostile input."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from search import InvalidQuery, Query, QueryTooLong, Range, RangeFacet, SortKey, analysis
from tests.search.listings import LISTINGS

PRICE_BUCKETS = ((None, 100_000), (100_000, 1_000_000), (1_000_000, 10_000_000), (10_000_000, None))


def search(engine, **options):
    return engine.search(LISTINGS, Query(per_page=100, **options))


def found(engine, **options) -> set[str]:
    return {hit.id for hit in search(engine, **options).hits}


def recount(docs, field, keep=lambda d: True) -> list[tuple]:
    counts = Counter()
    for doc in filter(keep, docs):
        values = doc[field] if isinstance(doc[field], list) else [doc[field]]
        counts.update(values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# -- filters ---------------------------------------------------------------------------


def test_keyword_filter_takes_any_of_the_values(loaded, docs):
    expected = {d["id"] for d in docs if d["category"] in ("culture", "finance")}
    assert found(loaded, filters={"category": ["culture", "finance"]}) == expected


def test_multi_valued_keyword_filter(loaded, docs):
    expected = {d["id"] for d in docs if "非遗" in d["keywords"]}
    assert found(loaded, filters={"keywords": "非遗"}) == expected


def test_boolean_filter(loaded, docs):
    expected = {d["id"] for d in docs if d["cross_border_allowed"]}
    assert found(loaded, filters={"cross_border_allowed": True}) == expected


def test_numeric_range_filter(loaded, docs):
    expected = {d["id"] for d in docs if 100_000 <= d["price"] < 1_000_000}
    assert found(loaded, filters={"price": Range(gte=100_000, lt=1_000_000)}) == expected


def test_date_range_filter(loaded, docs):
    expected = {d["id"] for d in docs if d["published_at"] >= "2024-07-01"}
    assert found(loaded, filters={"published_at": Range(gte="2024-07-01")}) == expected


def test_filters_combine_with_text(loaded, docs):
    hits = found(loaded, text="深圳", filters={"certified": True, "category": "transport"})
    assert hits and all(
        d["certified"] and d["category"] == "transport" for d in docs if d["id"] in hits
    )


def test_filter_on_text_field_is_refused(loaded):
    with pytest.raises(InvalidQuery) as caught:
        search(loaded, filters={"title_zh": "深圳"})
    assert caught.value.field == "filters.title_zh"


def test_filter_on_unknown_field_is_refused(loaded):
    with pytest.raises(InvalidQuery):
        search(loaded, filters={"colour": "red"})


# -- facets ----------------------------------------------------------------------------


def test_keyword_facet_counts_match_a_recount(loaded, docs):
    results = search(loaded, facets=["category", "asset_kind"])
    assert results.facets["category"] == recount(docs, "category")
    assert results.facets["asset_kind"] == recount(docs, "asset_kind")


def test_multi_valued_facet_counts_each_document_once_per_value(loaded, docs):
    results = search(loaded, facets=["keywords"], facet_size=100)
    assert results.facets["keywords"] == recount(docs, "keywords")[:100]


def test_facets_count_only_matching_documents(loaded, docs):
    results = search(loaded, filters={"region": "shenzhen"}, facets=["category"])
    expected = recount(docs, "category", lambda d: d["region"] == "shenzhen")
    assert results.facets["category"] == expected


def test_facets_follow_the_text_query(loaded):
    results = search(loaded, text="公交", facets=["category"])
    assert results.facets["category"] == [("transport", results.total)]


def test_boolean_facet(loaded, docs):
    results = search(loaded, facets=["certified"])
    assert results.facets["certified"] == recount(docs, "certified")


def test_range_facet_counts_buckets(loaded, docs):
    results = search(loaded, facets=[RangeFacet("price", PRICE_BUCKETS)])
    expected = [
        (f"{'*' if lo is None else lo}-{'*' if hi is None else hi}",
         sum(1 for d in docs if (lo is None or d["price"] >= lo) and (hi is None or d["price"] < hi)))
        for lo, hi in PRICE_BUCKETS
    ]  # fmt: skip
    assert results.facets["price"] == expected


def test_browsing_counts_every_document_beyond_the_page(loaded, docs):
    results = loaded.search(LISTINGS, Query(per_page=5, facets=["category"]))
    assert results.total == len(docs) and results.total_exact and len(results.hits) == 5
    assert results.facets["category"] == recount(docs, "category")


def test_browsing_facets_follow_writes(engine, docs):
    # OpenSearch keeps browsing's facets in its request cache: a write must clear them.
    engine.index(LISTINGS, docs[:10], refresh=True)
    assert search(engine, facets=["category"]).facets["category"] == recount(docs[:10], "category")
    engine.index(LISTINGS, docs[10:25], refresh=True)
    engine.delete(LISTINGS, [docs[0]["id"]], refresh=True)
    results = search(engine, facets=["category"])
    assert results.total == 24
    assert results.facets["category"] == recount(docs[1:25], "category")


def test_facet_size_limits_values(loaded):
    assert len(search(loaded, facets=["keywords"], facet_size=5).facets["keywords"]) == 5


def test_facet_on_numeric_field_is_refused(loaded):
    with pytest.raises(InvalidQuery):
        search(loaded, facets=["price"])


# -- sorting and paging ----------------------------------------------------------------


def test_sort_newest_first(loaded, docs):
    hits = search(loaded, sort="newest").hits
    assert [h.id for h in hits] == [
        d["id"] for d in sorted(docs, key=lambda d: (-_epoch(d["published_at"]), d["id"]))
    ]


def _epoch(text: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(text).timestamp()


def test_sort_by_price_ascending_breaks_ties_by_id(loaded, docs):
    hits = search(loaded, sort="price_asc").hits
    assert [h.id for h in hits] == [
        d["id"] for d in sorted(docs, key=lambda d: (d["price"], d["id"]))
    ]


def test_sort_by_price_descending(loaded, docs):
    prices = [h.source["price"] for h in search(loaded, sort="price_desc").hits]
    assert prices == sorted((d["price"] for d in docs), reverse=True)


def test_sort_by_explicit_keys(loaded):
    hits = search(loaded, sort=[SortKey("coverage_from", descending=True)]).hits
    years = [h.source["coverage_from"] for h in hits]
    assert years == sorted(years, reverse=True)


def test_sort_on_a_text_field_is_refused(loaded):
    with pytest.raises(InvalidQuery) as caught:
        search(loaded, sort=[SortKey("title_en")])
    assert caught.value.field == "title_en"


def test_unknown_sort_preset_is_refused(loaded):
    with pytest.raises(InvalidQuery) as caught:
        search(loaded, sort="cheapest")
    assert caught.value.field == "sort"


def test_relevance_scores_descend(loaded):
    scores = [h.score for h in search(loaded, text="深圳 数据").hits]
    assert scores and scores == sorted(scores, reverse=True)


def test_pages_partition_the_results(loaded, docs):
    pages = [
        loaded.search(LISTINGS, Query(text="", sort="price_asc", page=n, per_page=7)).hits
        for n in range(1, 11)
    ]
    seen = [hit.id for page in pages for hit in page]
    assert len(seen) == len(set(seen)) == len(docs)


def test_paging_is_stable_for_relevance(loaded):
    first = [h.id for h in loaded.search(LISTINGS, Query(text="数据", per_page=5, page=2)).hits]
    again = [h.id for h in loaded.search(LISTINGS, Query(text="数据", per_page=5, page=2)).hits]
    assert first == again


@pytest.mark.parametrize(
    ("options", "field"),
    [({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"), ({"page": 0}, "page"),
     ({"page": 1000, "per_page": 100}, "page")],
)  # fmt: skip
def test_page_bounds_are_enforced(loaded, options, field):
    with pytest.raises(InvalidQuery) as caught:
        loaded.search(LISTINGS, Query(**options))
    assert caught.value.field == field


# -- highlighting ----------------------------------------------------------------------


def test_highlights_mark_the_matched_words(loaded):
    hit = loaded.search(LISTINGS, Query(text="粤剧", highlight=True)).hits[0]
    assert "<mark>粤剧</mark>" in hit.highlights["title_zh"]


def test_highlights_escape_html(engine):
    doc = {"id": "X1", "title_zh": "测试", "title_en": "<script>alert(1)</script> bus data"}
    engine.index(LISTINGS, [doc], refresh=True)
    snippet = engine.search(LISTINGS, Query(text="bus", highlight=True)).hits[0].highlights
    assert "<script>" not in snippet["title_en"] and "<mark>bus</mark>" in snippet["title_en"]


def test_a_latin_snippet_starts_and_ends_at_a_word_boundary(engine):
    words = ("Hourly entries and exits per station and hour on the Beijing metro, with line, "
             "direction and fare type for every gate of the network since 2019, cleaned, ")  # fmt: skip
    text = words * 2 + "with metro ridership forecasts. " + words * 3
    engine.index(LISTINGS, [{"id": "X2", "title_zh": "地铁", "description_en": text}], refresh=True)
    hit = engine.search(LISTINGS, Query(text="ridership", highlight=True)).hits[0]
    snippet = re.sub(r"</?mark>", "", hit.highlights["description_en"]).strip("…")
    assert "ridership" in snippet and snippet in text
    start = text.index(snippet)
    end = start + len(snippet)
    assert start == 0 or not text[start - 1].isalnum(), snippet
    assert end == len(text) or not text[end].isalnum(), snippet


def test_an_embedded_snippet_cuts_no_latin_word_whatever_its_size():
    text = "Hourly entries and exits per station and hour on the Beijing metro, " * 3
    text += "with ridership forecasts, direction and fare type for every gate " * 3
    pattern = analysis.highlight_pattern({"ridership"})
    for size in range(30, 120):
        snippet = re.sub(r"</?mark>", "", analysis.highlight(text, pattern, size)).strip("…")
        start = text.index(snippet)
        end = start + len(snippet)
        assert not (text[start - 1].isalnum() and text[start].isalnum()), (size, snippet)
        assert not (text[end - 1].isalnum() and text[end].isalnum()), (size, snippet)
        assert snippet[0].isalnum() and snippet[-1] != " ", (size, snippet)


def test_no_highlights_unless_asked(loaded):
    assert all(not h.highlights for h in search(loaded, text="粤剧").hits)


# -- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    '"unbalanced quote',
    '"*:()[]{}^~?\\/!&|+-AND OR NOT',
    "AND OR NOT",
    "title_zh:深圳 OR price:[0 TO *]",
    'NEAR(a b) * ^2 {col}: ""',
    "'; DROP TABLE search_alias; --",
    "深圳" * 250,
    "a " * 250,
    "(" * 500,
    'bus~ shen* "深圳"^3 -公交 +数据',
    "\x00\x01\x1f control",
    "🙂🙃 emoji 数据",
    "ｆｕｌｌｗｉｄｔｈ　ＡＰＩ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(loaded, text):
    results = loaded.search(LISTINGS, Query(text=text, facets=["category"], highlight=True))
    assert results.total >= 0


def test_too_long_query_is_refused_naming_q(loaded):
    with pytest.raises(QueryTooLong) as caught:
        loaded.search(LISTINGS, Query(text="数" * 501))
    assert caught.value.field == "q"


def test_facets_filters_and_orders_follow_writes_from_another_process(tmp_path, docs):
    import search

    url = f"embedded://{tmp_path}/search.sqlite3"
    reader, writer = search.connect(url, prefix="t_"), search.connect(url, prefix="t_")
    reader.ensure_index(LISTINGS)
    reader.index(LISTINGS, docs)
    query = dict(facets=["category", "certified"], filters={"certified": True}, sort="newest")
    before = reader.search(LISTINGS, Query(per_page=100, **query))
    changed = {**docs[0], "category": "a-new-category", "certified": True}
    changed["published_at"] = "2030-01-01T00:00:00Z"
    writer.index(LISTINGS, [changed])
    after = reader.search(LISTINGS, Query(per_page=100, **query))
    assert ("a-new-category", 1) in after.facets["category"]
    assert ("a-new-category", 1) not in before.facets["category"]
    assert after.hits[0].id == changed["id"] != before.hits[0].id
    reader.close()
    writer.close()
