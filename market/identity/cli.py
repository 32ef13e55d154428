"""``shujiao operator``: the exchange operator's organisation and its staff members."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from market.db import utcnow
from market.errors import DomainError
from market.identity import operator
from market.identity import services as identity_services
from market.identity.models import MemberRole
from market.identity.schemas import OrganisationInputSchema
from market.oauth import services as oauth_services
from market.oauth.scopes import SCOPES

operator_group = AppGroup(
    "operator", help="The exchange operator's organisation, where staff hold API clients."
)


def _user(session, email: str):
    user = identity_services.find_user(session, email)
    if user is None:
        raise click.ClickException(f"no user {email} (create it with `shujiao user create`)")
    return user


def _fail(error: DomainError):
    field = f"{error.field}: " if error.field else ""
    raise click.ClickException(field + error.message) from None


@operator_group.command("create")
@click.option("--owner", "owner_email", required=True, help="E-mail of an existing user.")
@click.option("--name-zh", required=True)
@click.option("--name-en", required=True)
@click.option("--jurisdiction", default="CN", show_default=True)
@click.option("--credit-code", default=None, help="Required in the mainland (CN).")
@click.option("--registration-number", default=None, help="Outside the mainland.")
@click.option("--website", default=None)
def create_command(owner_email: str, **options):
    """Create the operator's organisation (once), owned by OWNER, verified."""
    data = {key: value for key, value in options.items() if value is not None}
    try:
        loaded = OrganisationInputSchema().load(data)
    except ValidationError as error:
        field, messages = next(iter(error.normalized_messages().items()))
        message = messages[0] if field != "jurisdiction" else "not a territory code (e.g. CN, HK)"
        raise click.ClickException(f"--{field.replace('_', '-')}: {message}") from None
    with current_app.extensions["db"].unit_of_work() as session:
        owner = _user(session, owner_email)
        try:
            created = operator.create_operator(session, owner, loaded, utcnow())
        except DomainError as error:
            _fail(error)
        organisation_id = created.id
    click.echo(f"created the operator's organisation #{organisation_id}, owned by {owner_email}")


@operator_group.command("add-member")
@click.argument("email")
@click.option(
    "--role",
    default=MemberRole.ADMIN.value,
    show_default=True,
    type=click.Choice([MemberRole.ADMIN.value, MemberRole.MEMBER.value]),
    help=(
        "Admins manage the operator's API clients; any member makes clients with the staff"
        " scopes of their own roles."
    ),
)
def add_member_command(email: str, role: str):
    """Make the user EMAIL a member of the operator's organisation."""
    with current_app.extensions["db"].unit_of_work() as session:
        user = _user(session, email)
        try:
            operator.add_staff_member(session, user, MemberRole(role))
        except DomainError as error:
            _fail(error)
        roles = ", ".join(sorted(assignment.role.value for assignment in user.staff_roles))
    click.echo(
        f"{email} is now {role} of the operator's organisation (staff roles: {roles or '-'})"
    )


@operator_group.command("client")
@click.argument("email")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(SCOPES)),
    help="Repeat for each scope; staff scopes need the member's own staff role.",
)
@click.option("--name", default="staff API client", show_default=True)
def client_command(email: str, scopes: tuple[str, ...], name: str):
    """Make an API client of the operator's organisation for the member EMAIL, acting as them,
    and print its id and secret (shown this once): a staff member's first client without a
    browser. Further clients, rotation and revocation go through the API."""
    with current_app.extensions["db"].unit_of_work() as session:
        user = _user(session, email)
        organisation = operator.find_operator(session)
        if organisation is None:
            raise click.ClickException("the exchange operator's organisation does not exist yet")
        if identity_services.membership(session, organisation.id, user) is None:
            raise click.ClickException(
                f"{email} is not a member of the operator's organisation "
                "(add it with `shujiao operator add-member`)"
            )
        try:
            client, secret = oauth_services.create_member_client(
                session, organisation, user, name, list(scopes)
            )
        except DomainError as error:
            _fail(error)
        client_id = client.client_id
    click.echo(f"client_id: {client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo("The secret is shown this once; only its digest is kept.", err=True)
