"""Verification API: an organisation's evidence and profile; the reviewers' queue and decisions."""

from __future__ import annotations

from flask import current_app, send_file
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import db_session, outside_transaction, principal
from market.db import utcnow
from market.errors import NotFound, PermissionDenied
from market.identity import services as identity_services
from market.identity.models import Organisation, User
from market.identity.schemas import OrganisationSchema
from market.oauth.server import requires
from market.registry.assets import Upload, store_first
from market.text import N_
from market.verification import schemas, services
from market.verification.states import Actor, allowed_actions

blp = Blueprint(
    "verification_api", __name__, description="Organisation verification (企業認證) and review"
)


def _acting_user() -> User:
    # A client acts on the authority of the member who created it.
    return db_session().get(User, principal().user_id)


def _own_organisation(organisation_id: int, administer: bool = False) -> Organisation:
    # Another organisation's private data is indistinguishable from a missing one.
    if organisation_id != principal().organisation_id:
        raise NotFound(N_("No such organisation."))
    session = db_session()
    organisation = identity_services.organisation_or_404(session, organisation_id)
    if administer:
        member = identity_services.membership(session, organisation_id, _acting_user())
        if member is None or not member.can_administer:
            raise PermissionDenied(N_("Only the organisation's owners and admins may do this."))
    return organisation


def describe(organisation: Organisation, actor: Actor) -> dict:
    """An organisation's verification: state, submissions, history, what ``actor`` may do."""
    session = db_session()
    return {
        "organisation": organisation,
        "allowed_actions": [
            str(action) for action in allowed_actions(organisation.verification_state, actor)
        ],
        "requests": services.requests(session, organisation.id),
        "history": services.history(session, organisation.id),
    }


@blp.route("/organisations/<int:organisation_id>", methods=["PATCH"])
@requires("org:write")
@blp.arguments(schemas.ProfileUpdateSchema)
@blp.response(200, OrganisationSchema)
def update_organisation(data, organisation_id: int):
    """Change your organisation's profile; new legal details send a verified one to review."""
    organisation = _own_organisation(organisation_id, administer=True)
    return services.update_profile(db_session(), organisation, _acting_user(), data, utcnow())


@blp.route("/organisations/<int:organisation_id>/verification")
@requires("org:read")
@blp.response(200, schemas.VerificationStatusSchema)
def get_verification(organisation_id: int):
    """Your organisation's verification: state, submissions and every decision."""
    return describe(_own_organisation(organisation_id), Actor.ORGANISATION)


@blp.route("/organisations/<int:organisation_id>/verification", methods=["POST"])
@requires("org:write")
@blp.arguments(schemas.VerificationEvidenceInputSchema, location="form")
@blp.arguments(schemas.VerificationLicenceUploadSchema, location="files")
@blp.response(201, schemas.VerificationStatusSchema)
def submit_verification(data, files, organisation_id: int):
    """Submit evidence (multipart: the fields and the ``licence`` scan) for review."""
    organisation = _own_organisation(organisation_id, administer=True)
    file = files.get("licence")
    licence = Upload(name=file.filename, stream=file.stream) if file and file.filename else None
    store, limit = current_app.extensions["files"], current_app.config["MAX_LICENCE_BYTES"]
    if licence is not None:
        services.check_submission(organisation, data, licence)
        [licence] = outside_transaction(lambda: store_first(store, [licence], limit, "licence"))
    services.submit(
        db_session(), store, organisation, _acting_user(), data, licence, limit, utcnow()
    )
    return describe(organisation, Actor.ORGANISATION)


@blp.route("/review/organisations")
@requires("review:write")
@blp.arguments(schemas.VerificationReviewQuerySchema, location="query")
@blp.response(200, schemas.VerificationQueueItemSchema(many=True))
@blp.paginate(QueryPage)
def review_queue(query):
    """Organisations waiting for verification (or in the given state), oldest first."""
    return services.review_queue(query["state"])


@blp.route("/review/organisations/<int:organisation_id>")
@requires("review:write")
@blp.response(200, schemas.VerificationStatusSchema)
def review_organisation(organisation_id: int):
    """An organisation's evidence, submissions and history, for a reviewer."""
    organisation = services.organisation_for_review(db_session(), organisation_id)
    return describe(organisation, Actor.REVIEWER)


@blp.route("/review/verification-requests/<int:request_id>/licence")
@requires("review:write")
def review_licence(request_id: int):
    """The business licence scan of one submission."""
    request = services.licence_of(db_session(), request_id)
    stream = current_app.extensions["files"].open(request.licence_storage_key)
    return send_file(
        stream, mimetype=request.licence_media_type, download_name=request.licence_name
    )


@blp.route("/review/organisations/<int:organisation_id>/decisions", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.VerificationDecisionSchema)
@blp.response(200, schemas.VerificationStatusSchema)
def decide(data, organisation_id: int):
    """Start review, approve, reject, ask for more information, suspend or lift."""
    session = db_session()
    organisation = services.organisation_for_review(session, organisation_id)
    services.decide(
        session,
        organisation,
        _acting_user(),
        data["action"],
        data["reason"],
        utcnow(),
        acknowledge_open_orders=data["acknowledge_open_orders"],
    )
    return describe(organisation, Actor.REVIEWER)
