"""Pages for people: sign-up, sign-in, account, organisations, members and invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from market import i18n
from market.auth import login_required
from market.context import current_user, db_session
from market.db import utcnow
from market.display import territory_choices
from market.errors import DomainError
from market.forms import next_path, parse_form, safe_next
from market.identity import schemas, services
from market.identity.models import MemberRole, Organisation, StaffRole, User

blp = Blueprint("identity", __name__)


def _start_session(user) -> None:
    locale = session.get("locale")
    session.clear()
    session["user_id"] = user.id
    session["password_stamp"] = user.password_changed_at.isoformat()
    session["session_epoch"] = user.session_epoch
    if locale:
        session["locale"] = locale
    session.permanent = True


def _form_error(template: str, status: int, errors: dict, **context):
    return render_template(template, errors=errors, form=request.form, **context), status


@blp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account."""
    if request.method == "GET":
        # An invitation's page links here with the address it was sent to.
        form = {"email": request.args.get("email", "")[:254]}
        return render_template("identity/signup.html", errors={}, form=form)
    data, errors = parse_form(schemas.SignUpSchema())
    if errors:
        return _form_error("identity/signup.html", 422, errors)
    try:
        # The language chosen, or else the browser's, is the account's: its mail speaks it
        # from the first one (the confirmation), as the pages did.
        locale = i18n.chosen_or_browser_locale()
        user = services.register_user(
            db_session(), data["email"], data["name"], data["password"], locale
        )
    except DomainError as error:
        return _form_error("identity/signup.html", error.status, {error.field: [_(error.message)]})
    config = current_app.config
    # The mailed link, too, leads back to where the user was going when asked to sign up.
    services.send_email_confirmation(
        db_session(), user, config["SECRET_KEY"], config["BASE_URL"], next_path()
    )
    _start_session(user)
    flash(
        _(
            "Welcome to Shujiao. We have mailed a link to %(email)s: follow it to confirm "
            "your address, then create or join an organisation to start trading.",
            email=user.email,
        )
    )
    return redirect(safe_next(url_for("identity.organisations")))


@blp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; failures are throttled per address and per account (``market.ratelimit``)."""
    if request.method == "GET":
        return render_template("identity/login.html", errors={}, form={})
    data, errors = parse_form(schemas.LoginSchema())
    if errors:
        return _form_error("identity/login.html", 422, errors)
    try:
        user = services.authenticate(db_session(), data["email"], data["password"])
    except DomainError as error:
        return _form_error("identity/login.html", error.status, {"password": [_(error.message)]})
    _start_session(user)
    return redirect(safe_next(_landing(user)))


def _landing(user) -> str:
    """Where a sign-in lands: the appraisal queue for an appraiser, the finance console for
    finance staff, else the organisations you belong to."""
    if user.has_staff_role(StaffRole.APPRAISER):
        return url_for("valuation.appraisal_queue")
    if user.has_staff_role(StaffRole.FINANCE):
        return url_for("finance_console.receipts_page")
    return url_for("identity.organisations")


@blp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the session ends on the server too, so a copy of the cookie is worthless."""
    user = current_user()
    if user is not None:
        user.session_epoch += 1
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    return redirect(url_for("web.home"))


@blp.route("/verify-email/<token>")
def verify_email(token: str):
    """Follow the link mailed at sign-up: the address is confirmed (again: says so)."""
    config = current_app.config
    if services.confirm_email(
        db_session(), token, config["SECRET_KEY"], config["EMAIL_CONFIRMATION_MAX_AGE"]
    ):
        flash(_("Your e-mail address is confirmed. You can now create or join an organisation."))
    else:
        flash(_("Your e-mail address is confirmed already; there is nothing more to do."))
    # Back to where the user was going at sign-up (a path on this site only).
    return redirect(safe_next(url_for("identity.organisations")))


@blp.route("/verify-email", methods=["POST"])
@login_required
def resend_confirmation():
    """Mail the confirmation link again."""
    user = current_user()
    if user.email_verified_at is None:
        g.mail_link_requested = True  # counted per address and per mailbox (market.ratelimit)
        config = current_app.config
        services.send_email_confirmation(
            db_session(), user, config["SECRET_KEY"], config["BASE_URL"]
        )
        flash(_("We have mailed a new link to %(email)s.", email=user.email))
    return redirect(url_for("identity.organisations"))


@blp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    template = "identity/password_forgot.html"
    if request.method == "GET":
        return render_template(template, errors={}, form={})
    data, errors = parse_form(schemas.PasswordResetRequestSchema())
    if errors:
        return _form_error(template, 422, errors)
    # Counted per address and per mailbox (market.ratelimit), whether or not an account uses it.
    g.mail_link_requested = True
    config = current_app.config
    services.request_password_reset(
        db_session(), data["email"], config["SECRET_KEY"], config["BASE_URL"]
    )
    flash(
        _(
            "If an account uses %(email)s, we have mailed it a link to choose a new password.",
            email=data["email"],
        )
    )
    return redirect(url_for("identity.login"))


@blp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a mailed link; every session of the account ends."""
    template = "identity/password_reset.html"
    config = current_app.config
    secret, max_age = config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"]
    database = db_session()
    if request.method == "GET":
        services.user_for_reset(database, token, secret, max_age)
        return render_template(template, errors={}, form={})
    data, errors = parse_form(schemas.PasswordResetSchema())
    if errors:
        return _form_error(template, 422, errors)
    services.reset_password(database, token, data["new_password"], secret, max_age)
    flash(_("Your password has been changed. Sign in with the new one."))
    return redirect(url_for("identity.login"))


@blp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The account page; changing the password ends other sessions."""
    if request.method == "GET":
        return render_template("identity/account.html", errors={}, form={})
    data, errors = parse_form(schemas.PasswordChangeSchema())
    if errors:
        return _form_error("identity/account.html", 422, errors)
    user = current_user()
    try:
        services.change_password(db_session(), user, data["current_password"], data["new_password"])
    except DomainError as error:
        return _form_error("identity/account.html", error.status, {error.field: [_(error.message)]})
    _start_session(user)
    flash(_("Your password has been changed."))
    return redirect(url_for("identity.account"))


@blp.route("/organisations")
@login_required
def organisations():
    """The organisations you belong to."""
    return render_template("identity/organisations.html", memberships=current_user().memberships)


@blp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation():
    """Register an organisation; you become its owner."""
    context = {"territories": territory_choices(), "home_territory": i18n.home_territory()}
    if request.method == "GET":
        return render_template("identity/organisation_new.html", errors={}, form={}, **context)
    data, errors = parse_form(schemas.OrganisationInputSchema())
    if errors:
        return _form_error("identity/organisation_new.html", 422, errors, **context)
    try:
        organisation = services.create_organisation(db_session(), current_user(), data)
    except DomainError as error:
        return _form_error(
            "identity/organisation_new.html",
            error.status,
            {error.field: [_(error.message)]},
            **context,
        )
    # The message links to the next step wherever the user lands: sent here from another page
    # (the demand board), the user goes back to it, which says nothing of verification.
    flash(
        _(
            "Organisation registered. Submit its verification evidence next: it can trade once the exchange has verified it."
        ),
        f"verify:{organisation.id}",
    )
    return redirect(safe_next(url_for("identity.organisation", organisation_id=organisation.id)))


def _organisation_page(organisation: Organisation, status: int = 200, errors=None):
    member = services.require_membership(db_session(), organisation.id, current_user())
    page = render_template(
        "identity/organisation.html",
        organisation=organisation,
        me=member,
        # The least privilege first, and chosen unless the inviter picks another.
        roles=[MemberRole.MEMBER, MemberRole.ADMIN],
        invitations=(
            services.pending_invitations(db_session(), organisation.id, utcnow())
            if member.can_administer
            else []
        ),
        errors=errors or {},
        form=request.form if errors else {},
    )
    return page, status


@blp.route("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    """An organisation you belong to: its members and (for admins) invitations."""
    return _organisation_page(services.organisation_or_404(db_session(), organisation_id))


@blp.route("/organisations/<int:organisation_id>/invitations", methods=["POST"])
@login_required
def invite(organisation_id: int):
    """Invite someone (owners and admins)."""
    database = db_session()
    organisation = services.organisation_or_404(database, organisation_id)
    services.require_membership(database, organisation_id, current_user(), administer=True)
    data, errors = parse_form(schemas.InvitationInputSchema())
    if errors:
        return _organisation_page(organisation, 422, errors)
    try:
        services.invite(
            database,
            organisation,
            current_user(),
            data["email"],
            data["role"],
            current_app.config["BASE_URL"],
        )
    except DomainError as error:
        return _organisation_page(organisation, error.status, {error.field: [_(error.message)]})
    flash(_("Invitation sent to %(email)s.", email=data["email"]))
    return redirect(url_for("identity.organisation", organisation_id=organisation_id))


@blp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>/revoke",
    methods=["POST"],
)
@login_required
def revoke_invitation(organisation_id: int, invitation_id: int):
    """Withdraw a pending invitation (owners and admins); its link stops working."""
    database = db_session()
    organisation = services.organisation_or_404(database, organisation_id)
    services.require_membership(database, organisation_id, current_user(), administer=True)
    revoked = services.revoke_invitation(database, organisation, invitation_id)
    flash(_("Invitation to %(email)s withdrawn.", email=revoked.email_key))
    return redirect(url_for("identity.organisation", organisation_id=organisation_id))


@blp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>/resend",
    methods=["POST"],
)
@login_required
def resend_invitation(organisation_id: int, invitation_id: int):
    """Mail a pending invitation again, with a new link (owners and admins)."""
    database = db_session()
    organisation = services.organisation_or_404(database, organisation_id)
    services.require_membership(database, organisation_id, current_user(), administer=True)
    sent, _token = services.resend_invitation(
        database, organisation, invitation_id, current_user(), current_app.config["BASE_URL"]
    )
    flash(_("Invitation sent to %(email)s again, with a new link.", email=sent.email_key))
    return redirect(url_for("identity.organisation", organisation_id=organisation_id))


@blp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Look at an invitation and accept it. Opened signed out, the page says who invites and
    leads to sign-in or sign-up, each of which comes back here."""
    database = db_session()
    found = services.find_invitation(database, token)
    if request.method == "GET":
        return render_template(
            "identity/invitation.html",
            invitation=found,
            inviter=database.get(User, found.invited_by_id),
            token=token,
            here=url_for("identity.invitation", token=token),
        )
    if current_user() is None:
        return redirect(url_for("identity.login", next=request.path))
    joined = services.accept_invitation(database, current_user(), token)
    flash(
        _(
            "Welcome to %(name)s: you are now its %(role)s.",
            name=joined.organisation.display_name(get_locale().language),
            role=_(joined.role.label),
        )
    )
    return redirect(url_for("identity.organisation", organisation_id=joined.organisation_id))
