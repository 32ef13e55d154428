"""Registry pages for providers: their organisations' assets, files, claims and certificates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from market.auth import login_required
from market.context import acting_for, current_user, db_session, outside_transaction
from market.db import utcnow
from market.errors import DomainError, InvalidInput
from market.fields import Id
from market.forms import parse_form
from market.identity.models import Organisation
from market.registry import assets, claims, schemas, services, states
from market.registry.assets import Upload
from market.registry.models import REGION_LABELS, Asset, Certificate, Claim
from market.registry.pages.common import LABELS, blp, form_errors, purchases_of, setting
from market.registry.states import Action, Actor
from market.text import N_, Count


@blp.route("/registry/assets")
@login_required
def asset_list():
    """Your organisations' assets."""
    rows = db_session().scalars(
        sa.select(Asset).where(Asset.organisation_id.in_(acting_for())).order_by(Asset.id.desc())
    )
    return render_template("registry/assets.html", assets=list(rows))


def _organisations() -> list[Organisation]:
    return [membership.organisation for membership in current_user().memberships]


@blp.route("/registry/assets/new", methods=["GET", "POST"])
@login_required
def asset_new():
    """Register an asset of one of your organisations."""
    context = {"organisations": _organisations(), "regions": REGION_LABELS}
    if request.method == "GET":
        return render_template("registry/asset_new.html", errors={}, form={}, **context)
    data, errors = parse_form(_AssetFormSchema())
    organisation_id = data.pop("organisation_id", None) if data else None
    if not errors and organisation_id not in acting_for():
        errors = {"organisation_id": [_("Choose one of your organisations.")]}
    if errors:
        page = render_template(
            "registry/asset_new.html", errors=errors, form=request.form, **context
        )
        return page, 422
    try:
        asset = assets.create_asset(db_session(), organisation_id, current_user(), data)
    except DomainError as error:
        page = render_template(
            "registry/asset_new.html", errors=form_errors(error), form=request.form, **context
        )
        return page, error.status
    flash(_("Asset registered. Upload its files to make the first version."))
    return redirect(url_for("registry.asset_detail", asset_id=asset.id))


class _AssetFormSchema(schemas.AssetInputSchema):
    """The asset form also says which organisation registers it; counts may be typed with
    thousands separators."""

    organisation_id = Id(required=True)
    record_count = Count(
        bits=64, load_default=None, allow_none=True, validate=validate.Range(min=0)
    )


def _asset_page(asset: Asset, status: int = 200, errors=None):
    page = render_template(
        "registry/asset.html",
        asset=asset,
        claims=db_session()
        .scalars(sa.select(Claim).where(Claim.asset_id == asset.id).order_by(Claim.id.desc()))
        .all(),
        errors=errors or {},
        form=request.form if errors else {},
        max_bytes=setting("MAX_UPLOAD_BYTES"),
    )
    return page, status


@blp.route("/registry/assets/<int:asset_id>")
@login_required
def asset_detail(asset_id: int):
    """An asset: metadata, versions and files, claims."""
    return _asset_page(services.asset_or_404(db_session(), asset_id, acting_for()))


@blp.route("/registry/assets/<int:asset_id>/files", methods=["POST"])
@login_required
def asset_upload(asset_id: int):
    """Upload files: a new version of the asset."""
    session = db_session()
    asset = services.asset_or_404(session, asset_id, acting_for())
    uploads = [
        Upload(name=file.filename, stream=file.stream)
        for file in request.files.getlist("file")
        if file.filename
    ]
    store = current_app.extensions["files"]
    try:
        uploads = outside_transaction(
            lambda: assets.store_first(store, uploads, setting("MAX_UPLOAD_BYTES"), "file")
        )
        version = assets.add_version(
            session, store, asset, current_user(), uploads, setting("MAX_UPLOAD_BYTES"), utcnow()
        )
    except DomainError as error:
        asset = services.asset_or_404(session, asset_id, acting_for())
        return _asset_page(asset, error.status, form_errors(error))
    flash(_("Version %(number)s saved.", number=version.number))
    return redirect(url_for("registry.asset_detail", asset_id=asset_id))


# --- Provider: claims ----------------------------------------------------------------------


@blp.route("/registry/assets/<int:asset_id>/claims/new", methods=["GET", "POST"])
@login_required
def claim_new(asset_id: int):
    """Start a draft rights claim on the asset's latest version."""
    session = db_session()
    asset = services.asset_or_404(session, asset_id, acting_for())
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
            errors = form_errors(error)
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
        sa.select(Claim).where(Claim.organisation_id.in_(acting_for())).order_by(Claim.id.desc())
    )
    return render_template("registry/claims.html", claims=list(rows))


def _claim_page(claim: Claim, status: int = 200, errors=None):
    page = render_template(
        "registry/claim.html",
        claim=claim,
        actions=states.allowed_actions(claim.state, Actor.PROVIDER),
        editable=claim.state in claims.EDITABLE,
        purchases=purchases_of(claim),
        errors=errors or {},
        notice_working_days=current_app.config["REGISTRY_NOTICE_WORKING_DAYS"],
    )
    return page, status


@blp.route("/registry/claims/<int:claim_id>")
@login_required
def claim_detail(claim_id: int):
    """A claim: its state, history, evidence and objections."""
    return _claim_page(services.claim_or_404(db_session(), claim_id, acting_for()))


@blp.route("/registry/claims/<int:claim_id>/evidence", methods=["POST"])
@login_required
def claim_evidence(claim_id: int):
    """Attach an evidence document."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    file = request.files.get("evidence")
    try:
        if file is None or not file.filename:
            raise InvalidInput(N_("Choose at least one file."), field="evidence")
        store, limit = current_app.extensions["files"], setting("MAX_EVIDENCE_BYTES")
        [upload] = outside_transaction(
            lambda: assets.store_first(
                store, [Upload(name=file.filename, stream=file.stream)], limit, "evidence"
            )
        )
        claims.add_evidence(session, store, claim, current_user(), upload, limit, utcnow())
    except DomainError as error:
        claim = services.claim_or_404(session, claim_id, acting_for())
        return _claim_page(claim, error.status, form_errors(error))
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
    claim = services.claim_or_404(session, claim_id, acting_for())
    data, errors = parse_form(_MoveSchema())
    if errors:
        return _claim_page(claim, 422, errors)
    try:
        PROVIDER_MOVES[data["action"]](session, claim, current_user(), data["reason"], utcnow())
    except DomainError as error:
        claim = services.claim_or_404(session, claim_id, acting_for())
        return _claim_page(claim, error.status, form_errors(error))
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
        .where(Certificate.organisation_id.in_(acting_for()))
        .order_by(Certificate.id.desc())
    )
    return render_template("registry/certificates.html", certificates=list(rows))
