"""Registry pages: providers' assets and claims, the reviewer queue, the public notice board,
public certificate verification and the printable certificate."""

from __future__ import annotations

import hashlib

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from marshmallow import ValidationError, fields, validate

from market.auth import login_required, staff_required
from market.context import current_user, db_session
from market.db import utcnow
from market.errors import DomainError, InvalidInput, NotFound
from market.forms import parse_form
from market.identity.models import Organisation, StaffRole
from market.registry import assets, certificates, chain, claims, models, schemas, services, states
from market.registry.assets import Upload
from market.registry.models import Asset, Certificate, Claim, ClaimState
from market.registry.states import Action, Actor
from market.registry.views import review_statement
from market.text import N_

blp = Blueprint("registry", __name__)

LABELS = {
    "kind": models.ASSET_KIND_LABELS,
    "industry": models.INDUSTRY_LABELS,
    "personal_info": models.PERSONAL_INFO_LABELS,
    "right": models.RIGHT_LABELS,
    "source": models.SOURCE_LABELS,
    "state": models.CLAIM_STATE_LABELS,
    "certificate": models.CERTIFICATE_STATUS_LABELS,
    "action": states.ACTION_LABELS,
}


@blp.context_processor
def registry_globals():
    """Enum labels and choices for the registry's templates."""
    return {"labels": LABELS, "models": models, "Action": Action, "ClaimState": ClaimState}


def _errors(error: DomainError) -> dict:
    return {error.field or "form": [_(error.message)]}


def _own_ids() -> list[int]:
    return services.organisation_ids(db_session(), current_user())


def _config(name: str):
    return current_app.config[name]


# --- Provider: assets ----------------------------------------------------------------------


@blp.route("/registry/assets")
@login_required
def asset_list():
    """Your organisations' assets."""
    rows = db_session().scalars(
        sa.select(Asset).where(Asset.organisation_id.in_(_own_ids())).order_by(Asset.id.desc())
    )
    return render_template("registry/assets.html", assets=list(rows))


def _organisations() -> list[Organisation]:
    return [membership.organisation for membership in current_user().memberships]


@blp.route("/registry/assets/new", methods=["GET", "POST"])
@login_required
def asset_new():
    """Register an asset of one of your organisations."""
    context = {"organisations": _organisations()}
    if request.method == "GET":
        return render_template("registry/asset_new.html", errors={}, form={}, **context)
    data, errors = parse_form(_AssetFormSchema())
    organisation_id = data.pop("organisation_id", None) if data else None
    if not errors and organisation_id not in _own_ids():
        errors = {"organisation_id": [_("choose one of your organisations")]}
    if errors:
        page = render_template(
            "registry/asset_new.html", errors=errors, form=request.form, **context
        )
        return page, 422
    try:
        asset = assets.create_asset(db_session(), organisation_id, current_user(), data)
    except DomainError as error:
        page = render_template(
            "registry/asset_new.html", errors=_errors(error), form=request.form, **context
        )
        return page, error.status
    flash(_("Asset registered. Upload its files to make the first version."))
    return redirect(url_for("registry.asset_detail", asset_id=asset.id))


class _AssetFormSchema(schemas.AssetInputSchema):
    """The asset form also says which organisation registers it."""

    organisation_id = fields.Integer(required=True)


def _asset_page(asset: Asset, status: int = 200, errors=None):
    page = render_template(
        "registry/asset.html",
        asset=asset,
        claims=db_session()
        .scalars(sa.select(Claim).where(Claim.asset_id == asset.id).order_by(Claim.id.desc()))
        .all(),
        errors=errors or {},
        form=request.form if errors else {},
        max_bytes=_config("MAX_UPLOAD_BYTES"),
    )
    return page, status


@blp.route("/registry/assets/<int:asset_id>")
@login_required
def asset_detail(asset_id: int):
    """An asset: metadata, versions and files, claims."""
    return _asset_page(services.asset_or_404(db_session(), asset_id, _own_ids()))


@blp.route("/registry/assets/<int:asset_id>/files", methods=["POST"])
@login_required
def asset_upload(asset_id: int):
    """Upload files: a new version of the asset."""
    session = db_session()
    asset = services.asset_or_404(session, asset_id, _own_ids())
    uploads = [
        Upload(name=file.filename, stream=file.stream)
        for file in request.files.getlist("file")
        if file.filename
    ]
    try:
        version = assets.add_version(
            session,
            current_app.extensions["files"],
            asset,
            current_user(),
            uploads,
            _config("MAX_UPLOAD_BYTES"),
            utcnow(),
        )
    except DomainError as error:
        session.rollback()
        asset = services.asset_or_404(session, asset_id, _own_ids())
        return _asset_page(asset, error.status, _errors(error))
    flash(_("Version %(number)s saved.", number=version.number))
    return redirect(url_for("registry.asset_detail", asset_id=asset_id))


# --- Provider: claims ----------------------------------------------------------------------


@blp.route("/registry/assets/<int:asset_id>/claims/new", methods=["GET", "POST"])
@login_required
def claim_new(asset_id: int):
    """Start a draft rights claim on the asset's latest version."""
    session = db_session()
    asset = services.asset_or_404(session, asset_id, _own_ids())
    context = {"asset": asset}
    if request.method == "GET":
        return render_template("registry/claim_new.html", errors={}, form={}, **context)
    form = request.form.to_dict() | {"asset_id": str(asset_id)}
    data, errors = _load(schemas.ClaimInputSchema(), form)
    if not errors:
        data.pop("asset_id")
        try:
            claim = claims.create_claim(session, asset, current_user(), data, utcnow())
        except DomainError as error:
            errors = _errors(error)
            status = error.status
        else:
            flash(_("Draft claim saved. Attach evidence, then submit it."))
            return redirect(url_for("registry.claim_detail", claim_id=claim.id))
    else:
        status = 422
    page = render_template("registry/claim_new.html", errors=errors, form=request.form, **context)
    return page, status


def _load(schema, raw: dict) -> tuple[dict, dict]:
    raw = dict(raw)
    raw.pop("csrf_token", None)
    if "rights" in schema.fields:
        raw["rights"] = request.form.getlist("rights")
    try:
        return schema.load(raw), {}
    except ValidationError as error:
        return {}, error.normalized_messages()


@blp.route("/registry/claims")
@login_required
def claim_list():
    """Your organisations' claims."""
    rows = db_session().scalars(
        sa.select(Claim).where(Claim.organisation_id.in_(_own_ids())).order_by(Claim.id.desc())
    )
    return render_template("registry/claims.html", claims=list(rows))


def _claim_page(claim: Claim, status: int = 200, errors=None):
    page = render_template(
        "registry/claim.html",
        claim=claim,
        actions=states.allowed_actions(claim.state, Actor.PROVIDER),
        editable=claim.state in claims.EDITABLE,
        errors=errors or {},
    )
    return page, status


@blp.route("/registry/claims/<int:claim_id>")
@login_required
def claim_detail(claim_id: int):
    """A claim: its state, history, evidence and objections."""
    return _claim_page(services.claim_or_404(db_session(), claim_id, _own_ids()))


@blp.route("/registry/claims/<int:claim_id>/evidence", methods=["POST"])
@login_required
def claim_evidence(claim_id: int):
    """Attach an evidence document."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, _own_ids())
    file = request.files.get("evidence")
    try:
        if file is None or not file.filename:
            raise InvalidInput(N_("choose at least one file"), field="evidence")
        claims.add_evidence(
            session,
            current_app.extensions["files"],
            claim,
            current_user(),
            Upload(name=file.filename, stream=file.stream),
            _config("MAX_UPLOAD_BYTES"),
            utcnow(),
        )
    except DomainError as error:
        session.rollback()
        claim = services.claim_or_404(session, claim_id, _own_ids())
        return _claim_page(claim, error.status, _errors(error))
    flash(_("Evidence attached."))
    return redirect(url_for("registry.claim_detail", claim_id=claim_id))


PROVIDER_MOVES = {
    Action.SUBMIT: lambda session, claim, user, reason, now: claims.submit(
        session, claim, user, now
    ),
    Action.RESUBMIT: claims.resubmit,
    Action.WITHDRAW: claims.withdraw,
}


@blp.route("/registry/claims/<int:claim_id>/moves", methods=["POST"])
@login_required
def claim_move(claim_id: int):
    """Submit, resubmit or withdraw a claim."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, _own_ids())
    data, errors = parse_form(_MoveSchema())
    if errors:
        return _claim_page(claim, 422, errors)
    try:
        PROVIDER_MOVES[data["action"]](session, claim, current_user(), data["reason"], utcnow())
    except DomainError as error:
        session.rollback()
        claim = services.claim_or_404(session, claim_id, _own_ids())
        return _claim_page(claim, error.status, _errors(error))
    flash(_(LABELS["state"][claim.state]))
    return redirect(url_for("registry.claim_detail", claim_id=claim_id))


class _MoveSchema(schemas.ReasonSchema):
    action = fields.Enum(
        Action, by_value=True, required=True, validate=validate.OneOf(list(PROVIDER_MOVES))
    )


@blp.route("/registry/certificates")
@login_required
def certificate_list():
    """Your organisations' certificates."""
    rows = db_session().scalars(
        sa.select(Certificate)
        .where(Certificate.organisation_id.in_(_own_ids()))
        .order_by(Certificate.id.desc())
    )
    return render_template("registry/certificates.html", certificates=list(rows))


# --- Reviewers -----------------------------------------------------------------------------


@blp.route("/review/claims")
@staff_required(StaffRole.REVIEWER)
def review_queue():
    """Claims to review, filtered by state and by conflicts."""
    state = request.args.get("state") or None
    conflicts = {"yes": True, "no": False}.get(request.args.get("conflicts", ""))
    try:
        state = ClaimState(state) if state else None
    except ValueError:
        raise InvalidInput(N_("unknown state"), field="state") from None
    rows = db_session().scalars(review_statement(state, conflicts).limit(200))
    return render_template(
        "registry/review_queue.html",
        claims=list(rows),
        state=state,
        conflicts=request.args.get("conflicts", ""),
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
            _config("REGISTRY_NOTICE_WORKING_DAYS"),
        )
    except DomainError as error:
        session.rollback()
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, _errors(error)
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
        session.rollback()
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, _errors(error)
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
        session.rollback()
        return _review_page(
            services.claim_or_404(session, claim_id, None), error.status, _errors(error)
        )
    flash(_("Certificate revoked."))
    return redirect(url_for("registry.review_claim", claim_id=claim_id))


# --- The public ----------------------------------------------------------------------------


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
        raise NotFound(N_("no such claim in public notice"))
    return claim


def _notice_page(claim: Claim, status: int = 200, errors=None):
    user = current_user()
    organisations = [
        m.organisation
        for m in (user.memberships if user else [])
        if m.organisation_id != claim.organisation_id
    ]
    page = render_template(
        "registry/notice.html",
        claim=claim,
        organisations=organisations,
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
    if not errors and data["organisation_id"] not in _own_ids():
        errors = {"organisation_id": [_("choose one of your organisations")]}
    if errors:
        return _notice_page(claim, 422, errors)
    uploads = [
        Upload(name=file.filename, stream=file.stream)
        for file in request.files.getlist("file")
        if file.filename
    ]
    try:
        claims.file_objection(
            session,
            current_app.extensions["files"],
            claim,
            data["organisation_id"],
            current_user(),
            data["reasons"],
            uploads,
            _config("MAX_UPLOAD_BYTES"),
            utcnow(),
        )
    except DomainError as error:
        session.rollback()
        return _notice_page(_notice(claim_id), error.status, _errors(error))
    flash(_("Your objection has been filed. A reviewer will decide on it."))
    return redirect(url_for("registry.notice", claim_id=claim_id))


@blp.route("/verify")
def verify_lookup():
    """Look up a certificate by number."""
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
    link = _config("BASE_URL").rstrip("/") + url_for("registry.verify", number=certificate.number)
    qr = segno.make(link, error="m").svg_inline(scale=4, title=certificate.number)
    return render_template(
        "registry/certificate_print.html",
        certificate=certificate,
        status=certificates.effective_status(certificate, utcnow()),
        link=link,
        qr=Markup(qr),
    )
