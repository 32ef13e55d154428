"""Listings (掛牌): drafts, revisions, the moves of the state machine, private offers, samples.

Only an asset version with a valid certificate for the rights on offer can be listed; the check
is made when a draft is written, when it is submitted and when a reviewer approves it. Every
move that changes what search shows writes a ``search.index_listing`` outbox message in the
same transaction. Functions take the caller's session and never commit.
"""

from __future__ import annotations

import csv
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ledger.currencies import to_major
from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.fields import visible_text
from market.files import FileStore
from market.identity.models import Organisation, User
from market.listings import demands, indexing, notifications, plans
from market.listings import terms as licence
from market.listings.models import (
    DemandStatus,
    Listing,
    ListingEvent,
    ListingRevision,
    ListingStatus,
    Plan,
    PlanKind,
    RevisionState,
    Sample,
)
from market.listings.states import REINDEX, Action, Actor, allowed_actions, next_status
from market.registry import assets as registry_assets
from market.registry.certificates import effective_status
from market.registry.claims import CHINA
from market.registry.models import (
    CULTURAL_RIGHTS,
    DATA_RIGHTS,
    Asset,
    AssetVersion,
    Certificate,
    CertificateStatus,
)
from market.states import IllegalMove
from market.text import N_
from market.valuation import reports as valuation_reports

REVISION_FIELDS = (
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "keywords",
    "category",
    "delivery_method",
    "region",
    "coverage_from",
    "coverage_to",
    "valuation_report_number",
)


def valid_certificate(
    session: Session, organisation_id: int, version_id: int, rights: list[str], now: datetime
) -> Certificate | None:
    """The organisation's valid, unexpired certificate on this asset version recording every
    right in ``rights`` (the rights on offer), if there is one."""
    candidates = session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.organisation_id == organisation_id,
            Certificate.version_id == version_id,
            Certificate.status == CertificateStatus.VALID,
        )
        .order_by(Certificate.issued_at.desc())
    )
    for certificate in candidates:
        if effective_status(certificate, now) == "valid" and set(rights) <= set(certificate.rights):
            return certificate
    return None


def _require_certificate(
    session: Session, organisation_id: int, version: AssetVersion, rights: list[str], now
) -> Certificate:
    certificate = valid_certificate(session, organisation_id, version.id, rights, now)
    if certificate is None:
        raise InvalidInput(
            N_("This asset version has no valid certificate for the rights on offer."),
            field="rights",
        )
    return certificate


def _check_rights(asset: Asset, rights: list[str]) -> list[str]:
    allowed = CULTURAL_RIGHTS if asset.kind.is_cultural else DATA_RIGHTS
    if not set(rights) <= {str(right) for right in allowed}:
        raise InvalidInput(N_("These rights do not apply to this kind of asset."), field="rights")
    return sorted(set(rights))


def _version(asset: Asset, number: int | None) -> AssetVersion:
    if number is None:
        if asset.latest_version is None:
            raise InvalidInput(N_("The asset has no files yet."), field="asset_version")
        return asset.latest_version
    for version in asset.versions:
        if version.number == number:
            return version
    raise InvalidInput(N_("The asset has no such version."), field="asset_version")


def _cited_report(session: Session, revision: ListingRevision, data: dict) -> str | None:
    """The number of the final valuation report of this asset the revision cites, if any."""
    number = (data.get("valuation_report_number") or "").strip()
    if not number:
        return None
    report = valuation_reports.final_report(session, number)
    if report is None or report.asset_id != revision.asset_version.asset_id:
        raise InvalidInput(
            N_("No final valuation report of this asset has this number."),
            field="valuation_report_number",
        )
    return report.number


def _fill_revision(
    session: Session,
    revision: ListingRevision,
    organisation_id: int,
    data: dict,
    now: datetime,
) -> None:
    rights = _check_rights(revision.asset_version.asset, [str(r) for r in data["rights"]])
    revision.certificate = _require_certificate(
        session, organisation_id, revision.asset_version, rights, now
    )
    revision.rights = rights
    for name in REVISION_FIELDS:
        setattr(revision, name, data.get(name))
    revision.valuation_report_number = _cited_report(session, revision, data)
    revision.keywords = list(dict.fromkeys(data.get("keywords") or []))
    provider = session.get(Organisation, organisation_id)
    revision.terms = licence.check_terms(data["terms"], provider.jurisdiction)
    revision.plans = [
        plans.build_plan(
            session, plan, data["delivery_method"], organisation_id, now, field=f"plans.{index}"
        )
        for index, plan in enumerate(data["plans"])
    ]


def listing_or_404(
    session: Session, listing_id: int, organisation_ids=None, public: bool = False
) -> Listing:
    """A listing of one of ``organisation_ids`` (any, for staff: ``None``); with ``public``,
    also any listing that is published."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(N_("No such listing."))
    if public and listing.status == ListingStatus.PUBLISHED:
        return listing
    if organisation_ids is not None and listing.organisation_id not in organisation_ids:
        raise NotFound(N_("No such listing."))
    return listing


def create_listing(
    session: Session, organisation_id: int, user: User, data: dict, now: datetime
) -> Listing:
    """A draft listing of one of the organisation's assets (certified for the rights on offer)."""
    asset = session.get(Asset, data["asset_id"])
    if asset is None or asset.organisation_id != organisation_id:
        raise InvalidInput(N_("No such asset in your organisation."), field="asset_id")
    if asset.organisation.is_suspended:
        raise PermissionDenied(N_("Your organisation is suspended and cannot list new offers."))
    version = _version(asset, data.get("asset_version"))
    listing = Listing(
        organisation_id=organisation_id,
        asset=asset,
        status=ListingStatus.DRAFT,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    revision = ListingRevision(
        listing=listing,
        number=1,
        state=RevisionState.DRAFT,
        asset_version=version,
        created_by_id=user.id,
        created_at=now,
    )
    with session.no_autoflush:
        _fill_revision(session, revision, organisation_id, data, now)
    session.add(listing)
    session.flush()
    return listing


def draft_of(listing: Listing) -> ListingRevision:
    """The revision being written; Conflict if none is."""
    revision = listing.latest_revision
    if revision.state != RevisionState.DRAFT:
        raise Conflict(N_("There is no draft to change; start a new revision."))
    return revision


def update_draft(
    session: Session, listing: Listing, data: dict, now: datetime, version: int | None = None
) -> ListingRevision:
    """Rewrite the draft revision (fields, terms and plans) in full."""
    if listing.status == ListingStatus.DELISTED:
        raise Conflict(N_("A delisted listing cannot change."))
    revision = draft_of(listing)
    if version is not None:
        revision.asset_version = _version(listing.asset, version)
    _fill_revision(session, revision, listing.organisation_id, data, now)
    listing.updated_at = now
    session.flush()
    return revision


def start_revision(
    session: Session, listing: Listing, user: User, now: datetime
) -> ListingRevision:
    """A new draft copying the latest revision: how a published listing changes its price,
    terms or files (the live revision stays on sale until the new one is approved)."""
    if listing.status == ListingStatus.DELISTED:
        raise Conflict(N_("A delisted listing cannot change."))
    latest = listing.latest_revision
    if latest.state in (RevisionState.DRAFT, RevisionState.IN_REVIEW):
        raise Conflict(N_("This listing already has a revision being written or reviewed."))
    revision = ListingRevision(
        number=latest.number + 1,
        state=RevisionState.DRAFT,
        asset_version=listing.asset.latest_version or latest.asset_version,
        certificate_id=latest.certificate_id,
        rights=list(latest.rights),
        terms=dict(latest.terms),
        created_by_id=user.id,
        created_at=now,
    )
    for name in REVISION_FIELDS:
        setattr(revision, name, getattr(latest, name))
    revision.keywords = list(latest.keywords)
    revision.plans = [
        Plan(**{name: getattr(plan, name) for name in plans.PLAN_FIELDS})
        for plan in latest.public_plans
    ]
    revision.samples = [
        Sample(name=s.name, media_type=s.media_type, size=s.size, sha256=s.sha256,
               storage_key=s.storage_key)
        for s in latest.samples
    ]  # fmt: skip
    listing.revisions.append(revision)
    session.flush()
    return revision


def _record(
    session: Session,
    listing: Listing,
    revision: ListingRevision | None,
    action: Action,
    target: ListingStatus,
    user: User | None,
    reason: str | None,
    now: datetime,
) -> ListingEvent:
    event = ListingEvent(
        listing_id=listing.id,
        revision_id=revision.id if revision else None,
        action=action.value,
        from_status=listing.status,
        to_status=target,
        user_id=user.id if user else None,
        reason=(reason or "").strip() or None,
        at=now,
    )
    session.add(event)
    listing.status = target
    listing.updated_at = now
    if action in REINDEX:
        indexing.enqueue(session, listing.id)
    return event


def submit(session: Session, listing: Listing, user: User, now: datetime) -> ListingRevision:
    """Send the draft to compliance review (the certificate must still be valid)."""
    revision = draft_of(listing)
    target = next_status(listing.status, Action.SUBMIT, Actor.PROVIDER)
    if not revision.public_plans:
        raise InvalidInput(N_("A listing needs at least one public plan."), field="plans")
    revision.certificate = _require_certificate(
        session, listing.organisation_id, revision.asset_version, revision.rights, now
    )
    revision.state = RevisionState.IN_REVIEW
    revision.submitted_at = now
    _record(session, listing, revision, Action.SUBMIT, target, user, None, now)
    session.flush()
    return revision


def approve(
    session: Session, listing: Listing, revision: ListingRevision, reviewer: User, now: datetime
) -> None:
    """Put an approved revision on sale; the one it replaces is superseded (orders made under
    it keep its terms)."""
    target = next_status(listing.status, Action.APPROVE, Actor.REVIEWER)
    _require_certificate(
        session, listing.organisation_id, revision.asset_version, revision.rights, now
    )
    previous = listing.live_revision
    if previous is not None:
        previous.state = RevisionState.SUPERSEDED
    revision.state = RevisionState.LIVE
    revision.decided_at = now
    listing.live_revision = revision
    listing.published_at = listing.published_at or now
    _record(session, listing, revision, Action.APPROVE, target, reviewer, None, now)
    notifications.notify(
        session,
        listing.organisation_id,
        "listing.approved",
        {
            "zh": f"挂牌「{revision.title_zh}」已通过合规审查，现已挂牌",
            "en": f"Listing “{revision.title_en}” passed compliance review and is published",
        },
        f"/market/listings/{listing.id}",
        now,
    )


def request_changes(
    session: Session,
    listing: Listing,
    revision: ListingRevision,
    reviewer: User,
    reason: str,
    now: datetime,
) -> None:
    """Send a revision back to its provider; a published listing stays on sale as it was."""
    target = next_status(listing.status, Action.REQUEST_CHANGES, Actor.REVIEWER)
    revision.state = RevisionState.CHANGES_REQUESTED
    revision.decided_at = now
    _record(session, listing, revision, Action.REQUEST_CHANGES, target, reviewer, reason, now)
    notifications.notify(
        session,
        listing.organisation_id,
        "listing.changes_requested",
        {
            "zh": f"挂牌「{revision.title_zh}」需要修改：{reason}",
            "en": f"Listing “{revision.title_en}” needs changes: {reason}",
        },
        f"/provider/listings/{listing.id}",
        now,
    )


def move(
    session: Session,
    listing: Listing,
    action: Action,
    actor: Actor,
    user: User,
    reason: str | None,
    now: datetime,
) -> ListingEvent:
    """Suspend, reinstate (reviewers) or delist (the provider), with a reason kept."""
    if action not in (Action.SUSPEND, Action.REINSTATE, Action.DELIST):
        raise IllegalMove(
            N_("This listing cannot be moved that way from its current status."),
            listing.status,
            action,
        )
    if action == Action.SUSPEND and not visible_text(reason):
        raise InvalidInput(N_("Give a reason for this decision."), field="reason")
    target = next_status(listing.status, action, actor)
    if action == Action.DELIST:
        pending = listing.pending_revision
        if pending is not None and pending.state in (RevisionState.DRAFT, RevisionState.IN_REVIEW):
            pending.state = RevisionState.WITHDRAWN
    return _record(session, listing, listing.live_revision, action, target, user, reason, now)


def suspend_for_revoked_certificate(
    session: Session, certificate_id: int, reviewer: User, reason: str, now: datetime
) -> list[int]:
    """Suspend every published listing whose live revision rests on a revoked certificate."""
    listings = session.scalars(
        sa.select(Listing)
        .join(ListingRevision, Listing.live_revision_id == ListingRevision.id)
        .where(
            ListingRevision.certificate_id == certificate_id,
            Listing.status == ListingStatus.PUBLISHED,
        )
    ).all()
    for listing in listings:
        move(session, listing, Action.SUSPEND, Actor.REVIEWER, reviewer, reason, now)
    return [listing.id for listing in listings]


def add_private_offer(session: Session, listing: Listing, data: dict, now: datetime) -> Plan:
    """A private offer to one buyer on the live revision.

    It changes nothing for anyone else, so it is not a new revision; its own terms must stay
    within what compliance review cleared (cross-border use of a mainland provider's data
    only with a recorded pathway).
    """
    if listing.status != ListingStatus.PUBLISHED or listing.live_revision is None:
        raise Conflict(N_("Private offers are made on a published listing."))
    revision = listing.live_revision
    data = dict(data)
    demand_id = data.pop("demand_id", None)
    if demand_id is not None:
        demand = demands.demand_or_404(session, demand_id, field="demand_id")
        if not demands.is_open(demand, now):
            # Past its deadline the worker is about to close it: closed either way.
            raise Conflict(
                N_("This demand is closed."),
                field="demand_id",
                state=[DemandStatus.CLOSED.value],
                action=["answer"],
            )
    plan = plans.build_plan(
        session, data, revision.delivery_method, listing.organisation_id, now, field="offer"
    )
    licence.check_cleared(
        plan.terms or revision.terms, revision.review, outbound=listing.is_outbound, field="terms"
    )
    plan.demand_id = demand_id
    revision.plans.append(plan)
    session.flush()
    notifications.notify(
        session,
        plan.buyer_organisation_id,
        "offer.received",
        {
            "zh": f"您收到关于「{revision.title_zh}」的专属报价",
            "en": f"You have a private offer for “{revision.title_en}”",
        },
        f"/market/listings/{listing.id}",
        now,
    )
    return plan


def add_sample(
    session: Session,
    store: FileStore,
    listing: Listing,
    upload: registry_assets.Upload,
    max_bytes: int,
) -> Sample:
    """Store a sample file of at most ``max_bytes`` on the draft (samples are part of a
    revision, like its price); file types are checked as for asset files. A view stores the
    file first, outside its transaction (:func:`market.registry.assets.store_first`)."""
    revision = draft_of(listing)
    name, media_type, stored = registry_assets.store_upload(store, upload, max_bytes, "file")
    sample = Sample(
        name=name,
        media_type=media_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
    )
    revision.samples.append(sample)
    session.flush()
    return sample


def sample_or_404(listing: Listing, sample_id: int, revision: ListingRevision | None) -> Sample:
    """A sample of the given revision."""
    for sample in revision.samples if revision else []:
        if sample.id == sample_id:
            return sample
    raise NotFound(N_("No such sample."))


# Rights a listing may offer: holding stays with the provider (三權分置).
OFFERABLE_RIGHTS = ("product_operation", "processing_use", "licensing", "copyright")


def listable_assets(
    session: Session, organisation_ids: list[int], now: datetime
) -> list[tuple[Asset, Certificate]]:
    """The organisations' assets whose latest version holds a valid certificate, with it."""
    assets = session.scalars(
        sa.select(Asset)
        .where(Asset.organisation_id.in_(organisation_ids))
        .order_by(Asset.id.desc())
    ).all()
    found = []
    for asset in assets:
        version = asset.latest_version
        certificate = version and valid_certificate(
            session, asset.organisation_id, version.id, [], now
        )
        if certificate is not None:
            found.append((asset, certificate))
    return found


def draft_from_asset(asset: Asset, certificate: Certificate, regions) -> dict:
    """What the editor starts from: the asset's metadata and the certificate's offerable rights.

    ``regions`` are the known region codes; the asset's spatial coverage is used if it is one.
    """
    coverage = (asset.spatial_coverage or "").strip().lower().replace(" ", "_")
    return {
        "asset_id": str(asset.id),
        "title_zh": asset.title_zh,
        "title_en": asset.title_en,
        "description_zh": asset.description_zh or "",
        "description_en": asset.description_en or "",
        "keywords": ", ".join(asset.keywords or []),
        "category": asset.industry.value,
        "region": coverage if coverage in regions else "",
        "coverage_from": str(asset.temporal_start.year) if asset.temporal_start else "",
        "coverage_to": str(asset.temporal_end.year) if asset.temporal_end else "",
        "rights": [r for r in OFFERABLE_RIGHTS if r in certificate.rights],
        # The provider's own jurisdiction: a licence for use at home, not across a border.
        "territory": [asset.organisation.jurisdiction],
    }


def _major_units(minor: int, currency: str) -> str:
    """``480000, "CNY"`` → ``4800``; ``100050`` → ``1000.5``: as the editor reads it back."""
    text = f"{to_major(minor, currency):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def revision_form(revision: ListingRevision) -> dict:
    """A revision as the editor's fields: what the provider sees when changing a draft (money
    in the plan currency's major unit, as the editor reads it back)."""
    terms = revision.terms or {}
    form = {
        "asset_id": str(revision.asset_version.asset_id),
        "rights": [str(right) for right in revision.rights],
        "title_zh": revision.title_zh,
        "title_en": revision.title_en,
        "description_zh": revision.description_zh,
        "description_en": revision.description_en,
        "keywords": ", ".join(revision.keywords or []),
        "category": str(revision.category),
        "delivery_method": str(revision.delivery_method),
        "region": revision.region,
        "coverage_from": str(revision.coverage_from or ""),
        "coverage_to": str(revision.coverage_to or ""),
        "valuation_report_number": revision.valuation_report_number or "",
        "scenarios": [str(value) for value in terms.get("scenarios", [])],
        "territory": list(terms.get("territory", [])),
        "duration_months": str(terms.get("duration_months") or ""),
    }
    for flag in ("cross_border", "redistribution", "resale", "derivatives", "attribution"):
        form[flag] = "1" if terms.get(flag) else ""
    for index, plan in enumerate(revision.public_plans):
        row = {
            "kind": str(plan.kind),
            "name_zh": plan.name_zh or "",
            "name_en": plan.name_en or "",
            # The editor takes a subscription's price per period (the buyer pays all at once).
            "price": _major_units(plan.price_per_period_minor or plan.price_minor, plan.currency),
            "currency": plan.currency,
            "period": str(plan.period) if plan.period else "",
            "periods": str(plan.periods or ""),
            "calls": str(plan.calls or ""),
            "exclusive": "1" if plan.exclusive else "",
        }
        form.update({f"plan{index}_{name}": value for name, value in row.items()})
    return form


PREVIEW_BYTES = 64 * 1024


def sample_preview(store: FileStore, revision: ListingRevision, rows: int = 5) -> list[list[str]]:
    """The first ``rows`` rows (header included) of the revision's first CSV sample, read from
    at most its first 64 KiB; empty when there is no readable CSV sample."""
    sample = next(
        (
            s
            for s in revision.samples
            if s.name.lower().endswith(".csv") or s.media_type == "text/csv"
        ),
        None,
    )
    if sample is None:
        return []
    with store.open(sample.storage_key) as stream:
        head = stream.read(PREVIEW_BYTES)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("gb18030")
        except UnicodeDecodeError:
            return []
    try:
        table = list(csv.reader(text.splitlines()[: rows + 1]))
    except csv.Error:
        return []
    return [row for row in table if row][: rows + 1]


def provider_actions(listing: Listing) -> list[str]:
    """What the provider may do with the listing now: ``submit``, ``revise``, ``delist``."""
    allowed = allowed_actions(listing.status, Actor.PROVIDER)
    state = listing.latest_revision.state
    actions = []
    if state == RevisionState.DRAFT and Action.SUBMIT in allowed:
        actions.append("submit")
    if listing.status != ListingStatus.DELISTED and state not in (
        RevisionState.DRAFT,
        RevisionState.IN_REVIEW,
    ):
        actions.append("revise")
    if Action.DELIST in allowed:
        actions.append("delist")
    return actions


def answer_demand(
    session: Session, demand, organisation_ids: list[int], data: dict, now: datetime
) -> Plan:
    """A matched provider answers a demand (求购) with a private offer to its buyer.

    The offer is in the demand's currency and stands until the end of ``expires_on`` in China
    Standard Time; NotFound if no listing of ``organisation_ids`` matches the demand.
    """
    match = demands.matched_provider(session, demand, organisation_ids)
    if match is None:
        raise NotFound(N_("No listing of yours matches this demand."))
    # The answer's own field names, so that the form and the API name what was typed.
    if data["price_minor"] < 1:
        raise InvalidInput(
            N_("A plan must have a price: one at nothing cannot be ordered."), field="price_minor"
        )
    expires_at = datetime.combine(data["expires_on"], time.max, CHINA)
    if expires_at <= now:
        raise InvalidInput(N_("A private offer must expire in the future."), field="expires_on")
    offer = {
        "kind": PlanKind.PRIVATE_OFFER,
        "name_zh": data["name_zh"],
        "name_en": data["name_en"],
        "price_minor": data["price_minor"],
        "currency": demand.currency,
        "buyer_organisation_id": demand.organisation_id,
        "expires_at": expires_at,
        "demand_id": demand.id,
    }
    return add_private_offer(session, match.listing, offer, now)
