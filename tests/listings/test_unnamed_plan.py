"""A plan left unnamed stores no name and is shown under its kind's name in the reader's
language and script (一次性授權 on a Traditional page, not the Simplified 一次性授权 a stored
default would show), on the pages and in the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.listings.models import Listing
from tests.listings import factories as lf

UNNAMED = {key: value for key, value in lf.plan().items() if not key.startswith("name_")}


@pytest.fixture
def unnamed(db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff, plans=[UNNAMED])
    db.commit()
    return listing


def test_the_editor_stores_no_name_for_an_unnamed_plan(client, db, store, provider, staff):
    asset = lf.certified_asset(db, store, *provider, staff)
    db.commit()
    client.log_in(provider[1].email)
    data = lf.listing_data(asset.id)
    fields = {key: value for key, value in data.items() if key not in ("terms", "plans",
              "keywords", "rights")}  # fmt: skip
    fields.update(
        asset_id=str(asset.id), rights="product_operation", scenarios=["research"],
        territory=["CN"], plan0_kind="one_time", plan0_price="4800", plan0_currency="CNY",
    )  # fmt: skip
    path = "/provider/listings/new"
    response = client.submit(path, fields, page=path, headers={"Accept-Language": "zh-Hant"})
    assert response.status_code == 302
    listing = db.scalars(sa.select(Listing).where(Listing.organisation_id == provider[0].id)).one()
    (plan,) = listing.latest_revision.public_plans
    assert (plan.name_zh, plan.name_en) == (None, None)


@pytest.mark.parametrize(
    ("language", "name"),
    [("zh-Hant", "一次性授權"), ("zh-CN", "一次性授权"), ("en", "One-time licence")],
)
def test_an_unnamed_plan_shows_its_kind_s_name_in_the_reader_s_language(
    client, unnamed, language, name
):
    html = client.get(f"/market/listings/{unnamed.id}", headers={"Accept-Language": language})
    page = html.get_data(as_text=True)
    assert f">{name}</span></h3>" in page
    answer = client.raw.get(
        f"/api/v1/listings/{unnamed.id}", headers={"Accept-Language": language}
    ).get_json()
    (plan,) = answer["live"]["plans"]
    assert (plan["name_zh"], plan["name_en"], plan["name"]) == (None, None, name)


def test_a_named_plan_keeps_its_own_name(client, db, store, provider, staff):
    listing = lf.published_listing(
        db, store, *provider, staff, plans=[lf.plan(name_zh="标准版", name_en="Standard")]
    )
    db.commit()
    answer = client.raw.get(
        f"/api/v1/listings/{listing.id}", headers={"Accept-Language": "zh-Hant"}
    ).get_json()
    (plan,) = answer["live"]["plans"]
    assert (plan["name_zh"], plan["name_en"], plan["name"]) == ("标准版", "Standard", "标准版")
