"""Registry pages for reviewers: the claim queue, decisions, objections and revocations."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from market.auth import staff_required
from market.context import current_user, db_session
from market.db import utcnow
from market.errors import DomainError, InvalidInput
from market.forms import parse_form
from market.identity.models import StaffRole
from market.registry import certificates, claims, schemas, services, states
from market.registry.models import Claim, ClaimState
from market.registry.pages.common import LABELS, blp, form_errors, purchases_of, setting
from market.registry.states import Actor
from market.text import N_


@blp.route("/review/claims")
@staff_required(StaffRole.REVIEWER)
def review_queue():
    """Claims to review, filtered by state, by conflicts and by objections awaiting a
    decision."""
    state = request.args.get("state") or None
    conflicts = {"yes": True, "no": False}.get(request.args.get("conflicts", ""))
    try:
        state = ClaimState(state) if state else None
    except ValueError:
        raise InvalidInput(N_("Unknown state."), field="state") from None
    objections = request.args.get("objections") == "open"
    rows = db_session().scalars(services.review_queue(state, conflicts, objections).limit(200))
    return render_template(
        "registry/review_queue.html",
        claims=list(rows),
        state=state,
        conflicts=request.args.get("conflicts", ""),
        objections=objections,
    )


def _review_page(claim: Claim, status: int = 200, errors=None):
    page = render_template(
        "registry/review.html",
        claim=claim,
        actions=states.allowed_actions(claim.state, Actor.REVIEWER),
        decisions=[
            a
            for a in states.REVIEW_DECISIONS
            if a in states.allowed_actions(claim.state, Actor.REVIEWER)
        ],
        conflict_groups=_conflict_groups(claim),
        purchases=purchases_of(claim),
        errors=errors or {},
        now=utcnow(),
    )
    return page, status


def _conflict_groups(claim: Claim) -> list[tuple[Claim, set[str]]]:
    groups: dict[int, tuple[Claim, set[str]]] = {}
    for conflict in claim.conflicts:
        other, hashes = groups.setdefault(conflict.other_claim_id, (conflict.other_claim, set()))
        hashes.add(conflict.sha256)
    return list(groups.values())


@blp.route("/review/claims/<int:claim_id>")
@staff_required(StaffRole.REVIEWER)
def review_claim(claim_id: int):
    """A claim for review, with conflicting claims side by side and the decision form."""
    return _review_page(services.claim_or_404(db_session(), claim_id, None))


@blp.route("/review/claims/<int:claim_id>/decision", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def review_decide(claim_id: int):
    """Record a reviewer's decision on a claim."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, None)
    data, errors = parse_form(schemas.DecisionSchema())
    if errors:
        return _review_page(claim, 422, errors)
    try:
        claims.decide(
            session,
            claim,
            current_user(),
            data["action"],
            data["reason"],
            utcnow(),
            setting("REGISTRY_NOTICE_WORKING_DAYS"),
            acknowledge_conflicts=data["acknowledge_conflicts"],
        )
    except DomainError as error:
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, form_errors(error)
        )
    flash(_(LABELS["state"][claim.state]))
    return redirect(url_for("registry.review_claim", claim_id=claim_id))


@blp.route("/review/objections/<int:objection_id>/decision", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def review_objection(objection_id: int):
    """Uphold or dismiss an objection."""
    session = db_session()
    objection = services.objection_or_404(session, objection_id)
    claim_id = objection.claim_id
    data, errors = parse_form(schemas.ObjectionDecisionSchema())
    if errors:
        return _review_page(objection.claim, 422, errors)
    try:
        claims.decide_objection(
            session,
            objection,
            current_user(),
            data["decision"] == "uphold",
            data["reason"],
            utcnow(),
        )
    except DomainError as error:
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, form_errors(error)
        )
    flash(_("Objection decided."))
    return redirect(url_for("registry.review_claim", claim_id=claim_id))


@blp.route("/review/certificates/<number>/revoke", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def review_revoke(number: str):
    """Revoke a certificate."""
    session = db_session()
    certificate = services.certificate_or_404(session, number)
    claim_id = certificate.claim_id
    data, errors = parse_form(schemas.RevocationSchema())
    if errors:
        return _review_page(certificate.claim, 422, errors)
    try:
        certificates.revoke(session, certificate, current_user(), data["reason"], utcnow())
    except DomainError as error:
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, form_errors(error)
        )
    flash(_("Certificate revoked."))
    return redirect(url_for("registry.review_claim", claim_id=claim_id))
