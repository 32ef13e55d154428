"""Pages where organisation admins manage API clients."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from market.auth import login_required
from market.context import current_user, db_session
from market.errors import DomainError, PermissionDenied
from market.forms import parse_form
from market.identity import services as identity_services
from market.oauth import schemas, services
from market.oauth.scopes import SCOPES
from market.text import N_

blp = Blueprint("oauth_pages", __name__)


def _clients_page(organisation_id: int, status=200, errors=None, secret=None, created=None):
    database = db_session()
    organisation = identity_services.organisation_or_404(database, organisation_id)
    user = current_user()
    # Owners and admins see every client; staff members of the operator see their own.
    offered_scopes = services.grantable_scopes(database, organisation, user)
    if not offered_scopes:
        raise PermissionDenied(N_("Only the organisation's owners and admins may do this."))
    if services.may_manage_clients(database, organisation, user):
        listed = services.list_clients(database, organisation_id)
    else:
        listed = services.list_own_clients(database, organisation_id, user)
    page = render_template(
        "oauth/clients.html",
        organisation=organisation,
        clients=listed,
        scopes={scope: SCOPES[scope] for scope in SCOPES if scope in offered_scopes},
        errors=errors or {},
        form=request.form if errors else {},
        secret=secret,
        created=created,
    )
    return page, status


@blp.route("/organisations/<int:organisation_id>/clients")
@login_required
def clients(organisation_id: int):
    """The organisation's API clients."""
    return _clients_page(organisation_id)


@blp.route("/organisations/<int:organisation_id>/clients", methods=["POST"])
@login_required
def create_client(organisation_id: int):
    """Create a client; its secret is shown this once."""
    database = db_session()
    organisation = identity_services.organisation_or_404(database, organisation_id)
    identity_services.require_membership(database, organisation_id, current_user())
    data, errors = parse_form(schemas.ClientInputSchema())
    if errors:
        return _clients_page(organisation_id, 422, errors)
    try:
        client, secret = services.create_member_client(
            database, organisation, current_user(), data["name"], data["scopes"]
        )
    except DomainError as error:
        return _clients_page(organisation_id, error.status, {error.field: [_(error.message)]})
    return _clients_page(organisation_id, 201, secret=secret, created=client)


@blp.route("/organisations/<int:organisation_id>/clients/<int:client_pk>/revoke", methods=["POST"])
@login_required
def revoke_client(organisation_id: int, client_pk: int):
    """Revoke a client and its tokens."""
    database = db_session()
    organisation = identity_services.organisation_or_404(database, organisation_id)
    user = current_user()
    if services.may_manage_clients(database, organisation, user):
        services.revoke_client(database, organisation_id, client_pk)
    else:
        services.revoke_client(database, organisation_id, client_pk, creator=user)
    flash(_("The API client was revoked; its tokens no longer work."))
    return redirect(url_for("oauth_pages.clients", organisation_id=organisation_id))
