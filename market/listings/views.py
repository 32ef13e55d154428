"""Listings API: search, listings and their lifecycle, compliance review, demands, notices."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import current_app, jsonify, send_file
from flask_babel import get_locale, get_translations
from flask_smorest import Blueprint

from market.api import QueryPage, json_response
from market.context import acting_for, db_session, outside_transaction, principal
from market.db import utcnow
from market.errors import InvalidInput
from market.identity.models import Organisation, User
from market.listings import (
    compliance,
    demands,
    discovery,
    featuring,
    listings,
    notifications,
    schemas,
)
from market.listings.models import Listing, ListingRevision, PlanKind, RevisionState
from market.listings.states import Action, Actor
from market.oauth.server import requires
from market.registry.assets import Upload, store_first
from market.searching import services as searching
from market.text import N_

blp = Blueprint("listings_api", __name__, description="Listings, search, reviews and demands")


def _engine():
    return current_app.extensions["search"]


def _caller() -> User:
    # A client acts on the authority of the member who created it.
    return db_session().get(User, principal().user_id)


def _own(listing_id: int) -> Listing:
    return listings.listing_or_404(db_session(), listing_id, acting_for())


def provider_known(view):
    """Load the view's input knowing the provider's jurisdiction (the calling client's
    organisation's, whose listings alone it writes), so that terms contradicting it are
    refused in the same 422 as the input's other wrong fields."""

    @functools.wraps(view)
    def knowing(*args, **kwargs):
        organisation = db_session().get(Organisation, principal().organisation_id or 0)
        home = organisation.jurisdiction if organisation is not None else None
        with schemas.ProviderContext({"home": home}):
            return view(*args, **kwargs)

    return knowing


# --- Search ------------------------------------------------------------------------------------


@blp.route("/listings/search")
@requires("catalog:read", public=True)
@blp.arguments(schemas.SearchArgsSchema(exclude=("page", "page_size")), location="query")
@blp.response(200, schemas.SearchResultsSchema)
@blp.paginate()
def search_listings(args, pagination_parameters):
    """Full-text search over published listings with facets, sorting and highlights.

    Most query words must match; with none matching, any one word does (``relaxed``);
    with no listing holding any word, listings sharing its Chinese character pairs (``loose``);
    ``did_you_mean`` offers a corrected query; the search is logged for staff (text, count,
    organisation) and ``search_id`` lets a client report which result was opened.
    """
    session = db_session()
    # Paged like every list of the API: page/page_size in, X-Pagination out.
    args = {
        **args,
        "page": pagination_parameters.page,
        "page_size": pagination_parameters.page_size,
    }
    results = discovery.run(_engine(), args, searching.current(session))
    pagination_parameters.item_count = results.total
    logged = searching.log_query(
        session, args["q"], results.total, results.relaxed, "api",
        principal().organisation_id, utcnow(), discovery.filters_of(args),
    )  # fmt: skip
    # The schema's shape, built directly (see schemas.search_results); the decorator above
    # still documents it and passes a response through as it is.
    body = {
        "search_id": logged,
        "relaxed": results.relaxed,
        # In the script the buyer typed, as the market page shows it.
        "did_you_mean": discovery.in_typed_script(
            results.did_you_mean, args.get("q") or "", str(get_locale()).startswith("zh_Hant")
        ),
        "strict_total": results.strict_total,
        "loose": results.loose,
        "more_by_relevance": discovery.more_by_relevance(
            _engine(), args, results, searching.current(session)
        ),
        "unheld": discovery.unheld_as_typed(results, args.get("q") or ""),
        "regions_missed": discovery.labelled_regions(
            discovery.regions_missed(_engine(), args, results, searching.current(session)),
            get_translations().gettext,
            str(get_locale()),
        ),
        "elsewhere_total": discovery.elsewhere(
            _engine(), args, results, searching.current(session)
        ),
        "took_ms": results.took_ms,
        "hits": [
            {
                "id": int(hit.id),
                "score": hit.score,
                "listing": hit.source,
                "highlights": hit.highlights,
            }
            for hit in results.hits
        ],
        # The request's catalogue looked up once, not once per facet value.
        "facets": discovery.facet_labels(
            db_session(), results, get_translations().gettext, str(get_locale())
        ),
    }
    return json_response(schemas.search_results(body))


@blp.route("/listings/suggest")
@requires("catalog:read", public=True)
@blp.arguments(schemas.SuggestArgsSchema, location="query")
@blp.response(200, schemas.SuggestionSchema(many=True))
def suggest_listings(args):
    """Suggestions as you type (Chinese in either script, or English): keywords and synonym
    terms that lead to listings, then titles, in the reader's script."""
    synonyms = searching.current(db_session())
    found = discovery.suggest(_engine(), args["q"], synonyms, str(get_locale()))
    return [{"text": item.text, "listing_id": int(item.id), "kind": item.kind} for item in found]


@blp.route("/listings/<int:listing_id>/similar")
@requires("catalog:read", public=True)
@blp.response(200, schemas.SearchHitSchema(many=True))
def similar_listings(listing_id: int):
    """Published listings similar to this one."""
    listings.listing_or_404(db_session(), listing_id, acting_for(), public=True)
    hits = discovery.similar(_engine(), listing_id)
    return [
        {"id": int(hit.id), "score": hit.score, "listing": hit.source, "highlights": {}}
        for hit in hits
    ]


# --- Listings ----------------------------------------------------------------------------------


@blp.route("/listings/<int:listing_id>")
@requires("catalog:read", public=True)
@blp.response(200, schemas.ListingSchema)
def get_listing(listing_id: int):
    """A published listing (any caller), or one of your own in any status."""
    listing = listings.listing_or_404(db_session(), listing_id, acting_for(), public=True)
    if listing.organisation_id != principal().organisation_id:
        # Others see what is on sale, not drafts under review, nor the reviewer's notes and the
        # filing numbers behind the compliance decision (only its outcome).
        public = schemas.ListingSchema(
            exclude=("pending", "live.review.reason", "live.review.cross_border_evidence")
        )
        return jsonify(public.dump(listing))
    return listing


@blp.route("/listings/<int:listing_id>/offers")
@requires("catalog:read")
@blp.response(200, schemas.ListingPlanSchema(many=True))
def my_offers(listing_id: int):
    """The private offers on a published listing made to the caller's organisation."""
    listing = listings.listing_or_404(db_session(), listing_id, acting_for(), public=True)
    revision = listing.live_revision
    if revision is None:
        return []
    return [
        plan
        for plan in revision.plans_for(acting_for(), utcnow())
        if plan.kind == PlanKind.PRIVATE_OFFER
    ]


@blp.route("/listings/<int:listing_id>/samples/<int:sample_id>")
@requires("catalog:read", public=True)
def download_sample(listing_id: int, sample_id: int):
    """Download a sample of a published listing, without buying."""
    listing = listings.listing_or_404(db_session(), listing_id, acting_for(), public=True)
    sample = listings.sample_or_404(listing, sample_id, listing.live_revision)
    stream = current_app.extensions["files"].open(sample.storage_key)
    return send_file(
        stream, mimetype=sample.media_type, as_attachment=True, download_name=sample.name
    )


@blp.route("/provider/listings")
@requires("catalog:write")
@blp.response(200, schemas.ListingSchema(many=True))
@blp.paginate(QueryPage)
def my_listings():
    """Your organisation's listings, newest first."""
    return (
        sa.select(Listing)
        .where(Listing.organisation_id == principal().organisation_id)
        .order_by(Listing.id.desc())
    )


@blp.route("/provider/listings", methods=["POST"])
@requires("catalog:write")
@provider_known
@blp.arguments(schemas.ListingInputSchema)
@blp.response(201, schemas.ListingSchema)
def create_listing(data):
    """Draft a listing of a certified asset version: plans, terms, delivery."""
    return listings.create_listing(
        db_session(), principal().organisation_id, _caller(), data, utcnow()
    )


@blp.route("/provider/listings/<int:listing_id>/draft", methods=["PUT"])
@requires("catalog:write")
@provider_known
@blp.arguments(schemas.RevisionInputSchema)
@blp.response(200, schemas.ListingSchema)
def update_draft(data, listing_id: int):
    """Rewrite the draft revision in full."""
    listing = _own(listing_id)
    listings.update_draft(db_session(), listing, data, utcnow())
    return listing


@blp.route("/provider/listings/<int:listing_id>/revisions", methods=["POST"])
@requires("catalog:write")
@blp.response(201, schemas.ListingSchema)
def start_revision(listing_id: int):
    """Start a new revision (a material change); the live one stays on sale meanwhile."""
    listing = _own(listing_id)
    listings.start_revision(db_session(), listing, _caller(), utcnow())
    return listing


@blp.route("/provider/listings/<int:listing_id>/samples", methods=["POST"])
@requires("catalog:write")
@blp.arguments(schemas.SampleUploadSchema, location="files")
@blp.response(201, schemas.ListingSampleSchema)
def upload_sample(files, listing_id: int):
    """Attach a sample file (multipart field ``file``) to the draft."""
    listing = _own(listing_id)
    file = files.get("file")
    if file is None:
        raise InvalidInput(N_("Choose a file."), field="file")
    listings.draft_of(listing)  # refused before the file is stored
    store, limit = current_app.extensions["files"], current_app.config["MAX_SAMPLE_BYTES"]
    [upload] = outside_transaction(
        lambda: store_first(store, [Upload(name=file.filename, stream=file.stream)], limit, "file")
    )
    return listings.add_sample(db_session(), store, listing, upload, limit)


@blp.route("/provider/listings/<int:listing_id>/submit", methods=["POST"])
@requires("catalog:write")
@blp.response(200, schemas.ListingSchema)
def submit_listing(listing_id: int):
    """Send the draft to compliance review."""
    listing = _own(listing_id)
    listings.submit(db_session(), listing, _caller(), utcnow())
    return listing


@blp.route("/provider/listings/<int:listing_id>/delist", methods=["POST"])
@requires("catalog:write")
@blp.arguments(schemas.ListingReasonSchema)
@blp.response(200, schemas.ListingSchema)
def delist_listing(data, listing_id: int):
    """Take a listing off the market for good (orders already made keep their terms)."""
    listing = _own(listing_id)
    listings.move(
        db_session(),
        listing,
        Action.DELIST,
        Actor.PROVIDER,
        _caller(),
        data.get("reason"),
        utcnow(),
    )
    return listing


@blp.route("/provider/listings/<int:listing_id>/offers", methods=["POST"])
@requires("catalog:write")
@provider_known
@blp.arguments(schemas.PrivateOfferInputSchema)
@blp.response(201, schemas.ListingPlanSchema)
def make_private_offer(data, listing_id: int):
    """A private offer to one buyer organisation, with its own price, terms and expiry."""
    listing = _own(listing_id)
    return listings.add_private_offer(db_session(), listing, data, utcnow())


# --- Compliance review (staff) -------------------------------------------------------------------


@blp.route("/reviews/listings")
@requires("review:write")
@blp.response(200, schemas.ReviewListingSchema(many=True))
@blp.paginate(QueryPage)
def review_queue():
    """Listings with a revision waiting for compliance review, oldest first."""
    return (
        sa.select(Listing)
        .join(ListingRevision, ListingRevision.listing_id == Listing.id)
        .where(ListingRevision.state == RevisionState.IN_REVIEW)
        .order_by(ListingRevision.submitted_at, Listing.id)
    )


@blp.route("/reviews/listings/<int:listing_id>", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.ComplianceReviewInputSchema)
@blp.response(200, schemas.ReviewListingSchema)
def decide_review(data, listing_id: int):
    """Record the compliance checklist and approve or request changes."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id)
    compliance.decide(session, listing, _caller(), data, utcnow())
    return listing


@blp.route("/reviews/listings/<int:listing_id>/<any(suspend, reinstate):action>", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.ListingReasonSchema)
@blp.response(200, schemas.ReviewListingSchema)
def staff_move(data, listing_id: int, action: str):
    """Suspend a published listing, or reinstate a suspended one."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id)
    listings.move(
        session, listing, Action(action), Actor.REVIEWER, _caller(), data.get("reason"), utcnow()
    )
    return listing


@blp.route("/reviews/listings/<int:listing_id>/featured", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.FeatureInputSchema)
@blp.response(200, schemas.ReviewListingSchema)
def feature_listing(data, listing_id: int):
    """Show a published listing on the home page (``featured: true``) or take it off, with a
    reason kept in its history; 409 naming ``featured`` when it is already so or not on sale."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id)
    move = featuring.feature if data["featured"] else featuring.unfeature
    move(session, listing, _caller(), data["reason"], utcnow())
    return listing


# --- Demands -----------------------------------------------------------------------------------


@blp.route("/demands")
@requires("catalog:read")
@blp.response(200, schemas.DemandSchema(many=True))
@blp.paginate(QueryPage)
def demand_board():
    """Open demands (the demand board), newest first."""
    return demands.board(utcnow())


@blp.route("/demands", methods=["POST"])
@requires("catalog:write")
@blp.arguments(schemas.DemandInputSchema)
@blp.response(201, schemas.DemandWithMatchesSchema)
def post_demand(data):
    """Post a demand; matching listings appear shortly (matched after commit)."""
    return demands.post(db_session(), principal().organisation_id, _caller(), data, utcnow())


@blp.route("/demands/<int:demand_id>")
@requires("catalog:read")
@blp.response(200, schemas.DemandWithMatchesSchema)
def get_demand(demand_id: int):
    """A demand; its matches are shown to the buyer that posted it only."""
    demand = demands.demand_or_404(db_session(), demand_id)
    if demand.organisation_id != principal().organisation_id:
        return jsonify(schemas.DemandSchema().dump(demand))
    return demand


@blp.route("/demands/<int:demand_id>/offers", methods=["POST"])
@requires("catalog:write")
@blp.arguments(schemas.DemandOfferInputSchema)
@blp.response(201, schemas.ListingPlanSchema)
def answer_demand(data, demand_id: int):
    """A matched provider answers a demand with a private offer to its buyer (in the demand's
    currency, valid to the end of ``expires_on`` in China Standard Time)."""
    demand = demands.demand_or_404(db_session(), demand_id)
    organisation = [principal().organisation_id]
    return listings.answer_demand(db_session(), demand, organisation, data, utcnow())


@blp.route("/demands/<int:demand_id>/close", methods=["POST"])
@requires("catalog:write")
@blp.response(200, schemas.DemandSchema)
def close_demand(demand_id: int):
    """Close your demand."""
    demand = demands.demand_or_404(db_session(), demand_id)
    return demands.withdraw(db_session(), demand, [principal().organisation_id])


@blp.route("/demands/<int:demand_id>", methods=["PUT"])
@requires("catalog:write")
@blp.arguments(schemas.DemandInputSchema)
@blp.response(200, schemas.DemandWithMatchesSchema)
def revise_demand(data, demand_id: int):
    """Change your open demand (every field, as when posting it); it is matched again shortly."""
    demand = demands.demand_or_404(db_session(), demand_id)
    return demands.revise(db_session(), demand, [principal().organisation_id], data, utcnow())


@blp.route("/notifications")
@requires("catalog:read")
@blp.response(200, schemas.NotificationSchema(many=True))
@blp.paginate(QueryPage)
def list_notifications():
    """Your organisation's notifications, newest first."""
    return notifications.for_organisation(principal().organisation_id)


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@requires("catalog:read")
@blp.response(200, schemas.NotificationSchema)
def read_notification(notification_id: int):
    """Mark a notification read."""
    return notifications.mark_read(
        db_session(), principal().organisation_id, notification_id, utcnow()
    )
