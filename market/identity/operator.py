"""The exchange operator's own organisation (交易所), where staff hold their API clients.

Staff roles are held by users; staff API scopes (``review:write``, ``finance:write`` ...) are
granted only to clients of the operator's organisation, created by a member holding the role.
A deployment therefore needs this organisation and its staff members before any review can be
done through the API. Every function takes the caller's session and never commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, NotFound
from market.identity.models import (
    MemberRole,
    Membership,
    Organisation,
    User,
    VerificationState,
)
from market.identity.services import create_organisation, membership
from market.text import N_


def find_operator(session: Session) -> Organisation | None:
    """The operator's organisation, if it has been created."""
    return session.scalar(sa.select(Organisation).where(Organisation.is_operator))


def create_operator(session: Session, owner: User, data: dict, now: datetime) -> Organisation:
    """Create the operator's organisation (one per exchange), verified, owned by ``owner``.

    ``data`` is loaded by ``OrganisationInputSchema``; the credit code is checked as for any
    organisation. The exchange does not review itself, so it is verified from the start.
    """
    if find_operator(session) is not None:
        raise Conflict(N_("The exchange operator's organisation exists already."), field="operator")
    organisation = create_organisation(session, owner, data)
    organisation.is_operator = True
    organisation.verified_at = now
    organisation.verification_state = VerificationState.VERIFIED
    session.flush()
    return organisation


def add_staff_member(session: Session, user: User, role: MemberRole) -> Membership:
    """Make ``user`` a member of the operator's organisation with ``role`` (or change the role
    of an existing member); the owner's role is never changed here."""
    operator = find_operator(session)
    if operator is None:
        raise NotFound(
            N_("The exchange operator's organisation does not exist yet."), field="operator"
        )
    existing = membership(session, operator.id, user)
    if existing is None:
        existing = Membership(organisation_id=operator.id, user_id=user.id, role=role)
        session.add(existing)
    elif existing.role == MemberRole.OWNER and role != MemberRole.OWNER:
        raise Conflict(N_("The operator's owner keeps the owner role."), field="role")
    else:
        existing.role = role
    session.flush()
    return existing
