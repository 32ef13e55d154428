"""Registration certificates (登記證書): numbering, issuance after the notice, revocation,
and the public checks anyone can make with a certificate number or a file.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, InvalidInput
from market.fields import visible_text
from market.identity.models import User
from market.registry import chain
from market.registry.claims import CHINA, move
from market.registry.models import (
    AssetFile,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    Claim,
    ClaimState,
    Objection,
    ObjectionState,
)
from market.registry.states import Action, Actor
from market.text import N_

PREFIX = "SZDX"
VALIDITY_YEARS = 3


def _locked_counter(session: Session, year: int) -> CertificateCounter:
    statement = sa.select(CertificateCounter).where(CertificateCounter.year == year)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    counter = session.scalar(statement)
    if counter is not None:
        return counter
    try:
        with session.begin_nested():
            session.add(CertificateCounter(year=year, last=0))
    except sa.exc.IntegrityError:
        pass  # another issuer opened the year first; lock their row
    return session.scalar(statement.execution_options(populate_existing=True))


def allocate_number(session: Session, year: int) -> str:
    """The next certificate number of ``year``, e.g. ``SZDX-2026-000123``.

    The year's counter row stays locked until the transaction ends, so numbers never repeat
    and, unless a transaction rolls back, never skip.
    """
    counter = _locked_counter(session, year)
    counter.last += 1
    session.flush()
    return f"{PREFIX}-{year}-{counter.last:06d}"


def _valid_until(issued: datetime) -> datetime:
    try:
        return issued.replace(year=issued.year + VALIDITY_YEARS)
    except ValueError:  # 29 February
        return issued.replace(year=issued.year + VALIDITY_YEARS, day=28)


def issue(session: Session, claim: Claim, now: datetime) -> Certificate:
    """Issue the certificate of a claim whose notice has ended without a standing objection."""
    if claim.state == ClaimState.PUBLIC_NOTICE and now < claim.notice_ends_at:
        raise Conflict(N_("The public notice has not ended yet."))
    if any(objection.state == ObjectionState.OPEN for objection in claim.objections):
        raise Conflict(N_("An objection to this claim is still open."))
    move(session, claim, Action.ISSUE_CERTIFICATE, Actor.SYSTEM, None, None, now)
    for older in session.scalars(
        sa.select(Certificate).where(
            Certificate.asset_id == claim.asset_id,
            Certificate.organisation_id == claim.organisation_id,
            Certificate.status == CertificateStatus.VALID,
        )
    ):
        _set_status(session, older, CertificateStatus.SUPERSEDED, None, None, now)
    certificate = Certificate(
        number=allocate_number(session, now.astimezone(CHINA).year),
        claim=claim,
        organisation_id=claim.organisation_id,
        asset_id=claim.asset_id,
        version_id=claim.version_id,
        fingerprint=claim.version.fingerprint,
        rights=list(claim.rights),
        issued_at=now,
        valid_until=_valid_until(now),
        status=CertificateStatus.VALID,
    )
    session.add(certificate)
    session.flush()
    chain.append(
        session,
        "certificate.issued",
        {
            "number": certificate.number,
            "claim_id": claim.id,
            "organisation_id": claim.organisation_id,
            "asset_id": claim.asset_id,
            "fingerprint": certificate.fingerprint,
            "rights": certificate.rights,
            "valid_until": certificate.valid_until.isoformat(),
        },
        now,
    )
    return certificate


def issue_due_certificates(session: Session, now: datetime) -> list[Certificate]:
    """Issue every certificate whose claim's notice has ended with no open objection."""
    open_objection = (
        sa.select(Objection.id)
        .where(Objection.claim_id == Claim.id, Objection.state == ObjectionState.OPEN)
        .exists()
    )
    statement = (
        sa.select(Claim)
        .where(
            Claim.state == ClaimState.PUBLIC_NOTICE,
            Claim.notice_ends_at <= now,
            ~open_objection,
        )
        .order_by(Claim.notice_ends_at, Claim.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [issue(session, claim, now) for claim in session.scalars(statement).all()]


def _set_status(
    session: Session,
    certificate: Certificate,
    status: CertificateStatus,
    user: User | None,
    reason: str | None,
    now: datetime,
) -> None:
    certificate.status = status
    certificate.status_changed_at = now
    certificate.status_reason = reason
    certificate.status_changed_by_id = user.id if user else None
    chain.append(
        session,
        f"certificate.{status.value}",
        {
            "number": certificate.number,
            "user_id": certificate.status_changed_by_id,
            "reason": reason,
        },
        now,
    )


REVOKED_TOPIC = "registry.certificate_revoked"


def revoke(
    session: Session, certificate: Certificate, reviewer: User, reason: str | None, now: datetime
) -> Certificate:
    """Revoke a valid certificate, with the reason shown to anyone who verifies it."""
    if certificate.status != CertificateStatus.VALID:
        raise Conflict(N_("Only a valid certificate can be revoked."))
    reason = visible_text(reason) or ""
    if not reason:
        raise InvalidInput(N_("Give a reason for this decision."), field="reason")
    _set_status(session, certificate, CertificateStatus.REVOKED, reviewer, reason, now)
    session.flush()
    # Whatever was sold on the strength of this certificate must stop selling: other domains
    # (listings) act on this after commit.
    outbox.enqueue(
        session,
        REVOKED_TOPIC,
        {"certificate_id": certificate.id, "user_id": reviewer.id, "reason": reason},
    )
    return certificate


def effective_status(certificate: Certificate, now: datetime) -> str:
    """The status as verification shows it: ``expired`` once a valid one runs out."""
    if certificate.status == CertificateStatus.VALID and now >= certificate.valid_until:
        return "expired"
    return certificate.status.value


def file_in_certificate(
    session: Session, certificate: Certificate, sha256: str
) -> AssetFile | None:
    """The certified version's file with this SHA-256, if the file belongs to it."""
    return session.scalar(
        sa.select(AssetFile)
        .where(AssetFile.version_id == certificate.version_id, AssetFile.sha256 == sha256.lower())
        .limit(1)
    )
