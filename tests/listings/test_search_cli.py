"""``shujiao search check`` and ``shujiao search reindex``."""

from __future__ import annotations

from market.listings.cli import search_group
from tests.listings import factories as lf


def test_check_names_listings_missing_from_the_index(app, db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    result = app.test_cli_runner().invoke(search_group, ["check"])
    assert result.exit_code == 1
    assert str(listing.id) in result.output


def test_reindex_then_check_passes(app, db, store, provider, staff):
    lf.published_listing(db, store, *provider, staff)
    db.commit()
    runner = app.test_cli_runner()
    assert "indexed 1 listings" in runner.invoke(search_group, ["reindex"]).output
    assert runner.invoke(search_group, ["check"]).exit_code == 0
