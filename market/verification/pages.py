"""Verification pages: an organisation's evidence and status; the reviewers' queue; directory."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from market.auth import login_required, staff_required
from market.context import current_user, db_session, outside_transaction
from market.db import utcnow
from market.errors import DomainError
from market.forms import parse_form
from market.identity import services as identity_services
from market.identity.models import Organisation, StaffRole, VerificationState
from market.registry.assets import Upload, store_first
from market.verification import evidence, schemas, services
from market.verification.states import ACTION_LABELS, Action, Actor, allowed_actions

blp = Blueprint("verification", __name__)
# Every page naming the evidence (the verification forms, the buy page, the organisation page)
# names it as the organisation's jurisdiction does.
blp.add_app_template_global(evidence.words, "evidence_words")


def _messages(error: DomainError) -> dict:
    return {error.field or "action": [_(error.message)]}


EVIDENCE_FIELDS = (
    "legal_representative",
    "registered_address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "registration_number",
)


def _last_evidence(submitted: list, organisation: Organisation, user) -> dict:
    """The form as last submitted, so a resubmission changes only what the reviewer asked; the
    first time, what the exchange knows already: the registration number given at sign-up and
    the signed-in user's e-mail as the contact's (most often the one who fills it in)."""
    if not submitted:
        return {
            "registration_number": organisation.registration_number or "",
            "contact_email": user.email,
        }
    return {name: getattr(submitted[0], name) or "" for name in EVIDENCE_FIELDS}


def _own_page(organisation: Organisation, status: int = 200, errors=None):
    session = db_session()
    member = identity_services.require_membership(session, organisation.id, current_user())
    submitted = services.requests(session, organisation.id)
    page = render_template(
        "verification/organisation.html",
        organisation=organisation,
        me=member,
        may_submit=Action.SUBMIT
        in allowed_actions(organisation.verification_state, Actor.ORGANISATION),
        requests=submitted,
        history=services.history(session, organisation.id),
        labels=ACTION_LABELS,
        errors=errors or {},
        form=request.form if errors else _last_evidence(submitted, organisation, current_user()),
    )
    return page, status


@blp.route("/organisations/<int:organisation_id>/verification")
@login_required
def organisation(organisation_id: int):
    """Your organisation's verification: state, history, and the evidence form."""
    return _own_page(identity_services.organisation_or_404(db_session(), organisation_id))


@blp.route("/organisations/<int:organisation_id>/verification", methods=["POST"])
@login_required
def submit(organisation_id: int):
    """Submit (or resubmit) evidence: owners and admins."""
    session = db_session()
    organisation = identity_services.organisation_or_404(session, organisation_id)
    identity_services.require_membership(session, organisation_id, current_user(), administer=True)
    data, errors = parse_form(schemas.VerificationEvidenceInputSchema())
    if errors:
        return _own_page(organisation, 422, errors)
    file = request.files.get("licence")
    licence = Upload(name=file.filename, stream=file.stream) if file and file.filename else None
    store, limit = current_app.extensions["files"], current_app.config["MAX_LICENCE_BYTES"]
    try:
        if licence is not None:
            services.check_submission(organisation, data, licence)
            [licence] = outside_transaction(lambda: store_first(store, [licence], limit, "licence"))
        services.submit(
            session, store, organisation, current_user(), data, licence, limit, utcnow()
        )
    except DomainError as error:
        return _own_page(organisation, error.status, _messages(error))
    flash(_("Your evidence has been submitted. Exchange staff will review it."))
    return redirect(url_for("verification.organisation", organisation_id=organisation_id))


@blp.route("/review/organisations")
@staff_required(StaffRole.REVIEWER)
def review_queue():
    """Organisations waiting for verification, or in a chosen state."""
    raw = request.args.get("state") or None
    state = VerificationState(raw) if raw in set(VerificationState) else None
    rows = db_session().scalars(services.review_queue(state).limit(200))
    return render_template(
        "verification/review_queue.html",
        organisations=list(rows),
        state=state,
        VerificationState=VerificationState,
    )


def _review_page(organisation: Organisation, status: int = 200, errors=None):
    session = db_session()
    page = render_template(
        "verification/review.html",
        organisation=organisation,
        actions=allowed_actions(organisation.verification_state, Actor.REVIEWER),
        requests=services.requests(session, organisation.id),
        history=services.history(session, organisation.id),
        open_orders=services.open_orders(session, organisation.id),
        labels=ACTION_LABELS,
        errors=errors or {},
        form=request.form if errors else {},
    )
    return page, status


@blp.route("/review/organisations/<int:organisation_id>")
@staff_required(StaffRole.REVIEWER)
def review(organisation_id: int):
    """An organisation's evidence and history, with the decision form."""
    return _review_page(services.organisation_for_review(db_session(), organisation_id))


@blp.route("/review/organisations/<int:organisation_id>/decision", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def decide(organisation_id: int):
    """Record a reviewer's decision."""
    session = db_session()
    organisation = services.organisation_for_review(session, organisation_id)
    data, errors = parse_form(schemas.VerificationDecisionSchema())
    if errors:
        return _review_page(organisation, 422, errors)
    try:
        services.decide(
            session,
            organisation,
            current_user(),
            data["action"],
            data["reason"],
            utcnow(),
            acknowledge_open_orders=data["acknowledge_open_orders"],
        )
    except DomainError as error:
        return _review_page(organisation, error.status, _messages(error))
    flash(_("Decision recorded."))
    return redirect(url_for("verification.review", organisation_id=organisation_id))


@blp.route("/review/verification-requests/<int:request_id>/licence")
@staff_required(StaffRole.REVIEWER)
def licence(request_id: int):
    """The business licence scan of a submission, shown in the browser."""
    found = services.licence_of(db_session(), request_id)
    stream = current_app.extensions["files"].open(found.licence_storage_key)
    return send_file(stream, mimetype=found.licence_media_type, download_name=found.licence_name)


@blp.route("/market/organisations")
def directory():
    """The public directory: verified organisations only."""
    rows = db_session().scalars(services.verified_directory().limit(500))
    return render_template("verification/directory.html", organisations=list(rows))
