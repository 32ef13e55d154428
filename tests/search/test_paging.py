"""Which documents a search matches does not depend on how its results are paged: the total,
the facets and the union of the pages are the same at every page size, and paging through
every page gives each document once, in the order of one big page."""

from __future__ import annotations

import dataclasses

import pytest

from search import Query
from search.query import FEW
from search.spec import IndexSpec, keyword, text
from tests.search.listings import LISTINGS

SIZES = (1, 3, 7, 10, 20, 50, 100)

PAGED = IndexSpec("paged", fields=(text("title", "en"), keyword("kind")))


def _documents(both: int, first: int, second: int, neither: int) -> list[dict]:
    """``both`` documents holding the two words, ``first`` and ``second`` holding one each."""
    docs = []
    for n in range(both):
        docs.append({"id": f"b{n:02}", "title": f"harbour cranes lot {n}", "kind": "both"})
    for n in range(first):
        docs.append({"id": f"h{n:02}", "title": f"harbour tides lot {n}", "kind": "harbour"})
    for n in range(second):
        docs.append({"id": f"c{n:02}", "title": f"cranes on towers {n}", "kind": "cranes"})
    for n in range(neither):
        docs.append({"id": f"n{n:02}", "title": f"river banks {n}", "kind": "neither"})
    return docs


def _every_page(engine, spec: IndexSpec, query: Query) -> tuple[int, dict, list[str]]:
    """The total and facets of the first page, and the ids of every page in order."""
    first = engine.search(spec, query)
    ids = [hit.id for hit in first.hits]
    page = 1
    while page * query.per_page < first.total:
        page += 1
        results = engine.search(spec, dataclasses.replace(query, page=page))
        assert (results.total, results.facets) == (first.total, first.facets)
        ids += [hit.id for hit in results.hits]
    return first.total, first.facets, ids


def _same_at_every_size(engine, spec: IndexSpec, text: str, facets=()) -> tuple[int, list[str]]:
    whole = engine.search(spec, Query(text=text, per_page=100, facets=facets))
    order = [hit.id for hit in whole.hits]
    assert whole.total == len(order)  # one page holds them all
    for size in SIZES:
        total, counted, ids = _every_page(
            engine, spec, Query(text=text, per_page=size, facets=facets)
        )
        assert (size, total, counted) == (size, whole.total, whole.facets)
        assert len(ids) == len(set(ids)) == total  # each document once
        assert (size, ids) == (size, order)
    return whole.total, order


@pytest.mark.parametrize(
    ("both", "expected"),
    [
        # Fewer than FEW match both words: those matching one follow, at every page size.
        (12, 12 + 10 + 8),
        # FEW or more match both: they are the results, at every page size.
        (FEW + 5, FEW + 5),
    ],
)
def test_the_total_and_the_pages_do_not_depend_on_the_page_size(engine, both, expected):
    engine.ensure_index(PAGED)
    engine.index(PAGED, _documents(both, 10, 8, 5), refresh=True)
    total, order = _same_at_every_size(engine, PAGED, "harbour cranes", facets=["kind"])
    assert total == expected
    assert all(i.startswith("b") for i in order[:both])  # those matching both come first
    strict = engine.search(PAGED, Query(text="harbour cranes", per_page=1)).strict_total
    assert strict == (both if expected > both else None)
    engine.drop_index(PAGED)


@pytest.mark.parametrize("text", ["深圳 metro", "深圳 台风 路径 海啸", "公交 刷卡 地铁", "气象"])
def test_paging_the_listings_gives_each_once_whatever_the_page_size(loaded, text):
    total, _ = _same_at_every_size(loaded, LISTINGS, text, facets=["category", "region"])
    assert total > 0
