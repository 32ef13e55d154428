"""Schemas for API client management."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from market.fields import SingleLine
from market.oauth.scopes import SCOPES


class ClientInputSchema(Schema):
    """A new API client: a name and the scopes it may request."""

    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), SingleLine()])
    scopes = fields.List(
        fields.String(validate=validate.OneOf(sorted(SCOPES))),
        required=True,
        validate=validate.Length(min=1),
    )
