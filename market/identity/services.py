"""Identity services: sign-up, sign-in, organisations, members, invitations.

Every function takes the caller's session and never commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.db import utcnow
from market.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from market.identity import names, passwords, tokens
from market.identity.credit_code import CreditCodeError
from market.identity.credit_code import validate as validate_credit_code
from market.identity.models import (
    MAINLAND,
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    StaffAssignment,
    StaffRole,
    User,
)
from market.text import N_

INVITATION_LIFETIME = timedelta(days=7)


def organisation_ids(session: Session, user: User) -> list[int]:
    """The organisations ``user`` is a member of (and so may act for), oldest membership first."""
    return list(
        session.scalars(
            sa.select(Membership.organisation_id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.id)
        )
    )


def email_key(email: str) -> str:
    """The case-insensitive key of an e-mail address."""
    return email.strip().lower()


def token_digest(token: str) -> str:
    """SHA-256 of a bearer secret; only digests are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail, ignoring case."""
    return session.scalar(sa.select(User).where(User.email_key == email_key(email)))


def register_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    locale: str | None = None,
    verified: bool = False,
) -> User:
    """Create a user; a second account for the same e-mail (in any case) is a conflict.

    ``verified`` vouches for the address (an operator's command, the demo); a person signing
    up confirms it by the link :func:`send_email_confirmation` mails.
    """
    if find_user(session, email) is not None:
        raise Conflict(N_("An account with this e-mail already exists."), field="email")
    user = User(
        email=email.strip(),
        email_key=email_key(email),
        name=name.strip(),
        password_hash=passwords.hash_password(password),
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with these credentials, or :class:`AuthenticationFailed`."""
    user = find_user(session, email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise AuthenticationFailed(N_("E-mail or password is wrong."), field="password")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; other sessions end."""
    if not passwords.verify_password(user.password_hash, current):
        raise AuthenticationFailed(N_("The current password is wrong."), field="current_password")
    if current == new:
        raise InvalidInput(
            N_("The new password must differ from the current one."), field="new_password"
        )
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()


def grant_staff_role(session: Session, user: User, role: StaffRole) -> None:
    """Give a user a staff role (idempotent)."""
    if not any(assignment.role == role for assignment in user.staff_roles):
        user.staff_roles.append(StaffAssignment(role=role))


def normalise_organisation(data: dict) -> dict:
    """Check jurisdiction-specific identifiers: mainland organisations need a credit code."""
    data = dict(data)
    code = (data.get("credit_code") or "").strip()
    if data["jurisdiction"] == MAINLAND:
        if not code:
            raise InvalidInput(
                N_("Mainland organisations must give their unified social credit code."),
                field="credit_code",
            )
        try:
            data["credit_code"] = validate_credit_code(code)
        except CreditCodeError as error:
            raise InvalidInput(str(error), field="credit_code") from None
    elif code:
        raise InvalidInput(
            N_("Unified social credit codes are for mainland organisations only."),
            field="credit_code",
        )
    else:
        data["credit_code"] = None
    return data


def require_verified_email(user: User) -> None:
    """Only a user who has confirmed their e-mail address may act for an organisation."""
    if user.email_verified_at is None:
        raise PermissionDenied(
            N_("Confirm your e-mail address first: follow the link we mailed you."),
            field="email",
        )


def create_organisation(session: Session, owner: User, data: dict) -> Organisation:
    """Create an organisation with ``owner`` as its owner (who must have confirmed their
    e-mail address)."""
    require_verified_email(owner)
    data = normalise_organisation(data)
    operator = session.scalar(sa.select(Organisation).where(Organisation.is_operator))
    if operator is not None:
        for field in ("name_zh", "name_en"):
            if names.imitates(data[field], [operator.name_zh, operator.name_en]):
                raise InvalidInput(
                    N_("This name imitates the exchange operator's; choose your own."),
                    field=field,
                )
    if data["credit_code"] and session.scalar(
        sa.select(Organisation.id).where(Organisation.credit_code == data["credit_code"])
    ):
        raise Conflict(
            N_("An organisation with this credit code is registered."), field="credit_code"
        )
    organisation = Organisation(**data)
    organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
    session.add(organisation)
    session.flush()
    return organisation


def membership(session: Session, organisation_id: int, user: User) -> Membership | None:
    """The user's membership of an organisation, if any."""
    return session.scalar(
        sa.select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id
        )
    )


def require_membership(
    session: Session, organisation_id: int, user: User, administer: bool = False
) -> Membership:
    """The user's membership, or NotFound (not a member) / PermissionDenied (not an admin)."""
    found = membership(session, organisation_id, user)
    if found is None:
        raise NotFound(N_("No such organisation."))
    if administer and not found.can_administer:
        raise PermissionDenied(N_("Only the organisation's owners and admins may do this."))
    return found


def invite(
    session: Session,
    organisation: Organisation,
    inviter: User,
    email: str,
    role: MemberRole,
    base_url: str,
) -> tuple[Invitation, str]:
    """Invite an e-mail to join; the link goes out by mail through the outbox."""
    if role == MemberRole.OWNER:
        raise InvalidInput(N_("Owners cannot be invited; invite an admin."), field="role")
    key = email_key(email)
    already = session.scalar(
        sa.select(Membership.id)
        .join(User)
        .where(Membership.organisation_id == organisation.id, User.email_key == key)
    )
    if already:
        raise Conflict(N_("This person is already a member."), field="email")
    pending = session.scalar(
        sa.select(Invitation.id).where(
            Invitation.organisation_id == organisation.id,
            Invitation.email_key == key,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    if pending:
        # Two open links for one person: send the first again instead.
        raise Conflict(N_("This address has an open invitation; send it again."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email_key=key,
        role=role,
        token_hash=token_digest(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    _mail_invitation(session, invitation, email.strip(), inviter, token, base_url)
    return invitation, token


def _mail_invitation(
    session: Session, invitation: Invitation, to: str, inviter: User, token: str, base_url: str
) -> None:
    organisation = invitation.organisation
    outbox.enqueue(
        session,
        "mail.invitation",
        {
            "to": to,
            "organisation_zh": organisation.name_zh,
            "organisation_en": organisation.name_en,
            "inviter": inviter.name,
            "role": invitation.role.value,
            "link": f"{base_url.rstrip('/')}/invitations/{token}",
        },
    )


def resend_invitation(
    session: Session, organisation: Organisation, invitation_id: int, inviter: User, base_url: str
) -> tuple[Invitation, str]:
    """Mail a pending (or lapsed) invitation again with a new link, valid for a full lifetime
    from now; the link mailed before stops working."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound(N_("No such invitation."))
    if invitation.accepted_at is not None:
        raise Conflict(N_("This invitation was accepted already."))
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_digest(token)
    invitation.expires_at = utcnow() + INVITATION_LIFETIME
    session.flush()
    _mail_invitation(session, invitation, invitation.email_key, inviter, token, base_url)
    return invitation, token


def find_invitation(session: Session, token: str) -> Invitation:
    """The open invitation for a token, or NotFound."""
    invitation = session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == token_digest(token))
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotFound(N_("This invitation does not exist, was used or has expired."))
    return invitation


def accept_invitation(session: Session, user: User, token: str) -> Membership:
    """Join the organisation of an invitation addressed to the user's e-mail."""
    invitation = find_invitation(session, token)
    if invitation.email_key != user.email_key:
        raise PermissionDenied(N_("This invitation was sent to another e-mail address."))
    if membership(session, invitation.organisation_id, user):
        raise Conflict(N_("You are already a member of this organisation."))
    invitation.accepted_at = utcnow()
    # The invitation's link reached this address: that confirms it as well as a sign-up link.
    user.email_verified_at = user.email_verified_at or invitation.accepted_at
    joined = Membership(organisation_id=invitation.organisation_id, user=user, role=invitation.role)
    session.add(joined)
    session.flush()
    return joined


def organisation_or_404(session: Session, organisation_id: int) -> Organisation:
    """The organisation, or NotFound."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."))
    return organisation


def remove_member(session: Session, organisation: Organisation, user_id: int) -> Membership:
    """Take a member out of an organisation; the last owner stays (an organisation has one)."""
    found = membership_of(session, organisation.id, user_id)
    if found.role == MemberRole.OWNER:
        owners = session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == MemberRole.OWNER,
            )
        )
        if owners <= 1:
            raise Conflict(N_("The last owner cannot be removed."), field="user_id")
    session.delete(found)
    session.flush()
    return found


def membership_of(session: Session, organisation_id: int, user_id: int) -> Membership:
    """A member of the organisation by user id, or NotFound."""
    found = session.scalar(
        sa.select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user_id
        )
    )
    if found is None:
        raise NotFound(N_("No such member."), field="user_id")
    return found


def pending_invitations(session: Session, organisation_id: int, now: datetime) -> list[Invitation]:
    """The organisation's invitations not yet accepted and not expired, oldest first."""
    return list(
        session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.organisation_id == organisation_id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.id)
        )
    )


def revoke_invitation(
    session: Session, organisation: Organisation, invitation_id: int
) -> Invitation:
    """Withdraw an open invitation: its link stops working at once."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound(N_("No such invitation."))
    if invitation.accepted_at is not None:
        raise Conflict(
            N_("This invitation was accepted already."), state=["accepted"], action=["withdraw"]
        )
    now = utcnow()
    if invitation.expires_at <= now:
        # Withdrawn before, or lapsed: nothing is open to withdraw, and saying 200 twice would
        # hide it.
        raise Conflict(
            N_("This invitation is no longer open."), state=["expired"], action=["withdraw"]
        )
    invitation.expires_at = now
    session.flush()
    return invitation


# --- E-mail confirmation and password reset --------------------------------------------------

LINK_INVALID = N_("This link is not valid, was used already or has expired.")


def send_email_confirmation(
    session: Session, user: User, secret_key: str, base_url: str, next_path: str | None = None
) -> None:
    """Mail ``user`` a link confirming their address (through the outbox). ``next_path``, a
    path on this site the caller has checked, is where the link leads once it has confirmed
    the address (the page the user was going to when asked to sign up)."""
    token = tokens.email_confirmation(secret_key, user)
    link = f"{base_url.rstrip('/')}/verify-email/{token}"
    if next_path:
        link += "?" + urlencode({"next": next_path})
    outbox.enqueue(
        session,
        "mail.email_confirmation",
        {
            "to": user.email,
            "name": user.name,
            "link": link,
            "locale": user.locale,
        },
    )


def confirm_email(session: Session, token: str, secret_key: str, max_age: int) -> bool:
    """Mark the address a confirmation link names as the user's own. ``False`` when it was
    confirmed already (the link used before, or an accepted invitation confirmed it): a
    genuine link is not refused for that, it has nothing left to do."""
    try:
        user_id, key = tokens.confirmed_user_id(secret_key, token, max_age)
    except tokens.LinkInvalid:
        raise NotFound(LINK_INVALID, field="token") from None
    user = session.get(User, user_id)
    if user is None or user.email_key != key:
        raise NotFound(LINK_INVALID, field="token")
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = utcnow()
    return True


def request_password_reset(session: Session, email: str, secret_key: str, base_url: str) -> None:
    """Mail a reset link if an active account has this address; say nothing either way."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        return
    token = tokens.password_reset(secret_key, user)
    outbox.enqueue(
        session,
        "mail.password_reset",
        {
            "to": user.email,
            "name": user.name,
            "link": f"{base_url.rstrip('/')}/password/reset/{token}",
        },
    )


def user_for_reset(session: Session, token: str, secret_key: str, max_age: int) -> User:
    """The user a password reset link is for, if it is genuine, fresh and unused."""
    try:
        user_id, fingerprint = tokens.reset_user_id(secret_key, token, max_age)
    except tokens.LinkInvalid:
        raise NotFound(LINK_INVALID, field="token") from None
    user = session.get(User, user_id)
    if user is None or not user.is_active or not tokens.matches_password(user, fingerprint):
        raise NotFound(LINK_INVALID, field="token")
    return user


def reset_password(
    session: Session, token: str, new_password: str, secret_key: str, max_age: int
) -> User:
    """Set a new password through a reset link: the link is spent and every session ends.

    The link came through the user's mailbox, so it confirms the address too.
    """
    user = user_for_reset(session, token, secret_key, max_age)
    now = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.session_epoch += 1
    user.email_verified_at = user.email_verified_at or now
    return user
