"""OAuth client management: create, list and revoke an organisation's API clients."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.db import utcnow
from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.identity.models import Organisation, User
from market.identity.services import require_membership, token_digest
from market.oauth.models import OAuthClient, OAuthToken
from market.oauth.scopes import SCOPES, staff_role_for
from market.text import N_


def create_client(
    session: Session, organisation: Organisation, creator: User, name: str, scopes: list[str]
) -> tuple[OAuthClient, str]:
    """A new client and its secret; the secret is shown once and only its digest is kept."""
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", field="scopes")
    if not scopes:
        raise InvalidInput(N_("Choose at least one scope."), field="scopes")
    for scope in scopes:
        role = staff_role_for(scope)
        if role and not (organisation.is_operator and creator.has_staff_role(role)):
            raise PermissionDenied(
                f"the {scope} scope is for exchange staff holding the {role.value} role",
                field="scopes",
            )
    secret = secrets.token_urlsafe(36)
    client = OAuthClient(
        client_id="sj_" + secrets.token_hex(12),
        secret_hash=token_digest(secret),
        name=name,
        organisation=organisation,
        scope=" ".join(sorted(set(scopes))),
        created_by=creator,
    )
    session.add(client)
    session.flush()
    return client, secret


def grantable_scopes(session: Session, organisation: Organisation, user: User) -> set[str]:
    """The scopes ``user`` may put on a new client of ``organisation``.

    Owners and admins grant every organisation scope; on the operator's organisation any member
    (an admin or not) grants the staff scopes of their own staff roles, so an appraiser can hold
    an ``appraisal:write`` client without administering the exchange. NotFound for non-members.
    """
    found = require_membership(session, organisation.id, user)
    return {
        scope
        for scope, (_text, role) in SCOPES.items()
        if (role is None and found.can_administer)
        or (role is not None and organisation.is_operator and user.has_staff_role(role))
    }


def may_manage_clients(session: Session, organisation: Organisation, user: User) -> bool:
    """Whether ``user`` manages every client of ``organisation`` (owners and admins), as opposed
    to only the clients they made themselves (staff members of the operator)."""
    return require_membership(session, organisation.id, user).can_administer


def create_member_client(
    session: Session, organisation: Organisation, member: User, name: str, scopes: list[str]
) -> tuple[OAuthClient, str]:
    """A client made by a member of ``organisation``, within :func:`grantable_scopes`.

    A refused scope is a PermissionDenied naming it (``errors.scope``); a member who may grant
    nothing at all is told that only owners and admins manage clients.
    """
    grantable = grantable_scopes(session, organisation, member)
    if not grantable:
        raise PermissionDenied(N_("Only the organisation's owners and admins may do this."))
    for scope in sorted(set(scopes) & SCOPES.keys()):
        if scope in grantable:
            continue
        role = staff_role_for(scope)
        if role is None:
            message = f"only the organisation's owners and admins may grant the {scope} scope"
        else:
            message = f"the {scope} scope is for exchange staff holding the {role.value} role"
        raise PermissionDenied(message, field="scopes", scope=scope)
    return create_client(session, organisation, member, name, scopes)


def list_clients(session: Session, organisation_id: int) -> list[OAuthClient]:
    """An organisation's clients, newest first."""
    return list(
        session.scalars(
            sa.select(OAuthClient)
            .where(OAuthClient.organisation_id == organisation_id)
            .order_by(OAuthClient.id.desc())
        )
    )


def list_own_clients(session: Session, organisation_id: int, creator: User) -> list[OAuthClient]:
    """The clients of an organisation that ``creator`` made, newest first."""
    return [
        client
        for client in list_clients(session, organisation_id)
        if client.created_by_id == creator.id
    ]


def revoke_client(
    session: Session, organisation_id: int, client_pk: int, creator: User | None = None
) -> OAuthClient:
    """Revoke a client and every token it holds; with ``creator``, only a client they made."""
    client = session.get(OAuthClient, client_pk)
    if client is None or client.organisation_id != organisation_id:
        raise NotFound(N_("No such API client."))
    if creator is not None and client.created_by_id != creator.id:
        raise NotFound(N_("No such API client."))
    if client.revoked_at is not None:
        raise Conflict(N_("This API client is already revoked."))
    now = utcnow()
    client.revoked_at = now
    session.execute(
        sa.update(OAuthToken)
        .where(OAuthToken.client_pk == client.id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return client


def rotate_secret(
    session: Session, organisation_id: int, client_pk: int
) -> tuple[OAuthClient, str]:
    """A new secret for a live client; the old one and every token it obtained stop working."""
    client = session.get(OAuthClient, client_pk)
    if client is None or client.organisation_id != organisation_id:
        raise NotFound(N_("No such API client."))
    if client.revoked_at is not None:
        raise Conflict(N_("This API client is already revoked."))
    secret = secrets.token_urlsafe(36)
    client.secret_hash = token_digest(secret)
    session.execute(
        sa.update(OAuthToken)
        .where(OAuthToken.client_pk == client.id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return client, secret


def client_by_id(session: Session, organisation_id: int, client_id: str) -> OAuthClient:
    """One of the organisation's clients by its public ``client_id``, or NotFound."""
    client = session.scalar(sa.select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None or client.organisation_id != organisation_id:
        raise NotFound(N_("No such API client."))
    return client
