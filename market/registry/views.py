"""Registry API: assets and files, claims, reviews, objections, certificates, public checks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import acting_for, db_session, outside_transaction, principal
from market.db import utcnow
from market.identity.models import User
from market.oauth.server import requires
from market.registry import assets, certificates, chain, claims, schemas, services
from market.registry.assets import Upload
from market.registry.models import Asset, Certificate, Claim, ClaimState

blp = Blueprint(
    "registry_api", __name__, description="Assets, rights claims (確權) and certificates"
)


def _store():
    return current_app.extensions["files"]


def _max_bytes() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def _max_evidence_bytes() -> int:
    return current_app.config["MAX_EVIDENCE_BYTES"]


def _acting_user() -> User:
    # A client acts on the authority of the member who created it.
    return db_session().get(User, principal().user_id)


def _uploads(files) -> list[Upload]:
    return [Upload(name=file.filename, stream=file.stream) for file in files]


@blp.route("/assets")
@requires("registry:read")
@blp.response(200, schemas.AssetSchema(many=True))
@blp.paginate(QueryPage)
def list_assets():
    """Your organisation's assets, newest first."""
    return (
        sa.select(Asset)
        .where(Asset.organisation_id == principal().organisation_id)
        .order_by(Asset.id.desc())
    )


@blp.route("/assets", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.AssetInputSchema)
@blp.response(201, schemas.AssetSchema)
def create_asset(data):
    """Register an asset; upload its files next."""
    return assets.create_asset(db_session(), principal().organisation_id, _acting_user(), data)


@blp.route("/assets/<int:asset_id>")
@requires("registry:read")
@blp.response(200, schemas.AssetSchema)
def get_asset(asset_id: int):
    """One of your assets, with every version and its files."""
    return services.asset_or_404(db_session(), asset_id, acting_for())


@blp.route("/assets/<int:asset_id>/versions", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.UploadSchema, location="files")
@blp.response(201, schemas.AssetVersionSchema)
def add_version(files, asset_id: int):
    """Upload files (multipart, field ``file``, repeatable): a new version of the asset."""
    session = db_session()
    asset = services.asset_or_404(session, asset_id, acting_for())
    uploads = outside_transaction(
        lambda: assets.store_first(_store(), _uploads(files["file"]), _max_bytes(), "file")
    )
    return assets.add_version(
        session, _store(), asset, _acting_user(), uploads, _max_bytes(), utcnow()
    )


@blp.route("/claims")
@requires("registry:read")
@blp.response(200, schemas.OwnClaimSchema(many=True))
@blp.paginate(QueryPage)
def list_claims():
    """Your organisation's claims, newest first."""
    return (
        sa.select(Claim)
        .where(Claim.organisation_id == principal().organisation_id)
        .order_by(Claim.id.desc())
    )


@blp.route("/claims", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.ClaimInputSchema)
@blp.response(201, schemas.OwnClaimSchema)
def create_claim(data):
    """Start a draft claim on one of your assets."""
    session = db_session()
    asset = services.asset_or_404(session, data.pop("asset_id"), acting_for())
    return claims.create_claim(session, asset, _acting_user(), data, utcnow())


@blp.route("/claims/<int:claim_id>")
@requires("registry:read")
@blp.response(200, schemas.OwnClaimSchema)
def get_claim(claim_id: int):
    """One of your claims with its history, evidence, conflicts and objections."""
    return services.claim_or_404(db_session(), claim_id, acting_for())


@blp.route("/claims/<int:claim_id>", methods=["PATCH"])
@requires("registry:write")
@blp.arguments(schemas.ClaimUpdateSchema)
@blp.response(200, schemas.OwnClaimSchema)
def update_claim(data, claim_id: int):
    """Change a draft (or a claim asked for more information)."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    return claims.update_claim(session, claim, data, utcnow())


@blp.route("/claims/<int:claim_id>/evidence", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.EvidenceUploadSchema, location="files")
@blp.response(201, schemas.EvidenceSchema)
def add_evidence(files, claim_id: int):
    """Attach an evidence document (multipart, field ``evidence``)."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    file = files["evidence"]
    [upload] = outside_transaction(
        lambda: assets.store_first(_store(), _uploads([file]), _max_evidence_bytes(), "evidence")
    )
    return claims.add_evidence(
        session, _store(), claim, _acting_user(), upload, _max_evidence_bytes(), utcnow()
    )


@blp.route("/claims/<int:claim_id>/submit", methods=["POST"])
@requires("registry:write")
@blp.response(200, schemas.OwnClaimSchema)
def submit_claim(claim_id: int):
    """File a draft for review."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    claims.submit(session, claim, _acting_user(), utcnow())
    return claim


@blp.route("/claims/<int:claim_id>/resubmit", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.OwnClaimSchema)
def resubmit_claim(data, claim_id: int):
    """Answer a request for more information."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    claims.resubmit(session, claim, _acting_user(), data["reason"], utcnow())
    return claim


@blp.route("/claims/<int:claim_id>/withdraw", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.OwnClaimSchema)
def withdraw_claim(data, claim_id: int):
    """Withdraw a claim before a decision."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, acting_for())
    claims.withdraw(session, claim, _acting_user(), data["reason"], utcnow())
    return claim


@blp.route("/review/claims")
@requires("review:write")
@blp.arguments(schemas.ClaimQuerySchema, location="query")
@blp.response(200, schemas.ClaimSchema(many=True))
@blp.paginate(QueryPage)
def review_queue(query):
    """Claims awaiting review (or in any ``state``), oldest first; ``conflicts`` filters."""
    return services.review_queue(query.get("state"), query.get("conflicts"))


@blp.route("/review/claims/<int:claim_id>/decisions", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.DecisionSchema)
@blp.response(200, schemas.ClaimSchema)
def decide_claim(data, claim_id: int):
    """Start review, approve (public notice begins), reject, or ask for more information."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, None)
    claims.decide(
        session,
        claim,
        _acting_user(),
        data["action"],
        data["reason"],
        utcnow(),
        current_app.config["REGISTRY_NOTICE_WORKING_DAYS"],
        acknowledge_conflicts=data["acknowledge_conflicts"],
    )
    return claim


@blp.route("/review/objections/<int:objection_id>/decision", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.ObjectionDecisionSchema)
@blp.response(200, schemas.ObjectionSchema)
def decide_objection(data, objection_id: int):
    """Uphold an objection (the claim fails) or dismiss it."""
    session = db_session()
    objection = services.objection_or_404(session, objection_id)
    return claims.decide_objection(
        session,
        objection,
        _acting_user(),
        data["decision"] == "uphold",
        data["reason"],
        utcnow(),
    )


@blp.route("/review/certificates/<number>/revoke", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.RevocationSchema)
@blp.response(200, schemas.CertificateSchema)
def revoke_certificate(data, number: str):
    """Revoke a valid certificate, with a reason shown on verification."""
    session = db_session()
    certificate = services.certificate_or_404(session, number)
    return certificates.revoke(session, certificate, _acting_user(), data["reason"], utcnow())


@blp.route("/notices")
@blp.response(200, schemas.NoticeSchema(many=True))
@blp.paginate(QueryPage)
def list_notices():
    """Public: claims in public notice, ending soonest first (no authentication)."""
    return (
        sa.select(Claim)
        .where(Claim.state == ClaimState.PUBLIC_NOTICE)
        .order_by(Claim.notice_ends_at, Claim.id)
    )


@blp.route("/claims/<int:claim_id>/objections", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.ObjectionInputSchema, location="form")
@blp.arguments(schemas.ObjectionFilesSchema, location="files")
@blp.response(201, schemas.ObjectionSchema)
def file_objection(data, files, claim_id: int):
    """Object to a claim in public notice (multipart: ``reasons``, ``file`` evidence)."""
    session = db_session()
    claim = services.claim_or_404(session, claim_id, None)
    if (
        claim.state != ClaimState.PUBLIC_NOTICE
        and claim.organisation_id != principal().organisation_id
    ):
        # Claims are public only while in notice; others stay invisible to other organisations.
        services.claim_or_404(session, claim_id, acting_for())
    return claims.file_objection(
        session,
        _store(),
        claim,
        principal().organisation_id,
        _acting_user(),
        data["reasons"],
        outside_transaction(
            lambda: assets.store_first(
                _store(), _uploads(files.get("file", [])), _max_evidence_bytes(), "evidence"
            )
        ),
        _max_evidence_bytes(),
        utcnow(),
    )


@blp.route("/certificates")
@requires("registry:read")
@blp.response(200, schemas.CertificateSchema(many=True))
@blp.paginate(QueryPage)
def list_certificates():
    """Your organisation's certificates, newest first."""
    return (
        sa.select(Certificate)
        .where(Certificate.organisation_id == principal().organisation_id)
        .order_by(Certificate.id.desc())
    )


@blp.route("/certificates/<number>")
@blp.response(200, schemas.CertificateSchema)
def get_certificate(number: str):
    """Public: a certificate's status and fingerprint (no authentication)."""
    return services.certificate_or_404(db_session(), number)


@blp.route("/certificates/<number>/check", methods=["POST"])
@blp.arguments(schemas.FileCheckSchema)
@blp.response(200, schemas.FileCheckResultSchema)
def check_file(data, number: str):
    """Public: whether a file (by its SHA-256) belongs to the certified version."""
    session = db_session()
    certificate = services.certificate_or_404(session, number)
    found = certificates.file_in_certificate(session, certificate, data["sha256"])
    return {
        "number": certificate.number,
        "sha256": data["sha256"].lower(),
        "belongs": found is not None,
        "file_name": found.name if found else None,
        "status": certificates.effective_status(certificate, utcnow()),
    }


@blp.route("/registry/head")
@blp.response(200, schemas.ChainHeadSchema)
def chain_head():
    """Public: the registry log's current head (sequence number and hash)."""
    return chain.head(db_session())
