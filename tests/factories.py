"""Factories that arrange state through the real services (never by writing rows by hand)."""

from __future__ import annotations

import itertools
import re

from market.db import utcnow
from market.identity import services as identity
from market.identity.credit_code import check_character
from market.identity.models import Organisation, StaffRole, User, VerificationState
from market.oauth import services as oauth

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def credit_code(serial: int | None = None) -> str:
    """A valid unified social credit code, different for each call."""
    serial = next(_serial) if serial is None else serial
    body = f"91440300{serial:09d}"
    return body + check_character(body)


def user(session, email: str | None = None, staff: tuple[StaffRole, ...] = (), **kwargs) -> User:
    """A user (password :data:`PASSWORD`) whose address is confirmed unless ``verified=False``,
    optionally with staff roles."""
    email = email or f"user{next(_serial)}@example.cn"
    created = identity.register_user(
        session,
        email,
        kwargs.pop("name", "Test User"),
        PASSWORD,
        verified=kwargs.pop("verified", True),
    )
    for role in staff:
        identity.grant_staff_role(session, created, role)
    session.flush()
    return created


OPERATOR_NAMES = ("深圳数据交易所", "Shenzhen Data Exchange")


def organisation(session, owner: User | None = None, **data) -> Organisation:
    """A verified mainland organisation owned by ``owner`` (a new user if not given)."""
    owner = owner or user(session)
    serial = next(_serial)
    fields = {
        "name_zh": f"测试数据有限公司{serial}",
        "name_en": f"Test Data Co. {serial}",
        "jurisdiction": "CN",
        "credit_code": credit_code(serial),
    }
    if data.get("is_operator"):
        fields.update(name_zh=OPERATOR_NAMES[0], name_en=OPERATOR_NAMES[1])
    fields.update(data)
    if fields["jurisdiction"] != "CN":
        fields.pop("credit_code", None)
    verified = fields.pop("verified", True)
    operator = fields.pop("is_operator", False)
    created = identity.create_organisation(session, owner, fields)
    created.is_operator = operator
    if verified:
        created.verified_at = utcnow()
        created.verification_state = VerificationState.VERIFIED
    session.flush()
    return created


def api_client(session, organisation: Organisation, scopes: list[str], creator: User | None = None):
    """An OAuth client of ``organisation``: ``(client, secret)``."""
    creator = creator or organisation.memberships[0].user
    return oauth.create_client(session, organisation, creator, "test client", scopes)


def token(raw_client, client_id: str, secret: str, scope: str | None = None) -> str:
    """An access token from the real token endpoint."""
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    response = raw_client.post("/oauth/token", data=form, auth=(client_id, secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def extract_link(text: str) -> str:
    """The first http(s) link in a text (e.g. an e-mail body)."""
    return re.search(r"https?://\S+", text).group(0)
