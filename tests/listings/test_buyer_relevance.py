"""Relevance on queries buyers wrote blind, judged over the whole demo catalogue
(tests/search/relevance). The thresholds follow the held-out figures reached and recorded in
docs/search.md, minus a small margin for engine version noise; a change that drops below
them fails here. Tuning and held-out sets are both measured and printed."""

from __future__ import annotations

import pytest

from tests.search.relevance import judged
from tests.search.relevance.measure import evaluate, summary

# Held-out NDCG@10 reached (docs/search.md): embedded 0.890, OpenSearch 0.904; the targets are
# 0.85 and 0.90, and every language group's 0.80 (its lowest: simplified Chinese, 0.853 / 0.861).
NDCG = {"embedded": 0.88, "opensearch": 0.90}
GROUP_NDCG = 0.80
# Held-out judged queries with no result reached: 1 and 1 of 111; the 2% asked.
ZERO_RESULTS = {"embedded": 0.02, "opensearch": 0.02}


@pytest.fixture(scope="module")
def measured(catalogue_engine, catalogue) -> dict[str, dict]:
    engine, _ = catalogue_engine
    key_of = {str(listing_id): key for key, listing_id in catalogue.ids.items()}
    return {name: summary(evaluate(engine, key_of, ids)) for name, ids in judged.split().items()}


def test_the_split_is_fixed_and_disjoint():
    sets = judged.split()
    assert len(sets["tuning"]) == len(sets["heldout"]) == 140
    assert not sets["tuning"] & sets["heldout"]
    assert sets["tuning"] | sets["heldout"] == {q["id"] for q in judged.queries()}


def test_held_out_ndcg_and_zero_results_stay_at_the_recorded_level(catalogue_engine, measured):
    _, kind = catalogue_engine
    for name, groups in measured.items():
        print(f"\n{kind} {name}:")
        for group, (mean, zero, count) in groups.items():
            print(f"  {group:8} NDCG@10 {mean:.3f}  zero results {zero}/{count}")
    mean, zero, count = measured["heldout"]["all"]
    assert mean >= NDCG[kind]
    assert min(group[0] for group in measured["heldout"].values()) >= GROUP_NDCG
    assert zero / count <= ZERO_RESULTS[kind]


def test_every_query_of_the_unseen_set_is_answered(catalogue_engine, catalogue):
    # A long English request of words with large synonym groups went past OpenSearch's 1,024
    # clauses at every shard (its typo matches expand there, by the index's own words), where
    # the refusal names no error type, only "too many nested clauses": it was not asked again
    # with fewer synonyms, and the buyer was told search was unavailable.
    engine, _ = catalogue_engine
    key_of = {str(listing_id): key for key, listing_id in catalogue.ids.items()}
    unseen = {query["id"] for query in judged.unseen_queries()}
    assert len(evaluate(engine, key_of, unseen)) == len(unseen)
