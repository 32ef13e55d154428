"""OAuth 2 clients and their access tokens; only digests of secrets and tokens are stored."""

from __future__ import annotations

import hmac
from datetime import datetime

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.identity.models import Organisation, User
from market.identity.services import token_digest

AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class OAuthClient(Base, ClientMixin):
    """An organisation's system allowed to call the API with some scopes."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(48), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(100))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def scopes(self) -> set[str]:
        """The scopes this client may ask for."""
        return set(self.scope.split())

    # Authlib's ClientMixin protocol.
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        if not scope:
            return self.scope
        return " ".join(sorted(set(scope.split()) & self.scopes))

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return self.revoked_at is None and hmac.compare_digest(
            self.secret_hash, token_digest(client_secret)
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"


class OAuthToken(Base, TokenMixin):
    """A bearer access token issued to a client."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(500))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]

    client: Mapped[OAuthClient] = relationship()

    # Authlib's TokenMixin protocol.
    def check_client(self, client):
        return self.client_pk == client.id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        return self.expires_at <= utcnow()

    def is_revoked(self):
        return self.revoked_at is not None or self.client.revoked_at is not None
