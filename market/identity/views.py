"""Identity API: the caller, the organisation directory, members and invitations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import db_session, principal
from market.errors import NotFound
from market.identity import schemas, services
from market.identity.models import Invitation, Membership, User
from market.oauth.server import requires
from market.text import N_
from market.verification.services import verified_directory

blp = Blueprint("identity_api", __name__, description="The caller, organisations and members")


def _own_organisation_id(organisation_id: int) -> int:
    # Another organisation's private data is indistinguishable from a missing one.
    if organisation_id != principal().organisation_id:
        raise NotFound(N_("no such organisation"))
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
    organisation = _administered(organisation_id)
    # A client acts on the authority of the member who created it.
    inviter = session.get(User, principal().user_id)
    invitation, _token = services.invite(
        session, organisation, inviter, data["email"], data["role"], current_app.config["BASE_URL"]
    )
    return invitation


def _administered(organisation_id: int):
    session = db_session()
    organisation = services.organisation_or_404(session, _own_organisation_id(organisation_id))
    acting = session.get(User, principal().user_id)
    services.require_membership(session, organisation.id, acting, administer=True)
    return organisation


@blp.route("/organisations/<int:organisation_id>/members/<int:user_id>", methods=["DELETE"])
@requires("org:write")
@blp.response(200, schemas.MemberSchema)
def remove_member(organisation_id: int, user_id: int):
    """Take a member out of your organisation (owners and admins; never the last owner)."""
    organisation = _administered(organisation_id)
    return services.remove_member(db_session(), organisation, user_id)


@blp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>", methods=["DELETE"]
)
@requires("org:write")
@blp.response(200, schemas.InvitationSchema)
def revoke_invitation(organisation_id: int, invitation_id: int):
    """Withdraw an open invitation; its link stops working."""
    organisation = _administered(organisation_id)
    return services.revoke_invitation(db_session(), organisation, invitation_id)
