"""Registry pages for the public: the notice board and objections, certificate verification and
the printable certificate."""

from __future__ import annotations

import hashlib

import segno
import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from market.auth import login_required
from market.context import acting_for, current_user, db_session, outside_transaction
from market.db import utcnow
from market.errors import DomainError, NotFound
from market.forms import parse_form
from market.guard import refused_query_args, shows_refused_query
from market.registry import assets, certificates, chain, claims, schemas, services
from market.registry.assets import Upload
from market.registry.models import Certificate, Claim, ClaimState
from market.registry.pages.common import blp, form_errors, setting
from market.text import N_


@blp.route("/notices")
def notice_board():
    """Public notice board: approved claims open to objection, and the registry log's head."""
    rows = db_session().scalars(
        sa.select(Claim)
        .where(Claim.state == ClaimState.PUBLIC_NOTICE)
        .order_by(Claim.notice_ends_at, Claim.id)
    )
    return render_template(
        "registry/notices.html", claims=list(rows), head=chain.head(db_session()), now=utcnow()
    )


def _notice(claim_id: int) -> Claim:
    claim = db_session().get(Claim, claim_id)
    if claim is None or claim.state != ClaimState.PUBLIC_NOTICE:
        raise NotFound(N_("No such claim in public notice."))
    return claim


def _notice_page(claim: Claim, status: int = 200, errors=None):
    user = current_user()
    organisations = [
        m.organisation
        for m in (user.memberships if user else [])
        if m.organisation_id != claim.organisation_id
    ]
    mine = {organisation.id for organisation in organisations}
    filed = [objection for objection in claim.objections if objection.organisation_id in mine]
    page = render_template(
        "registry/notice.html",
        claim=claim,
        organisations=organisations,
        filed=filed,
        errors=errors or {},
        form=request.form if errors else {},
        now=utcnow(),
    )
    return page, status


@blp.route("/notices/<int:claim_id>")
def notice(claim_id: int):
    """One claim in public notice, with the objection form for signed-in organisations."""
    return _notice_page(_notice(claim_id))


@blp.route("/notices/<int:claim_id>/objections", methods=["POST"])
@login_required
def notice_object(claim_id: int):
    """File an objection on behalf of one of your organisations."""
    session = db_session()
    claim = _notice(claim_id)
    data, errors = parse_form(schemas.ObjectionInputSchema())
    if not errors and data["organisation_id"] not in acting_for():
        errors = {"organisation_id": [_("Choose one of your organisations.")]}
    if errors:
        return _notice_page(claim, 422, errors)
    uploads = [
        Upload(name=file.filename, stream=file.stream)
        for file in request.files.getlist("file")
        if file.filename
    ]
    store, limit = current_app.extensions["files"], setting("MAX_EVIDENCE_BYTES")
    try:
        uploads = outside_transaction(lambda: assets.store_first(store, uploads, limit, "evidence"))
        claims.file_objection(
            session,
            store,
            claim,
            data["organisation_id"],
            current_user(),
            data["reasons"],
            uploads,
            limit,
            utcnow(),
        )
    except DomainError as error:
        return _notice_page(_notice(claim_id), error.status, form_errors(error))
    flash(_("Your objection has been filed. A reviewer will decide on it."))
    return redirect(url_for("registry.notice", claim_id=claim_id))


@blp.route("/verify")
@shows_refused_query
def verify_lookup():
    """Look up a certificate by number."""
    refused = refused_query_args()
    if refused:
        # Shown beside the box, with what was typed, as any form's refusal is.
        errors = {"number": next(iter(refused.values()))}
        page = render_template(
            "registry/verify_lookup.html", errors=errors, number=request.args.get("number")
        )
        return page, 422
    number = (request.args.get("number") or "").strip().upper()
    if number:
        return redirect(url_for("registry.verify", number=number))
    return render_template("registry/verify_lookup.html")


def _verify_page(certificate: Certificate, status: int = 200, check=None, errors=None):
    page = render_template(
        "registry/verify.html",
        certificate=certificate,
        status=certificates.effective_status(certificate, utcnow()),
        head=chain.head(db_session()),
        check=check,
        errors=errors or {},
    )
    return page, status


@blp.route("/verify/<number>")
def verify(number: str):
    """Public verification of a certificate: status, holder, fingerprint (no sign-in)."""
    return _verify_page(services.certificate_or_404(db_session(), number))


@blp.route("/verify/<number>", methods=["POST"])
def verify_file(number: str):
    """Check whether a file (uploaded, or its SHA-256) belongs to the certified version."""
    session = db_session()
    certificate = services.certificate_or_404(session, number)
    file = request.files.get("file")
    sha256 = (request.form.get("sha256") or "").strip().lower()
    if file is not None and file.filename:
        digest = hashlib.sha256()
        while chunk := file.stream.read(64 * 1024):
            digest.update(chunk)
        sha256 = digest.hexdigest()
    errors = schemas.FileCheckSchema().validate({"sha256": sha256})
    if errors:
        return _verify_page(certificate, 422, errors=errors)
    found = certificates.file_in_certificate(session, certificate, sha256)
    return _verify_page(certificate, check={"sha256": sha256, "file": found})


@blp.route("/certificates/<number>/print")
def certificate_print(number: str):
    """The printable certificate, with a QR code linking to its verification page."""
    certificate = services.certificate_or_404(db_session(), number)
    link = setting("BASE_URL").rstrip("/") + url_for("registry.verify", number=certificate.number)
    qr = segno.make(link, error="m").svg_inline(scale=4, title=certificate.number)
    return render_template(
        "registry/certificate_print.html",
        certificate=certificate,
        status=certificates.effective_status(certificate, utcnow()),
        link=link,
        qr=Markup(qr),
    )
