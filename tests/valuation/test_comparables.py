"""Exchange comparables ranked by similarity to the valued asset (category, size, coverage,
licence terms, recency), with the components and suggested factors worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis

from market.db import utcnow
from market.registry.models import Industry
from market.trading.models import OrderStatus
from market.valuation import comparables, schemas, services
from market.valuation.comparables import Subject
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.valuation.test_api import INPUTS, _request
from tests.valuation.test_listing_badge import _order

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
SUBJECT = Subject(
    category="transport",
    record_count=10_000,
    region="shenzhen",
    coverage_from=2020,
    coverage_to=2024,
    exclusive=False,
    territory=("CN",),
    duration_months=12,
)


def _trade(reference, days_ago, **attributes):
    return {
        "price": 100_000,
        "source": "exchange",
        "reference": reference,
        "settled_at": (NOW - timedelta(days=days_ago)).isoformat(),
        "asset_id": 1,
        **attributes,
    }


ALIKE = _trade(
    "order:alike",
    0,
    category="transport",
    record_count=10_000,
    region_code="shenzhen",
    coverage_from=2020,
    coverage_to=2024,
    exclusive=False,
    territory=["CN"],
    duration_months=12,
)
UNLIKE = _trade(
    "order:unlike",
    365,
    category="finance",
    record_count=1_000_000,
    region_code="beijing",
    coverage_from=2010,
    coverage_to=2011,
    exclusive=True,
    territory=["*"],
    duration_months=None,  # perpetual
)
HALF_KNOWN = _trade(
    "order:half",
    146,
    category="transport",
    record_count=1_000,
    exclusive=False,
    territory=["CN", "HK"],
    duration_months=24,
)


def test_trades_rank_by_the_documented_similarity():
    ranked = comparables.rank(SUBJECT, [UNLIKE, HALF_KNOWN, ALIKE], NOW)
    assert [t["reference"] for t in ranked] == ["order:alike", "order:half", "order:unlike"]
    alike, half, unlike = ranked

    assert alike["similarity"] == "1.000"
    assert alike["components"] == dict.fromkeys(comparables.WEIGHTS, 1.0)
    assert (alike["scale"], alike["rights"], alike["quality"]) == ("1.00", "1.00", "1")

    # size: 1000 vs 10000 is one decade of two → 0.5; coverage unknown → 0.5; licence: same
    # exclusivity 1, territory {CN} / {CN, HK} 0.5, duration 12/24 0.5 → 2/3; recency 1 − 146/730.
    assert half["components"] == {
        "category": 1.0,
        "size": 0.5,
        "coverage": 0.5,
        "licence": 0.667,
        "recency": 0.8,
    }
    expected = 0.30 + 0.20 * 0.5 + 0.15 * 0.5 + 0.20 * (2 / 3) + 0.15 * 0.8
    assert half["similarity"] == f"{expected:.3f}"  # 0.728
    # scale √10 = 3.16; rights: duration √(12/24) = 0.71
    assert (half["scale"], half["rights"]) == ("3.16", "0.71")

    # licence: exclusivity 0, territory 0, duration 12/120 → 0.1/3; recency 0.5
    assert unlike["components"]["licence"] == pytest.approx(0.033, abs=0.001)
    assert unlike["similarity"] == f"{0.20 * 0.1 / 3 + 0.15 * 0.5:.3f}"  # 0.082
    # scale √0.01 = 0.1 and rights (1/1.5)(1/1.2)√0.1 = 0.18 are held at the 0.25 floor
    assert (unlike["scale"], unlike["rights"]) == ("0.25", "0.25")


def test_unknown_terms_neither_recommend_nor_rule_out():
    ranked = comparables.rank(Subject(category="transport"), [ALIKE], NOW)
    components = ranked[0]["components"]
    assert components["size"] == components["licence"] == components["coverage"] == 0.5
    assert ranked[0]["rights"] == ranked[0]["scale"] == "1.00"


def test_an_exclusive_subject_suggests_a_rights_premium():
    exclusive = Subject(category="transport", exclusive=True)
    assert comparables.rank(exclusive, [ALIKE], NOW)[0]["rights"] == "1.50"


def test_the_api_ranks_settled_trades_and_takes_the_subjects_terms(
    api, db, store, holding, provider_headers, appraiser_headers, appraiser
):
    organisation, owner, _asset = holding
    reviewer = rf.reviewer(db)
    listing = lf.published_listing(db, store, organisation, owner, reviewer)
    buyer, _ = rf.provider(db)
    now = utcnow()
    old = _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=600), 500_000)
    new = _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=5), 700_000)
    _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=900), 1)  # too old
    db.commit()
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    api.raw.post(f"{base}/take", headers=appraiser_headers)

    found = api.raw.get(f"{base}/comparables", headers=appraiser_headers)
    assert found.status_code == 200, found.json
    ranked = found.json
    assert [c["reference"] for c in ranked] == [
        f"order:{new.reference or new.id}",
        f"order:{old.reference or old.id}",
    ]
    assert float(ranked[0]["similarity"]) > float(ranked[1]["similarity"])
    assert set(ranked[0]["components"]) == {"category", "size", "coverage", "licence", "recency"}
    assert ranked[0]["category"] == "transport" and ranked[0]["territory"]
    assert ranked[0]["rights"] == "1.00"
    # Factors are sent as text, as the document says.
    document = schemathesis.openapi.from_wsgi("/api/openapi.json", api.raw.application)
    document["/api/v1/appraisal/valuations/{report_id}/comparables"]["GET"].validate_response(found)

    stated = api.raw.get(
        f"{base}/comparables?exclusive=true&limit=1", headers=appraiser_headers
    ).json
    assert len(stated) == 1 and stated[0]["rights"] == "1.50"

    bad = api.raw.get(f"{base}/comparables?duration_months=0", headers=appraiser_headers)
    assert bad.status_code == 422 and "duration_months" in str(bad.json["errors"])
    api.db.rollback()


def test_a_traded_asset_with_a_final_report_suggests_its_quality(db, store, holding, appraiser):
    organisation, owner, asset = holding
    traded = lf.certified_asset(
        db, store, organisation, owner, rf.reviewer(db), industry=Industry.TRANSPORT
    )
    now = utcnow()
    final = services.request(
        db, [organisation.id], owner, {"asset_id": traded.id, "purpose": "trading"}, now
    )
    services.take(db, final, appraiser, now)
    inputs = dict(INPUTS, quality_override={"coefficient": "0.85", "reason": "checked"})
    schema = schemas.InputsSchema()
    services.save_inputs(db, final, appraiser, schema.dump(schema.load(inputs)))
    services.run(db, final, appraiser, now)
    services.finalise(db, final, appraiser, now)
    report = services.request(
        db, [organisation.id], owner, {"asset_id": asset.id, "purpose": "trading"}, now
    )
    trade = {**ALIKE, "asset_id": traded.id, "settled_at": now.isoformat()}
    ranked = services.ranked_comparables(db, report, [trade], None, {}, now)
    assert ranked[0]["quality"] == "0.85"
