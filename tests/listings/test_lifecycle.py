"""The listing lifecycle: certified assets only, review, revisions, suspension, delisting."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.errors import Conflict, InvalidInput, PermissionDenied
from market.listings import compliance, indexing, listings
from market.listings.models import ListingStatus, RevisionState
from market.listings.schemas import PrivateOfferInputSchema, RevisionInputSchema
from market.listings.states import Action, Actor
from market.registry import certificates
from market.registry.models import Industry
from tests.listings import factories as lf
from tests.registry import factories as registry_factories


def test_an_uncertified_asset_cannot_be_listed(db, store, provider):
    organisation, owner = provider
    asset = registry_factories.asset(db, organisation, owner)
    registry_factories.version(db, store, asset, owner)
    with pytest.raises(InvalidInput) as refused:
        listings.create_listing(
            db, organisation.id, owner, lf.loaded(lf.listing_data(asset.id)), utcnow()
        )
    assert refused.value.field == "rights"


def test_rights_not_on_the_certificate_cannot_be_offered(db, store, provider, staff):
    organisation, owner = provider
    asset = lf.certified_asset(db, store, organisation, owner, staff, rights=["holding"])
    with pytest.raises(InvalidInput) as refused:
        listings.create_listing(
            db, organisation.id, owner, lf.loaded(lf.listing_data(asset.id)), utcnow()
        )
    assert refused.value.field == "rights"


def test_another_organisations_asset_cannot_be_listed(db, store, provider, staff):
    organisation, owner = provider
    asset = lf.certified_asset(db, store, organisation, owner, staff)
    other, other_owner = registry_factories.provider(db)
    with pytest.raises(InvalidInput) as refused:
        listings.create_listing(
            db, other.id, other_owner, lf.loaded(lf.listing_data(asset.id)), utcnow()
        )
    assert refused.value.field == "asset_id"


def test_a_draft_goes_through_review_to_published(db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.live_revision.state == RevisionState.LIVE
    assert listing.live_revision.review.decision == "approved"


def test_a_revoked_certificate_blocks_approval(db, store, provider, staff):
    listing = lf.draft_listing(db, store, *provider, staff)
    listings.submit(db, listing, provider[1], utcnow())
    certificates.revoke(db, listing.latest_revision.certificate, staff, "forged", utcnow())
    with pytest.raises(InvalidInput):
        compliance.decide(db, listing, staff, lf.review_data(), utcnow())


def test_a_material_change_goes_to_review_while_the_old_revision_stays_on_sale(
    db, store, provider, staff
):
    organisation, owner = provider
    listing = lf.published_listing(db, store, organisation, owner, staff)
    first = listing.live_revision
    listings.start_revision(db, listing, owner, utcnow())
    data = RevisionInputSchema().load(lf.listing_data(plans=[lf.plan(price_minor=990_000)]))
    listings.update_draft(db, listing, data, utcnow())
    listings.submit(db, listing, owner, utcnow())
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.live_revision is first
    compliance.decide(db, listing, staff, lf.review_data(), utcnow())
    assert listing.live_revision.number == 2
    assert listing.live_revision.plans[0].price_minor == 990_000
    assert first.state == RevisionState.SUPERSEDED
    assert first.plans[0].price_minor == lf.PRICE  # orders keep the terms they were made under


def test_changes_requested_need_a_reason(db, store, provider, staff):
    listing = lf.draft_listing(db, store, *provider, staff)
    listings.submit(db, listing, provider[1], utcnow())
    with pytest.raises(InvalidInput) as refused:
        compliance.decide(
            db, listing, staff, lf.review_data(decision="changes_requested"), utcnow()
        )
    assert refused.value.field == "reason"


def test_changes_requested_send_a_first_revision_back_to_draft(db, store, provider, staff):
    listing = lf.draft_listing(db, store, *provider, staff)
    listings.submit(db, listing, provider[1], utcnow())
    review = lf.review_data(decision="changes_requested", reason="add a sample")
    compliance.decide(db, listing, staff, review, utcnow())
    assert listing.status == ListingStatus.DRAFT
    assert listing.latest_revision.state == RevisionState.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("status_action", "actor"),
    [(Action.SUSPEND, Actor.PROVIDER), (Action.DELIST, Actor.REVIEWER)],
)
def test_moves_belong_to_their_actor(db, store, provider, staff, status_action, actor):
    listing = lf.published_listing(db, store, *provider, staff)
    with pytest.raises(PermissionDenied):
        listings.move(db, listing, status_action, actor, staff, "because", utcnow())


def test_a_delisted_listing_cannot_be_reinstated(db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    listings.move(db, listing, Action.DELIST, Actor.PROVIDER, provider[1], None, utcnow())
    with pytest.raises(Conflict):
        listings.move(db, listing, Action.REINSTATE, Actor.REVIEWER, staff, "ok", utcnow())


def test_cross_border_terms_need_a_recorded_pathway(db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["CN", "HK"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    with pytest.raises(InvalidInput) as refused:
        compliance.decide(db, listing, staff, lf.review_data(), utcnow())
    assert refused.value.field == "cross_border_pathway"


def test_cross_border_terms_with_a_filed_standard_contract_are_approved(db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["CN", "HK"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    review = lf.review_data(
        cross_border_pathway="standard_contract", cross_border_evidence="粤网信备[2026]0123"
    )
    compliance.decide(db, listing, staff, review, utcnow())
    assert listing.status == ListingStatus.PUBLISHED


def test_important_data_leaves_only_after_a_security_assessment(db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["*"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    review = lf.review_data(
        important_data=True,
        important_data_note="traffic flows of critical infrastructure",
        cross_border_pathway="standard_contract",
        cross_border_evidence="filing 42",
    )
    with pytest.raises(InvalidInput) as refused:
        compliance.decide(db, listing, staff, review, utcnow())
    assert refused.value.field == "cross_border_pathway"


def test_a_private_offer_cannot_allow_what_review_did_not_clear(db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    buyer = registry_factories.provider(db)[0]
    offer = lf.plan(
        kind="private_offer",
        buyer_organisation_id=buyer.id,
        expires_at=(utcnow().replace(year=utcnow().year + 1)).isoformat(),
        terms=lf.terms(cross_border=True, territory=["SG"]),
    )
    with pytest.raises(InvalidInput) as refused:
        listings.add_private_offer(db, listing, PrivateOfferInputSchema().load(offer), utcnow())
    assert refused.value.field == "terms.cross_border"


def test_usage_packages_need_api_delivery(db, store, provider, staff):
    organisation, owner = provider
    asset = lf.certified_asset(db, store, organisation, owner, staff, industry=Industry.FINANCE)
    data = lf.listing_data(asset.id, plans=[lf.plan(kind="usage_package", calls=100_000)])
    with pytest.raises(InvalidInput) as refused:
        listings.create_listing(db, organisation.id, owner, lf.loaded(data), utcnow())
    assert refused.value.field == "plans.0.kind"


def test_revoking_the_certificate_suspends_and_unindexes_the_listing(
    app, db, store, provider, staff, drain
):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    engine, spec = app.extensions["search"], indexing.LISTINGS
    assert engine.get(spec, str(listing.id)) is not None
    certificates.revoke(db, listing.live_revision.certificate, staff, "forged evidence", utcnow())
    db.commit()
    drain()
    db.refresh(listing)
    assert listing.status == ListingStatus.SUSPENDED
    assert engine.get(spec, str(listing.id)) is None
