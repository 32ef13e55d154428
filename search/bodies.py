"""Request bodies for OpenSearch and Elasticsearch: index settings, mappings, queries.

Both clients send exactly these bodies. Chinese is analysed with the ``cjk`` approach
(standard tokenizer, ``cjk_width``, ``lowercase``, ``cjk_bigram``): unigrams and bigrams are
indexed, bigrams are searched (a lone character still searches as a unigram); English words
inside Chinese text are stemmed too. English uses the English stemmer and stop words; ``mixed``
is both. The synonym list applies at search time only, after the
bigram/stemming step, so rules are parsed into the same tokens the index holds.
"""

from __future__ import annotations

from typing import Any

from search import analysis
from search.query import Plan
from search.spec import IndexSpec

ANALYSIS: dict[str, Any] = {
    "filter": {
        "shujiao_synonyms": {
            "type": "synonym_graph",
            "synonyms": analysis.opensearch_synonyms(),
            "lenient": True,
        },
        "en_stemmer": {"type": "stemmer", "language": "english"},
        "en_possessive": {"type": "stemmer", "language": "possessive_english"},
        "en_stop": {"type": "stop", "stopwords": "_english_"},
        "cjk_bigram_index": {"type": "cjk_bigram", "output_unigrams": True},
        "cjk_bigram_search": {"type": "cjk_bigram", "output_unigrams": False},
        "prefix_grams": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
    },
    "analyzer": {
        "zh_index": {
            "tokenizer": "standard",
            "filter": ["cjk_width", "en_possessive", "lowercase", "en_stemmer", "cjk_bigram_index"],
        },
        "zh_search": {
            "tokenizer": "standard",
            "filter": [
                "cjk_width", "en_possessive", "lowercase", "en_stemmer", "cjk_bigram_search",
                "shujiao_synonyms",
            ],
        },
        "en_index": {
            "tokenizer": "standard",
            "filter": ["en_possessive", "lowercase", "en_stop", "en_stemmer"],
        },
        "en_search": {
            "tokenizer": "standard",
            "filter": ["en_possessive", "lowercase", "en_stop", "en_stemmer", "shujiao_synonyms"],
        },
        "mixed_index": {
            "tokenizer": "standard",
            "filter": [
                "cjk_width", "en_possessive", "lowercase", "en_stop", "en_stemmer",
                "cjk_bigram_index",
            ],
        },
        "mixed_search": {
            "tokenizer": "standard",
            "filter": [
                "cjk_width", "en_possessive", "lowercase", "en_stop", "en_stemmer",
                "cjk_bigram_search", "shujiao_synonyms",
            ],
        },
        "prefix_index": {
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "prefix_grams"],
        },
        "prefix_search": {"tokenizer": "standard", "filter": ["cjk_width", "lowercase"]},
    },
}  # fmt: skip

_KIND_TYPES = {"keyword": "keyword", "integer": "integer", "long": "long", "boolean": "boolean"}
#: Fuzzy matching budget per query (bounds the clauses a typo-tolerant query expands to).
MAX_FUZZY_CHUNKS = 8


def index_body(spec: IndexSpec, *, shards: int, replicas: int) -> dict[str, Any]:
    """Settings and mappings for a physical index of ``spec``."""
    properties: dict[str, Any] = {"id": {"type": "keyword"}}
    for f in spec.fields:
        if f.kind == "text":
            mapping = {
                "type": "text",
                "analyzer": f"{f.language}_index",
                "search_analyzer": f"{f.language}_search",
            }
            if f in spec.suggest_fields:
                mapping["fields"] = {
                    "prefix": {
                        "type": "text",
                        "analyzer": "prefix_index",
                        "search_analyzer": "prefix_search",
                    }
                }
            properties[f.name] = mapping
        elif f.kind == "date":
            properties[f.name] = {"type": "date", "format": "strict_date_optional_time"}
        else:
            properties[f.name] = {"type": _KIND_TYPES[f.kind]}
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": ANALYSIS,
        },
        "mappings": {
            "dynamic": False,
            "_meta": {"fingerprint": spec.fingerprint, "spec": spec.name},
            "properties": properties,
        },
    }


def _weighted(fields) -> list[str]:
    return [f"{f.name}^{f.boost:g}" for f in fields]


def text_query(spec: IndexSpec, text: str) -> dict[str, Any] | None:
    """The scoring part of a search; ``None`` for empty text, ``match_none`` for text with
    nothing searchable in it.

    Each whitespace-separated chunk must match some field (term-centric across languages);
    within a chunk 75% of its terms must match, so Chinese written without spaces matches
    when most of its bigrams do. English fields also accept typos (``fuzziness: AUTO``).
    """
    if not text:
        return None
    chunks = analysis.budget_chunks(text)
    if not chunks:
        return {"match_none": {}}
    all_fields = _weighted(spec.text_fields)
    english = _weighted(f for f in spec.text_fields if f.language == "en")
    must = []
    for n, chunk in enumerate(chunks):
        exact = {
            "multi_match": {
                "query": chunk,
                "fields": all_fields,
                "type": "best_fields",
                "tie_breaker": 0.3,
                "minimum_should_match": "2<75%",
            }
        }
        if not english or n >= MAX_FUZZY_CHUNKS or not chunk.isascii() or len(chunk) < 4:
            must.append(exact)
            continue
        fuzzy = {
            "multi_match": {
                "query": chunk,
                "fields": english,
                "fuzziness": "AUTO",
                "prefix_length": 1,
                "max_expansions": 10,
                "operator": "and",
                "analyzer": "en_index",
                "boost": 0.5,
            }
        }
        must.append({"dis_max": {"queries": [exact, fuzzy]}})
    return must[0] if len(must) == 1 else {"bool": {"must": must}}


def _filter(flt) -> dict[str, Any]:
    f = flt.field
    if f.kind in ("keyword", "boolean"):
        return {"terms": {f.name: list(flt.values)}}
    return {"range": {f.name: dict(flt.bounds)}}


def _sort(plan: Plan) -> list[Any]:
    if plan.sort is None:
        return ["_score", {"id": "asc"}]
    keys = [
        {k.field: {"order": "desc" if k.descending else "asc", "missing": "_last"}}
        for k in plan.sort
    ]
    return [*keys, {"id": "asc"}]


def search_body(spec: IndexSpec, plan: Plan) -> dict[str, Any]:
    """The whole search request: query, filters, sort, page, aggregations and highlighting."""
    scoring = text_query(spec, plan.text)
    query: dict[str, Any] = {"bool": {"filter": [_filter(f) for f in plan.filters]}}
    if scoring is not None:
        query["bool"]["must"] = [scoring]
    aggs: dict[str, Any] = {}
    for f in plan.term_facets:
        aggs[f.name] = {
            "terms": {
                "field": f.name,
                "size": plan.facet_size,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
    for rf in plan.range_facets:
        ranges = []
        for key, (low, high) in zip(rf.labels(), rf.buckets, strict=True):
            bucket: dict[str, Any] = {"key": key}
            if low is not None:
                bucket["from"] = low
            if high is not None:
                bucket["to"] = high
            ranges.append(bucket)
        aggs[rf.field] = {"range": {"field": rf.field, "ranges": ranges}}
    body: dict[str, Any] = {
        "query": query,
        "sort": _sort(plan),
        "from": plan.offset,
        "size": plan.per_page,
        # Facets already visit every match, so an exact total costs nothing extra then.
        "track_total_hits": True if aggs else 10_000,
    }
    if aggs:
        body["aggs"] = aggs
    if plan.highlight and scoring is not None:
        body["highlight"] = {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {
                f.name: {"number_of_fragments": 1, "fragment_size": 160, "no_match_size": 0}
                for f in spec.text_fields
            },
        }
    return body


def suggest_body(spec: IndexSpec, prefix: str, size: int) -> dict[str, Any]:
    """Titles whose words start with the typed words (edge n-grams), adjacent ones first."""
    should = []
    for f in spec.suggest_fields:
        should.append({"match": {f"{f.name}.prefix": {"query": prefix, "operator": "and"}}})
        should.append({"match_phrase": {f"{f.name}.prefix": {"query": prefix, "boost": 2}}})
    return {
        "size": size,
        "_source": ["id", *(f.name for f in spec.suggest_fields)],
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "sort": ["_score", {"id": "asc"}],
    }


def similar_body(spec: IndexSpec, index: str, doc_id: str, size: int) -> dict[str, Any]:
    """``more_like_this`` on the text fields of one document (itself excluded)."""
    return {
        "size": size,
        "query": {
            "more_like_this": {
                "fields": [f.name for f in spec.text_fields],
                "like": [{"_index": index, "_id": doc_id}],
                "min_term_freq": 1,
                "min_doc_freq": 1,
                "max_query_terms": 25,
                "minimum_should_match": "10%",
            }
        },
        "sort": ["_score", {"id": "asc"}],
    }
