"""Signed, expiring account links: e-mail confirmation (郵箱驗證) and password reset.

Nothing is stored: a link carries the user's id and a fingerprint of the state it may change,
signed with the app's secret key (itsdangerous). Using it changes that state, so the same link
never works twice: a confirmed address cannot be confirmed again, and a new password hash (a
new random salt each time) no longer matches the fingerprint of a reset link.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from market.identity.models import User

EMAIL_CONFIRMATION = "shujiao.email-confirmation"
PASSWORD_RESET = "shujiao.password-reset"


class LinkInvalid(Exception):
    """The link is forged, broken, expired or used."""


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=purpose)


def email_confirmation(secret_key: str, user: User) -> str:
    """A token confirming that ``user`` reads mail at their address."""
    return _serializer(secret_key, EMAIL_CONFIRMATION).dumps({"u": user.id, "e": user.email_key})


def password_reset(secret_key: str, user: User) -> str:
    """A token allowing one new password for ``user``."""
    payload = {"u": user.id, "p": _password_fingerprint(user)}
    return _serializer(secret_key, PASSWORD_RESET).dumps(payload)


def _load(secret_key: str, purpose: str, token: str, max_age: int) -> dict:
    try:
        payload = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, UnicodeError, ValueError):
        raise LinkInvalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkInvalid
    return payload


def confirmed_user_id(secret_key: str, token: str, max_age: int) -> tuple[int, str]:
    """The user id and e-mail key a confirmation token names, or :class:`LinkInvalid`."""
    payload = _load(secret_key, EMAIL_CONFIRMATION, token, max_age)
    return payload["u"], str(payload.get("e"))


def reset_user_id(secret_key: str, token: str, max_age: int) -> tuple[int, str]:
    """The user id and password fingerprint a reset token names, or :class:`LinkInvalid`."""
    payload = _load(secret_key, PASSWORD_RESET, token, max_age)
    return payload["u"], str(payload.get("p"))


def matches_password(user: User, fingerprint: str) -> bool:
    """Whether the reset link was made for the user's current password."""
    return _password_fingerprint(user) == fingerprint
