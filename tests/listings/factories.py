"""Listing factories: certified assets and listings arranged through the real services."""

from __future__ import annotations

import io
from datetime import timedelta

from market.db import utcnow
from market.listings import compliance, listings
from market.listings.schemas import ComplianceReviewInputSchema, ListingInputSchema
from market.registry import claims
from market.registry.assets import Upload
from market.registry.models import AssetKind, ClaimState, Industry, Right
from tests.registry import factories as registry

PRICE = 480_000  # ¥4,800.00


def certified_asset(
    session, store, organisation, user, staff, rights=None, files=None, **asset_data
):
    """An asset of ``organisation`` whose latest version (``files``: name -> bytes) holds a
    valid certificate."""
    kind = asset_data.get("kind", AssetKind.DATASET)
    rights = rights or (
        [Right.COPYRIGHT, Right.LICENSING]
        if kind.is_cultural
        else [Right.HOLDING, Right.PROCESSING_USE, Right.PRODUCT_OPERATION]
    )
    asset = registry.asset(session, organisation, user, **asset_data)
    registry.version(session, store, asset, user, files)
    claim = claims.create_claim(
        session, asset, user, {"rights": rights, "source": "self_collected"}, registry.MONDAY
    )
    claims.add_evidence(
        session,
        store,
        claim,
        user,
        Upload("licence.pdf", io.BytesIO(registry.PDF)),
        registry.MAX_BYTES,
        registry.MONDAY,
    )
    registry.advance(session, claim, ClaimState.CERTIFIED, staff)
    return asset


def terms(**overrides) -> dict:
    """Licence terms: research and analytics, mainland only, one year."""
    value = {
        "scenarios": ["research", "internal_analytics"],
        "duration_months": 12,
        "territory": ["CN"],
        "cross_border": False,
        "redistribution": False,
        "resale": False,
        "derivatives": True,
        "attribution": True,
    }
    value.update(overrides)
    return value


def plan(**overrides) -> dict:
    """A one-time licence plan."""
    value = {
        "kind": "one_time",
        "name_zh": "一次性授权",
        "name_en": "One-time licence",
        "price_minor": PRICE,
        "currency": "CNY",
    }
    value.update(overrides)
    return value


def listing_data(asset_id: int | None = None, **overrides) -> dict:
    """Input for a new listing (JSON-ready)."""
    value = {
        "rights": ["product_operation"],
        "title_zh": "深圳市公交刷卡数据",
        "title_en": "Shenzhen bus card transactions",
        "description_zh": "2019年至2023年深圳市公交车刷卡记录，已脱敏。",
        "description_en": "Anonymised smart-card taps on Shenzhen buses, 2019-2023.",
        "keywords": ["公交", "交通"],
        "category": "transport",
        "delivery_method": "download",
        "region": "shenzhen",
        "coverage_from": 2019,
        "coverage_to": 2023,
        "terms": terms(),
        "plans": [plan()],
    }
    if asset_id is not None:
        value["asset_id"] = asset_id
    value.update(overrides)
    return value


def loaded(data: dict) -> dict:
    """Input as the schema loads it (enums and all)."""
    return ListingInputSchema().load(data)


def review_data(**overrides) -> dict:
    """An approving checklist: no personal information, no important data."""
    value = {"decision": "approved", "personal_info": "none", "important_data": False}
    value.update(overrides)
    return ComplianceReviewInputSchema().load(value)


def draft_listing(session, store, organisation, user, staff, files=None, **overrides):
    """A draft listing of a newly certified asset (``files``: its version's, name -> bytes)."""
    asset = certified_asset(
        session, store, organisation, user, staff, files=files, industry=Industry.TRANSPORT
    )
    return listings.create_listing(
        session, organisation.id, user, loaded(listing_data(asset.id, **overrides)), utcnow()
    )


def published_listing(session, store, organisation, user, staff, review=None, **overrides):
    """A listing through submission and an approving compliance review."""
    listing = draft_listing(session, store, organisation, user, staff, **overrides)
    now = utcnow()
    listings.submit(session, listing, user, now)
    compliance.decide(session, listing, staff, review or review_data(), now + timedelta(seconds=1))
    session.flush()
    return listing
