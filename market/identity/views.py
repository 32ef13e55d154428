"""Identity API: the caller, the organisation directory, members, invitations, API clients."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import db_session, principal
from market.errors import NotFound, PermissionDenied
from market.identity import schemas, services
from market.identity.models import Invitation, Membership, Organisation, User
from market.oauth import schemas as oauth_schemas
from market.oauth import services as oauth_services
from market.oauth.scopes import SCOPES, staff_role_for
from market.oauth.server import lacks_scope, requires
from market.text import N_
from market.verification.services import verified_directory

blp = Blueprint("identity_api", __name__, description="The caller, organisations and members")


def _own_organisation_id(organisation_id: int) -> int:
    # Another organisation's private data is indistinguishable from a missing one.
    if organisation_id != principal().organisation_id:
        raise NotFound(N_("No such organisation."))
    return organisation_id


@blp.route("/me")
@requires(None)
@blp.response(200, schemas.PrincipalSchema)
def me():
    """Describe the calling client: its organisation and granted scopes."""
    caller = principal()
    return {
        "organisation_id": caller.organisation_id,
        "client_id": caller.client_id,
        "scopes": sorted(caller.scopes),
    }


@blp.route("/organisations")
@requires("catalog:read", public=True)
@blp.response(200, schemas.OrganisationPublicSchema(many=True))
@blp.paginate(QueryPage)
def list_organisations():
    """The directory of verified organisations (public fields only), by name."""
    return verified_directory()


@blp.route("/organisations/<int:organisation_id>")
@requires("org:read")
@blp.response(200, schemas.OrganisationSchema)
def get_organisation(organisation_id: int):
    """Your organisation in full; any other organisation's public profile."""
    organisation = services.organisation_or_404(db_session(), organisation_id)
    if organisation.id != principal().organisation_id:
        return jsonify(schemas.OrganisationPublicSchema().dump(organisation))
    return organisation


@blp.route("/organisations/<int:organisation_id>/members")
@requires("org:read")
@blp.response(200, schemas.MemberSchema(many=True))
@blp.paginate(QueryPage)
def list_members(organisation_id: int):
    """Members of your organisation."""
    return (
        sa.select(Membership)
        .where(Membership.organisation_id == _own_organisation_id(organisation_id))
        .join(User)
        .order_by(Membership.id)
    )


@blp.route("/organisations/<int:organisation_id>/invitations")
@requires("org:read")
@blp.response(200, schemas.InvitationSchema(many=True))
@blp.paginate(QueryPage)
def list_invitations(organisation_id: int):
    """Invitations your organisation has sent, newest first."""
    return (
        sa.select(Invitation)
        .where(Invitation.organisation_id == _own_organisation_id(organisation_id))
        .order_by(Invitation.id.desc())
    )


@blp.route("/organisations/<int:organisation_id>/invitations", methods=["POST"])
@requires("org:write")
@blp.arguments(schemas.InvitationInputSchema)
@blp.response(201, schemas.InvitationSchema)
def create_invitation(data, organisation_id: int):
    """Invite someone by e-mail; the link is mailed to them, never returned here."""
    session = db_session()
    organisation, inviter = _administered(organisation_id)
    invitation, _token = services.invite(
        session, organisation, inviter, data["email"], data["role"], current_app.config["BASE_URL"]
    )
    return invitation


def _administered(organisation_id: int) -> tuple[Organisation, User]:
    """Your organisation and the member your client acts for, who must be an owner or admin."""
    session = db_session()
    organisation = services.organisation_or_404(session, _own_organisation_id(organisation_id))
    # A client acts on the authority of the member who created it.
    acting = session.get(User, principal().user_id)
    services.require_membership(session, organisation.id, acting, administer=True)
    return organisation, acting


@blp.route("/organisations/<int:organisation_id>/members/<int:user_id>", methods=["DELETE"])
@requires("org:write")
@blp.response(200, schemas.MemberSchema)
def remove_member(organisation_id: int, user_id: int):
    """Take a member out of your organisation (owners and admins; never the last owner)."""
    organisation, _acting = _administered(organisation_id)
    return services.remove_member(db_session(), organisation, user_id)


@blp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>", methods=["DELETE"]
)
@requires("org:write")
@blp.response(200, schemas.InvitationSchema)
def revoke_invitation(organisation_id: int, invitation_id: int):
    """Withdraw an open invitation; its link stops working."""
    organisation, _acting = _administered(organisation_id)
    return services.revoke_invitation(db_session(), organisation, invitation_id)


@blp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>/resend",
    methods=["POST"],
)
@requires("org:write")
@blp.response(200, schemas.InvitationSchema)
def resend_invitation(organisation_id: int, invitation_id: int):
    """Mail an invitation again with a new link, valid for a full lifetime from now (the link
    mailed before stops working)."""
    organisation, acting = _administered(organisation_id)
    invitation, _token = services.resend_invitation(
        db_session(), organisation, invitation_id, acting, current_app.config["BASE_URL"]
    )
    return invitation


# --- API clients ---------------------------------------------------------------------------


def _either_scope(organisation_scope: str):
    """Document that the door opens to ``organisation_scope`` or to a staff scope; the view
    decides which a request needs."""
    staff = sorted(scope for scope in SCOPES if staff_role_for(scope) is not None)

    def decorator(view):
        view._apidoc["manual_doc"]["security"] = [
            {"oauth2": [scope]} for scope in [organisation_scope, *staff]
        ]
        return view

    return decorator


def _client_manager(
    organisation_id: int, organisation_scope: str, administer: bool = True
) -> tuple[User, bool]:
    """The member the calling client acts for, and whether it manages every client of the
    organisation (a client holding ``organisation_scope``, made by an owner or admin unless
    ``administer`` is false) or only those its creator made (a client holding a staff scope,
    on the operator's organisation)."""
    caller, session = principal(), db_session()
    organisation = services.organisation_or_404(session, _own_organisation_id(organisation_id))
    # A client acts on the authority of the member who created it.
    acting = session.get(User, caller.user_id)
    if organisation_scope in caller.scopes and (
        not administer
        or services.require_membership(session, organisation.id, acting).can_administer
    ):
        return acting, True
    if organisation.is_operator and any(staff_role_for(scope) for scope in caller.scopes):
        services.require_membership(session, organisation.id, acting)
        return acting, False
    if organisation_scope not in caller.scopes:
        raise PermissionDenied(lacks_scope(organisation_scope), scope=organisation_scope)
    raise PermissionDenied(N_("Only the organisation's owners and admins may do this."))


def _managed_client(organisation_id: int, client_id: str, organisation_scope: str):
    """One client the caller may manage (see :func:`_client_manager`), or NotFound."""
    acting, every = _client_manager(organisation_id, organisation_scope)
    found = oauth_services.client_by_id(db_session(), organisation_id, client_id)
    if not every and found.created_by_id != acting.id:
        raise NotFound(N_("No such API client."))
    return found


@blp.route("/organisations/<int:organisation_id>/clients")
@_either_scope("org:read")
@requires(None)
@blp.response(200, oauth_schemas.ClientSchema(many=True))
def list_clients(organisation_id: int):
    """Your organisation's API clients, newest first: all of them with ``org:read``, else,
    with a staff scope, those your client's creator made."""
    acting, every = _client_manager(organisation_id, "org:read", administer=False)
    if every:
        return oauth_services.list_clients(db_session(), organisation_id)
    return oauth_services.list_own_clients(db_session(), organisation_id, acting)


@blp.route("/organisations/<int:organisation_id>/clients", methods=["POST"])
@_either_scope("org:write")
@requires(None)
@blp.arguments(oauth_schemas.ClientInputSchema)
@blp.response(201, oauth_schemas.ClientWithSecretSchema)
def create_client(data, organisation_id: int):
    """Make a client; its secret is in this answer only. Needs ``org:write``, except that a
    staff client may make clients with staff scopes it holds itself; a client never grants more
    scopes than it holds, nor more than its creator may grant."""
    caller = principal()
    requested = set(data["scopes"])
    staff_only = all(staff_role_for(scope) is not None for scope in requested)
    if "org:write" not in caller.scopes and not staff_only:
        raise PermissionDenied(lacks_scope("org:write"), scope="org:write")
    beyond = sorted(requested - caller.scopes)
    if beyond:
        raise PermissionDenied(
            N_("A client cannot grant scopes it does not hold."), field="scopes", scopes=beyond
        )
    session = db_session()
    organisation = services.organisation_or_404(session, _own_organisation_id(organisation_id))
    # A client acts on the authority of the member who created it.
    acting = session.get(User, caller.user_id)
    client, secret = oauth_services.create_member_client(
        session, organisation, acting, data["name"], data["scopes"]
    )
    return {"client": client, "client_secret": secret}


@blp.route("/organisations/<int:organisation_id>/clients/<client_id>/rotate", methods=["POST"])
@_either_scope("org:write")
@requires(None)
@blp.response(200, oauth_schemas.ClientWithSecretSchema)
def rotate_client(organisation_id: int, client_id: str):
    """A new secret; the old one and the tokens it obtained stop working at once. Needs
    ``org:write`` (an owner's or admin's client), or a staff scope for a client your client's
    creator made; either way only for a client whose scopes the calling client holds too."""
    found = _managed_client(organisation_id, client_id, "org:write")
    # The new secret is the client's authority: no more than the caller's own.
    beyond = sorted(found.scopes - principal().scopes)
    if beyond:
        raise PermissionDenied(
            N_("A client cannot grant scopes it does not hold."), field="scopes", scopes=beyond
        )
    # A staff scope signs as the client's creator (who takes, runs and signs a valuation): its
    # new secret goes to that person's clients only, whatever roles the caller holds too.
    if found.created_by_id != principal().user_id and any(map(staff_role_for, found.scopes)):
        raise PermissionDenied(
            N_("A client with a staff scope is rotated only by its creator's clients."),
            field="client_id",
        )
    client, secret = oauth_services.rotate_secret(db_session(), organisation_id, found.id)
    return {"client": client, "client_secret": secret}


@blp.route("/organisations/<int:organisation_id>/clients/<client_id>/revoke", methods=["POST"])
@_either_scope("org:write")
@requires(None)
@blp.response(200, oauth_schemas.ClientSchema)
def revoke_client(organisation_id: int, client_id: str):
    """Revoke a client and its tokens. Needs ``org:write`` (an owner's or admin's client), or
    a staff scope for a client your client's creator made."""
    found = _managed_client(organisation_id, client_id, "org:write")
    return oauth_services.revoke_client(db_session(), organisation_id, found.id)
