"""Column types of an asset's field schema read as words in the reader's language."""

from __future__ import annotations

import pytest

from tests.listings import factories as lf
from tests.registry import factories as rf

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def typed_asset(db, holding):
    """The holding's asset with one column of each type, and one the exchange does not know."""
    _organisation, owner, asset = holding
    asset.field_schema = [
        {"name": "id", "type": "integer", "description": ""},
        {"name": "price", "type": "number", "description": ""},
        {"name": "day", "type": "date", "description": ""},
        {"name": "seen_at", "type": "timestamp", "description": ""},
        {"name": "open", "type": "boolean", "description": ""},
        {"name": "station", "type": "string", "description": ""},
        {"name": "shape", "type": "wkt-polygon", "description": ""},
    ]
    db.commit()
    return owner, asset


def _types(page: str) -> list[str]:
    return [cell.split("</td>")[0] for cell in page.split('data-testid="field-type">')[1:]]


def test_the_asset_page_names_field_types(client, typed_asset):
    owner, asset = typed_asset
    client.log_in(owner.email)
    chinese = client.get(f"/registry/assets/{asset.id}").get_data(as_text=True)
    assert _types(chinese) == [
        "整数", "数值", "日期", "日期时间", "布尔值（是/否）", "文本", "wkt-polygon"
    ]  # fmt: skip
    english = client.get(f"/registry/assets/{asset.id}", headers=ENGLISH).get_data(as_text=True)
    assert _types(english)[:3] == ["whole number", "decimal number", "date"]


def test_the_listing_page_names_field_types_too(client, db, store, holding):
    organisation, owner, _asset = holding
    listing = lf.published_listing(db, store, organisation, owner, rf.reviewer(db))
    listing.asset.field_schema = [{"name": "id", "type": "integer", "description": ""}]
    db.commit()
    page = client.get(f"/market/listings/{listing.id}").get_data(as_text=True)
    assert _types(page) == ["整数"]
