"""Demands are matched the way buyers search: the exchange's synonym list, script folding and
partial matching find the candidates, and the demand's own rules still decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.listings import demands
from market.listings.models import DemandMatch
from market.listings.schemas import DemandInputSchema
from tests import factories
from tests.listings import factories as lf

SHIPPING = {
    "title_zh": "船舶AIS动态",
    "title_en": "Vessel AIS movements",
    "description_zh": "珠江口船舶自动识别系统轨迹。",
    "description_en": "AIS tracks of ships in the Pearl River estuary.",
    "keywords": ["船舶", "航运"],
}


@pytest.fixture
def shipping(db, store, provider, staff, drain):
    """A published, indexed shipping listing at ¥4,800."""
    listing = lf.published_listing(db, store, *provider, staff, **SHIPPING)
    db.commit()
    drain()
    return listing


@pytest.fixture
def staff_api(operator, bearer):
    """Authorization headers of the exchange's own client with review:write."""
    return bearer(operator[0], ["review:write"])


def _fields(**overrides) -> dict:
    # No category: a demand with one whose title finds nothing browses the category instead.
    data = {
        "title": "貨輪數據",
        "need": "航线研究",
        "budget_minor": 5_000_000,
        "currency": "CNY",
        "deadline": (utcnow() + timedelta(days=30)).date().isoformat(),
        "usage_scenario": "research",
    }
    data.update(overrides)
    return DemandInputSchema().load(data)


def _post(db, organisation, **overrides):
    user = organisation.memberships[0].user
    demand = demands.post(db, organisation.id, user, _fields(**overrides), utcnow())
    db.commit()
    return demand


def _matched(db) -> list[int]:
    db.expire_all()
    found = list(db.scalars(sa.select(DemandMatch.listing_id).order_by(DemandMatch.rank)))
    db.rollback()  # end the read: on SQLite every transaction holds the write lock
    return found


def _searched(client, headers, text: str) -> list[int]:
    response = client.raw.get("/api/v1/listings/search", query_string={"q": text}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [hit["id"] for hit in response.get_json()["hits"]]


def _add_synonyms(client, headers, terms):
    response = client.raw.post("/api/v1/search/synonyms", json={"terms": terms}, headers=headers)
    assert response.status_code == 201, response.get_json()


def test_a_resaved_demand_is_matched_through_a_synonym_staff_added(
    client, db, shipping, staff_api, bearer, drain
):
    buyer = factories.organisation(db)
    demand = _post(db, buyer)
    drain()
    reader = bearer(buyer, ["catalog:read"])
    assert _searched(client, reader, "貨輪數據") == []
    assert _matched(db) == []
    _add_synonyms(client, staff_api, ["貨輪", "航运"])
    assert _searched(client, reader, "貨輪數據") == [shipping.id]
    db.rollback()
    demands.revise(db, demand, {buyer.id}, _fields(), utcnow())
    db.commit()
    drain()
    assert _matched(db) == [shipping.id]


def test_a_synonym_does_not_lift_the_demands_own_rules(client, db, shipping, staff_api, drain):
    _add_synonyms(client, staff_api, ["貨輪", "航运"])
    _post(db, factories.organisation(db), budget_minor=100_000)  # ¥1,000 for a ¥4,800 listing
    drain()
    assert _matched(db) == []


def test_open_demands_are_matched_again_when_the_synonym_list_changes(
    client, db, shipping, staff_api, drain
):
    buyer = factories.organisation(db)
    waiting = _post(db, buyer)
    closed = _post(db, buyer, title="貨輪數據（已关闭）")
    drain()
    demands.close(db, closed)
    db.commit()
    assert _matched(db) == []
    _add_synonyms(client, staff_api, ["貨輪", "航运"])
    drain()  # no demand was saved again
    rows = db.execute(sa.select(DemandMatch.demand_id, DemandMatch.listing_id)).all()
    assert [tuple(row) for row in rows] == [(waiting.id, shipping.id)]
