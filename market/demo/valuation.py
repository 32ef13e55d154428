"""Demo valuations: final reports, signed by the demo appraiser, for the appraised demo assets.

Data products are valued by cost, income and market with the quality measured from their file;
digital cultural assets by licence royalties and comparables, with the appraiser's quality
coefficient. Figures scale with the listing price so the ranges look like the catalogue's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from market.files import FileStore
from market.identity import services as identity
from market.identity.models import User
from market.registry.models import Asset
from market.valuation import schemas, services
from market.valuation.models import Purpose, ValuationReport

APPRAISER_EMAIL = "appraiser@demo.shujiao.cn"
MEMORY_LIMIT = "256MB"


def _data_inputs(price: int) -> dict:
    return {
        "weights": {"cost": "0.3", "income": "0.5", "market": "0.2"},
        "cost": {
            "items": [
                {"category": "collection", "amount": price * 2},
                {"category": "processing", "amount": price},
                {"category": "labour", "amount": price * 3 // 2, "basis": "historical"},
                {"category": "compliance", "amount": price // 2},
            ],
            "functional_obsolescence": "0.1",
            "economic_obsolescence": "0.05",
        },
        "income": {
            "annual_amount": price * 8,
            "share": "0.15",
            "economic_life_years": 5,
            "discount_rate": "0.12",
            "growth_rate": "0.03",
        },
        "market": {
            "comparables": [
                {"price": price * 4, "quality": "0.9", "scale": "1.1", "reference": "深数所成交 A"},
                {"price": price * 5, "quality": "0.95", "timeliness": "0.9", "region": "0.95",
                 "reference": "贵阳大数据交易所成交 B"},
            ]
        },
        "disclosure": {
            "classification": "intangible_asset",
            "useful_life_months": 60,
            "amortisation_basis": "直线法，按 60 个月摊销 (straight-line over 60 months)",
        },
    }  # fmt: skip


def _cultural_inputs(price: int) -> dict:
    return {
        "weights": {"income": "0.7", "market": "0.3"},
        "income": {
            "form": "royalty",
            "annual_amount": price * 40,
            "share": "0.08",
            "economic_life_years": 10,
            "discount_rate": "0.1",
            "growth_rate": "0.02",
        },
        "market": {
            "comparables": [
                {"price": price * 12, "quality": "0.9", "rights": "0.8",
                 "reference": "文交所数字藏品授权 C (non-exclusive)"},
            ]
        },
        "quality_override": {
            "coefficient": "0.95",
            "reason": "高分辨率母版，元数据与著作权登记齐全 (master files and registration complete)",
        },
        "disclosure": {
            "classification": "inventory",
            "amortisation_basis": "存货，不摊销 (inventory: not amortised)",
        },
    }  # fmt: skip


def appraise(
    session: Session, store: FileStore, asset: Asset, user: User, price: int, when: datetime
) -> ValuationReport:
    """Request, take, profile, run and finalise a valuation of ``asset``'s latest version."""
    appraiser = identity.find_user(session, APPRAISER_EMAIL)
    cultural = asset.kind.is_cultural
    report = services.request(
        session,
        [asset.organisation_id],
        user,
        {
            "asset_id": asset.id,
            "purpose": Purpose.TRADING if cultural else Purpose.ACCOUNTING,
            "currency": "CNY",
        },
        when,
    )
    services.take(session, report, appraiser, when + timedelta(hours=2))
    raw = _cultural_inputs(price) if cultural else _data_inputs(price)
    inputs = schemas.InputsSchema()
    services.save_inputs(session, report, appraiser, inputs.dump(inputs.load(raw)))
    if not cultural:
        name = asset.latest_version.files[0].name
        # The worker's three steps, in the demo's one transaction.
        profiled = when + timedelta(days=1)
        # The demo's one-row placeholder file has none of the asset's declared columns: its
        # structure alone is measured.
        demo_file = {"file": name, "schema": {}}
        job = services.request_profile(session, report, appraiser, demo_file, profiled)
        claimed = services.claim_profile_job(session, profiled, job.id)
        profile = services.profile_claimed(store, claimed, profiled, MEMORY_LIMIT)
        services.finish_profile_job(session, job.id, profile, None, profiled)
    services.run(session, report, appraiser, when + timedelta(days=2))
    services.finalise(session, report, appraiser, when + timedelta(days=3))
    return report
