"""API clients through the API: an owner's or admin's client lists, makes, rotates, revokes."""

from __future__ import annotations

from flask_smorest import Blueprint

from market.context import db_session, principal
from market.errors import NotFound, PermissionDenied
from market.identity import services as identity_services
from market.identity.models import Organisation, User
from market.oauth import schemas, services
from market.oauth.server import requires
from market.text import N_

blp = Blueprint("clients_api", __name__, description="Your organisation's API clients")


def _administered(organisation_id: int) -> tuple[Organisation, User]:
    # Another organisation's clients are indistinguishable from missing ones.
    if organisation_id != principal().organisation_id:
        raise NotFound(N_("no such organisation"))
    session = db_session()
    organisation = identity_services.organisation_or_404(session, organisation_id)
    user = session.get(User, principal().user_id)
    member = identity_services.membership(session, organisation_id, user)
    if member is None or not member.can_administer:
        raise PermissionDenied(N_("only the organisation's owners and admins may do this"))
    return organisation, user


@blp.route("/organisations/<int:organisation_id>/clients")
@requires("org:read")
@blp.response(200, schemas.ClientSchema(many=True))
def list_clients(organisation_id: int):
    """Your organisation's API clients, newest first."""
    if organisation_id != principal().organisation_id:
        raise NotFound(N_("no such organisation"))
    return services.list_clients(db_session(), organisation_id)


@blp.route("/organisations/<int:organisation_id>/clients", methods=["POST"])
@requires("org:write")
@blp.arguments(schemas.ClientInputSchema)
@blp.response(201, schemas.ClientWithSecretSchema)
def create_client(data, organisation_id: int):
    """Make a client; its secret is in this answer only. A client cannot grant more scopes
    than it holds itself."""
    organisation, user = _administered(organisation_id)
    beyond = sorted(set(data["scopes"]) - principal().scopes)
    if beyond:
        raise PermissionDenied(
            N_("a client cannot grant scopes it does not hold"), field="scopes", scopes=beyond
        )
    client, secret = services.create_client(
        db_session(), organisation, user, data["name"], data["scopes"]
    )
    return {"client": client, "client_secret": secret}


@blp.route("/organisations/<int:organisation_id>/clients/<client_id>/rotate", methods=["POST"])
@requires("org:write")
@blp.response(200, schemas.ClientWithSecretSchema)
def rotate_client(organisation_id: int, client_id: str):
    """A new secret; the old one and the tokens it obtained stop working at once."""
    _administered(organisation_id)
    session = db_session()
    found = services.client_by_id(session, organisation_id, client_id)
    client, secret = services.rotate_secret(session, organisation_id, found.id)
    return {"client": client, "client_secret": secret}


@blp.route("/organisations/<int:organisation_id>/clients/<client_id>/revoke", methods=["POST"])
@requires("org:write")
@blp.response(200, schemas.ClientSchema)
def revoke_client(organisation_id: int, client_id: str):
    """Revoke a client and its tokens."""
    _administered(organisation_id)
    session = db_session()
    found = services.client_by_id(session, organisation_id, client_id)
    return services.revoke_client(session, organisation_id, found.id)
