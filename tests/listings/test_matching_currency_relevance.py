"""A demand's budget is compared in yuan with listings priced in another currency, and only
listings close to what the demand asks for are matched."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from market.db import utcnow
from market.listings import demands
from market.listings.models import DemandMatch
from market.listings.schemas import DemandInputSchema
from tests import factories
from tests.listings import factories as lf


def _post(db, organisation, **overrides):
    data = {
        "title": "深圳公交刷卡数据",
        "need": "线网优化研究",
        "category": "transport",
        "budget_minor": 5_000_000,
        "currency": "CNY",
        "deadline": (utcnow() + timedelta(days=30)).date().isoformat(),
        "usage_scenario": "research",
    }
    data.update(overrides)
    user = organisation.memberships[0].user
    demand = demands.post(db, organisation.id, user, DemandInputSchema().load(data), utcnow())
    db.commit()
    return demand


def _matched(db) -> list[int]:
    return list(db.scalars(sa.select(DemandMatch.listing_id).order_by(DemandMatch.rank)))


def _cross_border_listing(db, store, provider, staff):
    listing = lf.published_listing(
        db, store, *provider, staff,
        terms=lf.terms(cross_border=True, territory=["CN", "HK"]),
        review=lf.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕3号"
        ),
    )  # fmt: skip
    db.commit()
    return listing


def test_a_hong_kong_dollar_budget_matches_a_yuan_listing(db, store, provider, staff, drain):
    listing = _cross_border_listing(db, store, provider, staff)  # ¥4,800
    drain()
    buyer = factories.organisation(db, jurisdiction="HK", registration_number="CR-77")
    _post(db, buyer, currency="HKD", budget_minor=600_000)  # HK$6,000 ≈ ¥5,520
    drain()
    assert _matched(db) == [listing.id]


def test_a_budget_below_the_price_in_yuan_is_not_matched(db, store, provider, staff, drain):
    _cross_border_listing(db, store, provider, staff)
    drain()
    buyer = factories.organisation(db, jurisdiction="HK", registration_number="CR-78")
    _post(db, buyer, currency="HKD", budget_minor=500_000)  # HK$5,000 ≈ ¥4,600
    drain()
    assert _matched(db) == []


def test_an_unrelated_listing_of_the_same_category_is_not_matched(
    db, store, provider, staff, drain
):
    bus = lf.published_listing(db, store, *provider, staff)
    lf.published_listing(
        db, store, *provider, staff,
        title_zh="船舶AIS动态", title_en="Vessel AIS movements",
        description_zh="珠江口船舶自动识别系统轨迹。", description_en="AIS tracks of ships.",
        keywords=["船舶", "航运"],
    )  # fmt: skip
    db.commit()
    drain()
    _post(db, factories.organisation(db))
    drain()
    assert _matched(db) == [bus.id]
