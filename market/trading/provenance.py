"""Where a claimed file came from, as trading knows it: the claimant's own purchases of the
same content. Registered in ``app.extensions["claim_purchases"]`` so that the registry's
reviewer page can flag a buyer claiming what it bought without importing trading."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.listings.models import ListingRevision
from market.registry.models import AssetFile
from market.trading.models import Order, OrderStatus

NOT_BOUGHT = (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED)


def purchases_of(session: Session, organisation_id: int, sha256s: set[str]) -> list[Order]:
    """The organisation's paid orders whose listing delivers a file with one of ``sha256s``."""
    if not sha256s:
        return []
    bought = (
        sa.select(Order.id)
        .join(ListingRevision, Order.revision_id == ListingRevision.id)
        .join(AssetFile, AssetFile.version_id == ListingRevision.asset_version_id)
        .where(
            Order.buyer_organisation_id == organisation_id,
            Order.status.not_in(NOT_BOUGHT),
            AssetFile.sha256.in_(sorted(sha256s)),
        )
    )
    return list(session.scalars(sa.select(Order).where(Order.id.in_(bought)).order_by(Order.id)))
