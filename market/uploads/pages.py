"""The upload page: a provider sends a large file from the browser, in parts, resumably.

The page's script (``static/upload.js``) speaks JSON to the routes below, signed in by the
session cookie and guarded by the CSRF header; they call the same services as the API. Parts
go straight to the object store through presigned URLs, or to this app's part route where the
store is a local directory. After a reload the script finds the open session of the same file
and asks which parts are stored, so only the others are sent.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from market.auth import login_required
from market.context import acting_for, current_user, db_session
from market.db import utcnow
from market.errors import DomainError, error_body
from market.registry import services as registry
from market.uploads import schemas, services, web
from market.uploads.models import UPLOAD_STATE_LABELS, UploadSession, UploadState

blp = Blueprint("uploads", __name__)

RECENT = 20  # sessions listed on the page


def _store():
    return current_app.extensions["files"]


def _settings() -> services.UploadSettings:
    return services.settings_from(current_app.config)


def _json_errors(view):
    """Refusals as the API's JSON error body (the page's script shows them), not a page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ValidationError as error:
            messages = error.normalized_messages()
            message = _("The request has invalid fields: %(fields)s.", fields=", ".join(messages))
            return jsonify(error_body(422, message, messages)), 422
        except DomainError as error:
            body = error_body(error.status, _(error.message), error.errors, error.facts)
            return jsonify(body), error.status

    return wrapper


def _shown(upload: UploadSession) -> dict:
    shown = schemas.UploadSessionSchema().dump(services.describe(_store(), upload))
    if shown.get("error") and shown["error"].get("message"):
        # The page shows the reason for a refusal in the reader's language.
        shown["error"] = {**shown["error"], "message": _(shown["error"]["message"])}
    return shown


def _json_body(schema) -> dict:
    return schema.load(request.get_json(silent=True) or {})


@blp.route("/registry/assets/<int:asset_id>/upload")
@login_required
def upload_page(asset_id: int):
    """Upload a large file of the asset: parts, progress, pause and resume, fingerprint."""
    session = db_session()
    asset = registry.asset_or_404(session, asset_id, acting_for())
    recent = session.scalars(
        sa.select(UploadSession)
        .where(UploadSession.asset_id == asset.id)
        .order_by(UploadSession.id.desc())
        .limit(RECENT)
    ).all()
    return render_template(
        "uploads/upload.html",
        asset=asset,
        uploads=recent,
        labels=UPLOAD_STATE_LABELS,
        open_state=UploadState.OPEN,
        max_bytes=services.largest_file(_store(), services.settings_from(current_app.config)),
        direct=_store().presigns_parts,
    )


@blp.route("/registry/assets/<int:asset_id>/upload/sessions", methods=["POST"])
@login_required
@_json_errors
def begin(asset_id: int):
    """Open a session for the chosen file (JSON: name, size)."""
    session = db_session()
    asset = registry.asset_or_404(session, asset_id, acting_for())
    data = _json_body(schemas.UploadInputSchema())
    upload = services.begin(session, _store(), asset, current_user(), data, _settings(), utcnow())
    return jsonify(_shown(upload)), 201


@blp.route("/registry/uploads/<token>")
@login_required
@_json_errors
def show(token: str):
    """The session: its state, fingerprint, and the parts stored so far."""
    return jsonify(_shown(services.upload_or_404(db_session(), token, acting_for())))


@blp.route("/registry/uploads/<token>/parts", methods=["POST"])
@login_required
@_json_errors
def part_targets(token: str):
    """Where to PUT the named parts (JSON: parts)."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    data = _json_body(schemas.PartsRequestSchema())
    targets = services.part_targets(_store(), upload, data["parts"], _settings(), utcnow())
    for target in targets:
        if target["url"] is None:
            target["url"] = url_for("uploads.put_part", token=token, number=target["number"])
    return jsonify(schemas.PartTargetSchema(many=True).dump(targets))


@blp.route("/registry/uploads/<token>/parts/<int:number>", methods=["PUT"])
@login_required
@_json_errors
def put_part(token: str, number: int):
    """One part as the raw body, where the store is a local directory."""
    session = db_session()
    upload = services.upload_or_404(session, token, acting_for())
    session.commit()  # no lock held while the body streams in (as in the API's part route)
    part = services.put_part(_store(), upload, number, request.stream, utcnow())
    return jsonify(schemas.StoredPartSchema().dump(part))


@blp.route("/registry/uploads/<token>/complete", methods=["POST"])
@login_required
@_json_errors
def complete(token: str):
    """Join the parts; the worker fingerprints the file."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    web.complete(_store(), upload)
    return jsonify(_shown(upload)), 202


@blp.route("/registry/uploads/<token>/abort", methods=["POST"])
@login_required
@_json_errors
def abort(token: str):
    """Give the upload up; its parts are dropped."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    return jsonify(_shown(services.abort(_store(), upload, utcnow())))
