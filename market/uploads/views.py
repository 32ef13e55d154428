"""Upload API: open a session, get part targets, send parts, resume, complete, abort."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_smorest import Blueprint

from market.context import acting_for, db_session, principal
from market.db import utcnow
from market.identity.models import User
from market.oauth.server import requires
from market.registry import services as registry
from market.uploads import schemas, services, web
from market.uploads.models import UploadSession

blp = Blueprint("uploads_api", __name__, description="Resumable uploads of large asset files")


def _store():
    return current_app.extensions["files"]


def _settings() -> services.UploadSettings:
    return services.settings_from(current_app.config)


def describe(upload: UploadSession) -> dict:
    """The session as the API shows it."""
    return services.describe(_store(), upload)


@blp.route("/assets/<int:asset_id>/uploads", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.UploadInputSchema)
@blp.response(201, schemas.UploadSessionSchema)
def begin(data, asset_id: int):
    """Open a resumable upload of one file of the asset (its next version gets the file)."""
    session = db_session()
    asset = registry.asset_or_404(session, asset_id, acting_for())
    user = session.get(User, principal().user_id)
    upload = services.begin(session, _store(), asset, user, data, _settings(), utcnow())
    return describe(upload)


@blp.route("/uploads/<token>")
@requires("registry:read")
@blp.response(200, schemas.UploadSessionSchema)
def show(token: str):
    """The session: its state, and the parts stored so far (what a resumed client skips)."""
    return describe(services.upload_or_404(db_session(), token, acting_for()))


@blp.route("/uploads/<token>/parts", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.PartsRequestSchema)
@blp.response(200, schemas.PartTargetSchema(many=True))
def part_targets(data, token: str):
    """Where to PUT the named parts: presigned object-store URLs, or this API's part route."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    targets = services.part_targets(_store(), upload, data["parts"], _settings(), utcnow())
    for target in targets:
        if target["url"] is None:
            target["url"] = url_for("uploads_api.put_part", token=token, number=target["number"])
    return targets


PART_BODY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


@blp.route("/uploads/<token>/parts/<int:number>", methods=["PUT"])
@requires("registry:write")
@blp.doc(requestBody=PART_BODY)
@blp.response(200, schemas.StoredPartSchema)
def put_part(token: str, number: int):
    """Send one part as the raw request body (``application/octet-stream``)."""
    session = db_session()
    upload = services.upload_or_404(session, token, acting_for())
    # End the transaction before the body streams in: nothing is written, and a part that takes
    # minutes must hold no database lock (SQLite's one write lock is taken at BEGIN).
    session.commit()
    return services.put_part(_store(), upload, number, request.stream, utcnow())


@blp.route("/uploads/<token>/complete", methods=["POST"])
@requires("registry:write")
@blp.response(202, schemas.UploadSessionSchema)
def complete(token: str):
    """Join the parts; the worker fingerprints the file and registers the version."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    web.complete(_store(), upload)
    return describe(upload)


@blp.route("/uploads/<token>", methods=["DELETE"])
@requires("registry:write")
@blp.response(200, schemas.UploadSessionSchema)
def abort(token: str):
    """Give up the upload; its parts are dropped."""
    upload = services.upload_or_404(db_session(), token, acting_for())
    return describe(services.abort(_store(), upload, utcnow()))
