"""Registry look-ups bounded by who is asking.

The domain logic lives beside this module: ``assets`` (metadata, uploads, versions), ``claims``
(the claim workflow, evidence, conflicts, objections) and ``certificates`` (issuance,
revocation, public verification). Every function takes the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import NotFound
from market.registry.models import (
    Asset,
    Certificate,
    Claim,
    ClaimConflict,
    ClaimState,
    Objection,
    ObjectionState,
)
from market.text import N_


def asset_or_404(session: Session, asset_id: int, organisations: Collection[int]) -> Asset:
    """An asset of one of ``organisations``; anyone else's is indistinguishable from none."""
    asset = session.get(Asset, asset_id)
    if asset is None or asset.organisation_id not in organisations:
        raise NotFound(N_("No such asset."))
    return asset


def claim_or_404(session: Session, claim_id: int, organisations: Collection[int] | None) -> Claim:
    """A claim of one of ``organisations`` (``None``: exchange staff, any claim)."""
    claim = session.get(Claim, claim_id)
    if claim is None or (organisations is not None and claim.organisation_id not in organisations):
        raise NotFound(N_("No such claim."))
    return claim


def objection_or_404(session: Session, objection_id: int) -> Objection:
    """An objection (for exchange staff)."""
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(N_("No such objection."))
    return objection


def certificate_or_404(session: Session, number: str) -> Certificate:
    """The certificate with this number, or NotFound."""
    certificate = session.scalar(
        sa.select(Certificate).where(Certificate.number == number.strip().upper())
    )
    if certificate is None:
        raise NotFound(N_("No certificate has this number."))
    return certificate


def review_queue(
    state: ClaimState | None, conflicts: bool | None, open_objections: bool = False
) -> sa.Select:
    """The review queue's select: filed claims by state, optionally only conflicting ones, or
    only those with an objection awaiting a decision (in any state: they are in public
    notice)."""
    statement = sa.select(Claim).order_by(Claim.updated_at, Claim.id)
    if open_objections:
        waiting = (
            sa.select(Objection.id)
            .where(Objection.claim_id == Claim.id, Objection.state == ObjectionState.OPEN)
            .exists()
        )
        statement = statement.where(waiting)
    if state is not None:
        statement = statement.where(Claim.state == state)
    elif not open_objections:
        statement = statement.where(
            Claim.state.in_([ClaimState.SUBMITTED, ClaimState.RESUBMITTED, ClaimState.UNDER_REVIEW])
        )
    flagged = sa.select(ClaimConflict.id).where(ClaimConflict.claim_id == Claim.id).exists()
    if conflicts is True:
        statement = statement.where(flagged)
    elif conflicts is False:
        statement = statement.where(~flagged)
    return statement
