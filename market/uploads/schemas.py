"""Marshmallow schemas of resumable uploads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from market.fields import Int, Length
from market.uploads.models import UploadState


class UploadInputSchema(Schema):
    """A new upload: the file's name (its extension declares its type) and exact size."""

    name = fields.String(required=True, validate=Length(min=1, max=255))
    size = Int(bits=64, required=True, validate=validate.Range(min=1))
    part_size = Int(bits=64, validate=validate.Range(min=1))


class PartsRequestSchema(Schema):
    """Which parts to send next."""

    parts = fields.List(
        Int(),
        required=True,
        validate=Length(min=1, max=1000),
    )


class PartTargetSchema(Schema):
    """Where to ``PUT`` one part: a presigned URL, or the API's part route."""

    number = fields.Integer()
    size = fields.Integer()
    url = fields.String()
    method = fields.Constant("PUT")
    expires = fields.Integer()


class StoredPartSchema(Schema):
    """A part the store holds."""

    number = fields.Integer()
    size = fields.Integer()
    etag = fields.String()


class UploadSessionSchema(Schema):
    """An upload session and what it has become."""

    id = fields.String()
    asset_id = fields.Integer()
    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    part_size = fields.Integer()
    part_count = fields.Integer()
    state = fields.Enum(UploadState, by_value=True)
    parts_through = fields.String(metadata={"description": "object_store or api"})
    stored_parts = fields.List(fields.Nested(StoredPartSchema))
    error = fields.Dict(allow_none=True)
    sha256 = fields.String(allow_none=True)
    version_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
