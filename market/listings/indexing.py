"""The listing search index: its spec, the document of a listing, and the feed from the outbox.

The database is the system of record. Every move that changes what search shows writes a
``search.index_listing`` message in the same transaction; the worker upserts the live
revision's document (or deletes it when the listing is off sale). ``rebuild`` re-creates the
index from the database behind an alias; ``differences`` compares the index with the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

import search
from market import outbox
from market.identity.models import Organisation, VerificationState
from market.listings import vocabulary
from market.listings.models import Listing, ListingRevision, ListingStatus
from market.listings.plans import lowest_public_price
from market.listings.rates import CnyRates
from market.registry.certificates import effective_status
from search.spec import IndexSpec, SortKey, boolean, date, integer, keyword, long, text

TOPIC = "search.index_listing"
SUSPENDED = VerificationState.SUSPENDED

LISTINGS = IndexSpec(
    name="listings",
    fields=(
        text("title_zh", "zh", boost=3, suggest=True),
        text("title_en", "en", boost=3, suggest=True),
        text("description_zh", "zh"),
        text("description_en", "en"),
        text("keywords_text", "mixed", boost=2),
        text("tags_text", "mixed", boost=0.5),
        text("provider_text", "mixed", boost=0.3, alone=False),
        keyword("keywords", suggest=True),
        keyword("category"),
        keyword("asset_kind"),
        keyword("pricing_model"),
        long("price"),
        long("price_cny"),
        keyword("currency"),
        keyword("delivery_method"),
        keyword("region"),
        integer("coverage_from"),
        integer("coverage_to"),
        keyword("provider"),
        keyword("provider_names"),
        boolean("cross_border_allowed"),
        boolean("certified"),
        boolean("appraised"),
        date("published_at"),
    ),
    sorts={
        "newest": (SortKey("published_at", descending=True),),
        "price_asc": (SortKey("price_cny"),),
        "price_desc": (SortKey("price_cny", descending=True),),
    },
    tiebreak=(SortKey("certified", descending=True), SortKey("published_at", descending=True)),
    browse=(SortKey("published_at", descending=True),),
)


def enqueue(session: Session, listing_id: int) -> None:
    """Ask the worker to bring the listing's search copy up to date (after this commit)."""
    outbox.enqueue(session, TOPIC, {"listing_id": listing_id})


def is_indexed(listing: Listing) -> bool:
    """Whether the listing belongs in the index: published, with a live revision."""
    return (
        listing.status == ListingStatus.PUBLISHED
        and listing.live_revision is not None
        and not listing.organisation.is_suspended
    )


def document(listing: Listing, now: datetime, rates: CnyRates | None = None) -> dict:
    """The search document of a published listing, built from its live revision.

    ``price`` is the cheapest public plan in its own currency (shown); ``price_cny`` is that
    plan in yuan at ``rates`` (filtered, sorted and counted on), so HK$ is not read as ¥.
    """
    revision: ListingRevision = listing.live_revision
    public = revision.public_plans
    cheapest = lowest_public_price(public, (rates or CnyRates()).to_cny)
    provider = listing.organisation
    asset = listing.asset
    certificate = revision.certificate
    doc = {
        "id": str(listing.id),
        "title_zh": revision.title_zh,
        "title_en": revision.title_en,
        "description_zh": revision.description_zh,
        "description_en": revision.description_en,
        "keywords_text": " ".join(revision.keywords),
        "tags_text": vocabulary.tags(
            category=str(revision.category),
            kind=str(listing.asset.kind),
            delivery=str(revision.delivery_method),
            region=revision.region,
            frequency=listing.asset.update_frequency and str(listing.asset.update_frequency),
            field_schema=listing.asset.field_schema,
            scenarios=(revision.terms or {}).get("scenarios") or (),
        )
        or None,
        "provider_text": f"{provider.name_zh} {provider.name_en}",
        "keywords": list(revision.keywords) or None,
        "category": str(revision.category),
        "asset_kind": str(listing.asset.kind),
        "pricing_model": sorted({str(plan.kind) for plan in public}) or None,
        "price": cheapest.price_minor if cheapest else None,
        "price_cny": (rates or CnyRates()).to_cny(cheapest.price_minor, cheapest.currency)
        if cheapest
        else None,
        "currency": sorted({plan.currency for plan in public}) or None,
        "delivery_method": str(revision.delivery_method),
        "region": revision.region,
        "coverage_from": revision.coverage_from,
        "coverage_to": revision.coverage_to,
        "provider": str(provider.id),
        "provider_names": vocabulary.name_forms(provider.name_zh, provider.name_en) or None,
        "cross_border_allowed": bool(revision.terms["cross_border"]),
        "certified": effective_status(certificate, now) == "valid",
        "appraised": bool(revision.valuation_report_number),
        "published_at": listing.published_at,
        # Stored for display, not searched:
        "revision": revision.number,
        "provider_zh": provider.name_zh,
        "provider_en": provider.name_en,
        "price_currency": cheapest.currency if cheapest else None,
        "price_kind": str(cheapest.kind) if cheapest else None,
        "certificate_number": certificate.number,
        "exclusive": any(plan.exclusive for plan in public),
        "record_count": asset.record_count,
        "update_frequency": asset.update_frequency and str(asset.update_frequency),
        "data_format": asset.data_format,
        "size_bytes": revision.asset_version.total_bytes if revision.asset_version else None,
    }
    return LISTINGS.validate({key: value for key, value in doc.items() if value is not None})


def _published(session: Session) -> sa.Select:
    return (
        sa.select(Listing)
        .where(Listing.status == ListingStatus.PUBLISHED, Listing.live_revision_id.is_not(None))
        .where(Listing.organisation.has(Organisation.verification_state != SUSPENDED))
        .options(
            selectinload(Listing.organisation),
            selectinload(Listing.asset),
            selectinload(Listing.live_revision).selectinload(ListingRevision.plans),
            selectinload(Listing.live_revision).selectinload(ListingRevision.certificate),
            selectinload(Listing.live_revision).selectinload(ListingRevision.asset_version),
        )
        .order_by(Listing.id)
    )


def documents(
    session: Session, now: datetime, rates: CnyRates | None = None, batch: int = 500
) -> Iterator[dict]:
    """Every published listing's document, streamed in batches."""
    last = 0
    while True:
        rows = session.scalars(_published(session).where(Listing.id > last).limit(batch)).all()
        if not rows:
            return
        for listing in rows:
            yield document(listing, now, rates)
        last = rows[-1].id
        session.expunge_all()


def index_listing(
    session: Session,
    engine: search.SearchEngine,
    listing_id: int,
    now: datetime,
    rates: CnyRates | None = None,
) -> str:
    """Outbox handler: upsert the listing's document, or delete it if it is off sale."""
    if ensure_current(session, engine, now, rates):
        return "rebuilt"
    listing = session.get(Listing, listing_id)
    if listing is not None and is_indexed(listing):
        engine.index(LISTINGS, [document(listing, now, rates)])
        return "indexed"
    engine.delete(LISTINGS, [str(listing_id)])
    return "deleted"


def ensure_current(
    session: Session, engine: search.SearchEngine, now: datetime, rates: CnyRates | None = None
) -> bool:
    """Create the index if it is missing; rebuild it whole from the database when the live one
    was built from an earlier field list or analysis version (after an upgrade), so that new
    listings never wait on ``shujiao search reindex``. True when it rebuilt."""
    try:
        engine.ensure_index(LISTINGS)
    except search.SpecMismatch:
        rebuild(session, engine, now, rates)
        return True
    return False


def rebuild(
    session: Session, engine: search.SearchEngine, now: datetime, rates: CnyRates | None = None
) -> int:
    """Build a fresh index from the database and swap the alias to it (no downtime)."""
    return engine.reindex(LISTINGS, documents(session, now, rates)).indexed


def differences(
    session: Session, engine: search.SearchEngine, now: datetime, rates: CnyRates | None = None
) -> list[str]:
    """Ids of listings whose search copy differs from the database (missing, stale or extra)."""
    expected = {doc["id"]: doc for doc in documents(session, now, rates)}
    differing = []
    try:
        stored = engine.iter_documents(LISTINGS)
        for doc in stored:
            if expected.pop(doc["id"], None) != doc:
                differing.append(doc["id"])
    except search.IndexMissing:
        pass
    differing.extend(expected)
    return sorted(differing, key=lambda value: (len(value), value))
