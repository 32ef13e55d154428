"""Relevance you can measure: NDCG@10 of the labelled queries over the demo catalogue, on both
engines. The thresholds are the levels reached and recorded in docs/listings.md; a change to
the spec, analysis or documents that drops below them fails here."""

from __future__ import annotations

import statistics

import pytest

import search
from market.listings.indexing import LISTINGS
from tests.listings.relevance import QUERIES, ndcg

# Levels reached (docs/listings.md), minus a small margin for engine version noise.
THRESHOLDS = {"embedded": 0.87, "opensearch": 0.93}


@pytest.fixture(scope="module")
def scores(catalogue_engine, catalogue) -> dict[str, float]:
    """NDCG@10 per query on one engine."""
    engine, _ = catalogue_engine
    by_id = {str(listing_id): key for key, listing_id in catalogue.ids.items()}
    out = {}
    for kind, text, grades in QUERIES:
        results = engine.search(LISTINGS, search.Query(text=text, per_page=10))
        ranked = [by_id.get(hit.id, hit.id) for hit in results.hits]
        out[f"{kind}: {text}"] = ndcg(ranked, grades)
    return out


def test_the_labelled_set_has_at_least_40_queries_of_every_kind():
    kinds = {kind for kind, _, _ in QUERIES}
    assert len(QUERIES) >= 40
    assert kinds == {"zh", "en", "mixed", "typo"}


def test_mean_ndcg_at_10_stays_at_the_recorded_level(catalogue_engine, scores):
    _, kind = catalogue_engine
    mean = statistics.fmean(scores.values())
    print(f"\nNDCG@10 {kind}: {mean:.3f}")
    for query, value in sorted(scores.items(), key=lambda item: item[1])[:8]:
        print(f"  {value:.3f}  {query}")
    assert mean >= THRESHOLDS[kind]
