"""Measure the buyers' relevance set on both engines over the demo catalogue.

    .venv/bin/python -m tests.search.relevance.measure [--set dev|blind|fresh|unseen|english|mix|buyer|trade|tuning|five|six|seven|eight|nine|heldout|all] [--worst N]

Seeds the demo exchange in a throwaway SQLite database, indexes its listings in the embedded
engine and (when the test OpenSearch node is up) in OpenSearch, runs each query as the search
API does (``discovery.run``: synonyms, place boosts) and prints NDCG@10 and the
zero-result rate per group. ``dev`` is the tuning set plus the development additions
(``dev_queries.json``) and the blind additions (``blind_queries.json``), which ``blind`` measures
alone. ``fresh`` measures the fresh blind additions (``fresh_queries.json``), which are in no
other set, ``unseen`` the unseen blind additions (``unseen_queries.json``), likewise, and
``english`` the English-weighted blind additions (``english_queries.json``), likewise,
``mix`` the mixed blind additions (``mix_queries.json``), likewise, ``buyer`` the buyers'
blind additions (``buyer_queries.json``), likewise, and ``trade`` the trade buyers' blind
additions (``trade_queries.json``), likewise.
``five`` runs the queries of the five tuning sets once and prints each set and their mean
(the macro-average a change to ranking is judged by: no set may fall by more than noise);
``six`` does the same for those five and ``english``, ``seven`` for those six and ``mix``,
``eight`` for those seven and ``buyer``, and ``nine`` for those eight and ``trade`` (``five``
to ``eight`` keep their meaning, so earlier figures stay comparable). ``--worst`` lists the
lowest-scoring queries of the chosen set: use it on ``dev``, ``blind``, ``fresh``,
``unseen``, ``english``, ``mix``, ``buyer``, ``trade``, ``tuning``, ``five``, ``six``,
``seven``, ``eight`` or ``nine`` only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import uuid
from pathlib import Path

import search
from market.demo.catalogue import TOPICS
from market.listings import discovery
from market.listings.indexing import LISTINGS
from tests.search.relevance import judged


def evaluate(engine: search.SearchEngine, key_of: dict[str, str], ids: set[str]) -> list[dict]:
    """One row per judged query of ``ids``: group, NDCG@10, total, whether it was relaxed."""
    listings = {topic.key: list(topic.places) for topic in TOPICS}
    grades = judged.judgments(listings)
    rows = []
    everything = judged.every_query()
    for query in everything:
        if query["id"] not in ids:
            continue
        results = discovery.run(engine, {"q": query["query"], "page_size": 10})
        ranked = [key_of.get(hit.id, hit.id) for hit in results.hits]
        rows.append(
            {
                **query,
                "judged": bool(grades[query["id"]]),
                "ndcg": judged.ndcg(ranked, grades[query["id"]]),
                "total": results.total,
                "relaxed": results.relaxed,
                "top": ranked[:3],
            }
        )
    return rows


def summary(rows: list[dict]) -> dict[str, tuple[float, int, int]]:
    """Per group and ``all``: (mean NDCG@10, zero-result count, judged count)."""
    out = {}
    for group in sorted({r["group"] for r in rows}) + ["all"]:
        mine = [r for r in rows if r["judged"] and group in ("all", r["group"])]
        zero = sum(1 for r in mine if r["total"] == 0)
        out[group] = (statistics.fmean(r["ndcg"] for r in mine), zero, len(mine))
    return out


#: The sets a change to ranking is tuned and judged on (never the held-out set).
FIVE = ("dev", "tuning", "blind", "fresh", "unseen")
#: The five and the English-weighted blind additions.
SIX = (*FIVE, "english")
#: The six and the mixed blind additions.
SEVEN = (*SIX, "mix")
#: The seven and the buyers' blind additions.
EIGHT = (*SEVEN, "buyer")
#: The eight and the trade buyers' blind additions.
NINE = (*EIGHT, "trade")


def query_sets() -> dict[str, set[str]]:
    """The ids of each named set of queries."""
    sets = judged.split()
    sets["blind"] = {q["id"] for q in judged.blind_queries()}
    sets["fresh"] = {q["id"] for q in judged.fresh_queries()}
    sets["unseen"] = {q["id"] for q in judged.unseen_queries()}
    sets["english"] = {q["id"] for q in judged.english_queries()}
    sets["mix"] = {q["id"] for q in judged.mix_queries()}
    sets["buyer"] = {q["id"] for q in judged.buyer_queries()}
    sets["trade"] = {q["id"] for q in judged.trade_queries()}
    sets["dev"] = sets["tuning"] | {q["id"] for q in judged.dev_queries()} | sets["blind"]
    sets["five"] = set().union(*(sets[name] for name in FIVE))
    sets["six"] = set().union(*(sets[name] for name in SIX))
    sets["seven"] = set().union(*(sets[name] for name in SEVEN))
    sets["eight"] = set().union(*(sets[name] for name in EIGHT))
    sets["nine"] = set().union(*(sets[name] for name in NINE))
    return sets


def per_set(
    rows: list[dict], sets: dict[str, set[str]], names: tuple[str, ...] = FIVE
) -> dict[str, tuple[float, int, int]]:
    """Each named set's ``summary()["all"]`` from the rows of them all (:data:`FIVE` unless
    told), and ``macro``: their mean NDCG@10 (zero results and judged counts summed)."""
    out = {name: summary([r for r in rows if r["id"] in sets[name]])["all"] for name in names}
    out["macro"] = (
        statistics.fmean(mean for mean, _, _ in out.values()),
        sum(zero for _, zero, _ in out.values()),
        sum(count for _, _, count in out.values()),
    )
    return out


def seed_catalogue(directory: Path) -> tuple[list[dict], dict[str, str]]:
    """The demo catalogue's search documents and ``{listing id: topic@place}``."""
    from market import demo, migrate
    from market.app import create_app
    from market.db import utcnow
    from market.demo import listings as listings_demo
    from market.listings import indexing
    from tests.conftest import app_config

    url = f"sqlite:///{directory / 'catalogue.sqlite3'}"
    migrate.upgrade(url)
    application = create_app(app_config(url, directory))
    with application.app_context(), application.extensions["db"].unit_of_work() as session:
        demo.seed(session)
        ids = listings_demo.listing_ids(session)
        docs = list(indexing.documents(session, utcnow()))
    application.extensions["db"].dispose()
    return docs, {str(listing_id): key for key, listing_id in ids.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        default="tuning",
        choices=(
            "dev",
            "blind",
            "fresh",
            "unseen",
            "english",
            "mix",
            "buyer",
            "trade",
            "tuning",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "heldout",
            "all",
        ),
    )
    parser.add_argument("--worst", type=int, default=0)
    parser.add_argument("--engine", default="both", choices=("both", "embedded", "opensearch"))
    options = parser.parse_args()
    sets = query_sets()
    ids = sets["tuning"] | sets["heldout"] if options.set == "all" else sets[options.set]
    from bench.search import opensearch_default

    with tempfile.TemporaryDirectory() as tmp:
        docs, key_of = seed_catalogue(Path(tmp))
        engines = {}
        if options.engine != "opensearch":
            engines["embedded"] = search.connect(f"embedded://{tmp}/search.sqlite3")
        url = opensearch_default()
        if url and options.engine != "embedded":
            prefix = f"shujiao-relevance-{uuid.uuid4().hex[:8]}-"
            # A loaded machine can take longer than the client's default 10 s to bulk-load.
            engines["opensearch"] = search.connect(url, prefix=prefix, replicas=0, timeout=120)
        for name, engine in engines.items():
            engine.ensure_index(LISTINGS)
            engine.index(LISTINGS, docs, refresh=True)
            rows = evaluate(engine, key_of, ids)
            print(f"{name} ({options.set}):")
            for group, (mean, zero, count) in summary(rows).items():
                print(f"  {group:8} NDCG@10 {mean:.3f}  zero results {zero}/{count}")
            if options.set in ("five", "six", "seven", "eight", "nine"):
                names = {"five": FIVE, "six": SIX, "seven": SEVEN, "eight": EIGHT, "nine": NINE}[
                    options.set
                ]
                for name, (mean, zero, count) in per_set(rows, sets, names).items():
                    print(f"  {name:8} NDCG@10 {mean:.4f}  zero results {zero}/{count}")
            unjudged = [r for r in rows if not r["judged"]]
            hits = sum(1 for r in unjudged if r["total"])
            print(f"  nothing fits: {len(unjudged)} queries, {hits} of them return something")
            for row in sorted((r for r in rows if r["judged"]), key=lambda r: r["ndcg"])[
                : options.worst
            ]:
                print(f"    {row['ndcg']:.2f} {row['total']:4} {row['query']}  {row['top']}")
            engine.drop_index(LISTINGS)
            engine.close()


if __name__ == "__main__":
    main()
