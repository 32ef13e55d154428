"""Schemas for API client management."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from market.fields import Length, SingleLine
from market.oauth.scopes import SCOPES


class ClientInputSchema(Schema):
    """A new API client: a name and the scopes it may request."""

    name = fields.String(required=True, validate=[Length(min=1, max=100), SingleLine()])
    scopes = fields.List(
        fields.String(validate=validate.OneOf(sorted(SCOPES))),
        required=True,
        validate=Length(min=1),
    )


class ClientSchema(Schema):
    """An API client (its secret is never shown again)."""

    client_id = fields.String()
    name = fields.String()
    scopes = fields.Function(lambda client: client.scope.split())
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class ClientWithSecretSchema(Schema):
    """A client with its secret: answered once, when made or rotated."""

    client = fields.Nested(ClientSchema)
    client_secret = fields.String()
