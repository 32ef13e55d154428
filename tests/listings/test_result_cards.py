"""Result cards and facets read sensibly: one year of coverage is one year, a size that is
plainly not the product's is not shown, and facet values that lead to nothing are not offered."""

from __future__ import annotations

import re

from market.listings import indexing
from market.registry.models import Asset
from tests.listings import factories as lf

EN = {"Accept-Language": "en"}


def test_one_years_coverage_reads_as_that_year(client, db, store, provider, staff, drain):
    lf.published_listing(db, store, *provider, staff, coverage_from=2026, coverage_to=2026)
    db.commit()
    drain()
    facts = re.findall(r'data-testid="hit-facts">(.*?)</p>', client.get("/market").text, re.S)
    assert facts and "2026" in facts[0] and "2026–2026" not in facts[0]


def test_a_size_below_a_byte_a_record_is_not_shown(client, db, store, provider, staff, drain):
    listing = lf.published_listing(db, store, *provider, staff)
    db.get(Asset, listing.asset_id).record_count = 8_000_000
    db.commit()
    indexing.enqueue(db, listing.id)  # reindexed with the asset's new count
    db.commit()
    drain()
    facts = re.findall(r'data-testid="hit-facts">(.*?)</p>', client.get("/market").text, re.S)
    assert facts and "8,000,000" in facts[0]
    assert not re.search(r"\d+ B\b", facts[0]) and "bytes" not in facts[0]


def test_an_api_products_files_read_as_its_sample_in_bytes(
    client, db, store, provider, staff, drain
):
    listing = lf.published_listing(
        db, store, *provider, staff, files={"sample.json": b'{"a": 1}'}, delivery_method="api"
    )
    db.get(Asset, listing.asset_id).record_count = None
    db.commit()
    indexing.enqueue(db, listing.id)
    db.commit()
    drain()
    for headers, shown in ((EN, "sample 8 bytes"), ({"Accept-Language": "zh"}, "样例 8 字节")):
        html = client.get("/market", headers=headers).text
        facts = re.findall(r'data-testid="hit-facts">(.*?)</p>', html, re.S)
        assert facts and shown in facts[0], facts


def test_facet_values_with_nothing_behind_them_are_hidden(
    client, db, store, provider, staff, drain
):
    lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    html = client.get("/market", headers=EN).text
    zero = re.findall(
        r'data-testid="facet-[^"]+"[^>]*>[^<]*</a> <span class="muted">0</span>', html
    )
    assert zero == []
    assert 'data-testid="facet-category-transport"' in html
