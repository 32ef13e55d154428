"""Featured listings (精選): published listings exchange staff choose for the home page.

Choosing and withdrawing are recorded as listing events (``feature``/``unfeature``) with the
staff member and the reason, next to the listing's other moves.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict
from market.identity.models import User
from market.listings.models import FeaturedListing, Listing, ListingEvent, ListingStatus
from market.text import N_

HOME_PAGE_LIMIT = 6


def _record(session: Session, listing: Listing, action: str, user: User, reason, now) -> None:
    session.add(
        ListingEvent(
            listing_id=listing.id, action=action, from_status=listing.status,
            to_status=listing.status, user_id=user.id, reason=reason, at=now,
        )
    )  # fmt: skip


def feature(session: Session, listing: Listing, user: User, reason: str, now: datetime) -> None:
    """Show a published listing on the home page."""
    if listing.status != ListingStatus.PUBLISHED:
        raise Conflict(N_("Only a published listing can be featured."), field="featured")
    if listing.featured:
        raise Conflict(N_("This listing is featured already."), field="featured")
    listing.feature = FeaturedListing(featured_by_id=user.id, featured_at=now)
    _record(session, listing, "feature", user, reason, now)
    session.flush()


def unfeature(session: Session, listing: Listing, user: User, reason: str, now: datetime) -> None:
    """Take a listing off the home page."""
    if not listing.featured:
        raise Conflict(N_("This listing is not featured."), field="featured")
    listing.feature = None
    _record(session, listing, "unfeature", user, reason, now)
    session.flush()


def on_home_page(session: Session, limit: int = HOME_PAGE_LIMIT) -> list[Listing]:
    """The featured listings still on sale, the most recently chosen first."""
    return list(
        session.scalars(
            sa.select(Listing)
            .join(FeaturedListing)
            .where(Listing.status == ListingStatus.PUBLISHED)
            .order_by(FeaturedListing.featured_at.desc(), Listing.id.desc())
            .limit(limit)
        )
    )
