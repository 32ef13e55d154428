"""Marshmallow schemas for verification: evidence, decisions, the profile, what reviewers see."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from market.fields import Length, Text, Website
from market.identity.models import VerificationState
from market.identity.schemas import TERRITORIES
from market.text import N_, FormSchema
from market.verification.states import REVIEW_DECISIONS, STANDING_DECISIONS, Action


def _text(maximum: int, required: bool = True) -> fields.String:
    if required:
        return fields.String(required=True, validate=Length(min=1, max=maximum))
    return fields.String(load_default=None, allow_none=True, validate=Length(max=maximum))


class VerificationEvidenceInputSchema(FormSchema):
    """The people and places behind an organisation (the licence scan travels as a file)."""

    legal_representative = _text(100)
    registered_address = _text(500)
    contact_name = _text(100)
    contact_email = fields.Email(required=True, validate=Length(max=254))
    contact_phone = fields.String(
        required=True,
        validate=validate.Regexp(r"^\+?[0-9 ()-]{5,40}$", error=N_("Not a phone number.")),
    )
    # For organisations outside the mainland, instead of the unified social credit code.
    registration_number = _text(64, required=False)


class VerificationLicenceUploadSchema(Schema):
    """The business licence scan (營業執照), PDF/JPEG/PNG, as ``multipart/form-data``."""

    licence = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary"})


class VerificationDecisionSchema(FormSchema):
    """A reviewer's decision on an organisation's verification or standing."""

    action = fields.Enum(
        Action,
        by_value=True,
        required=True,
        validate=validate.OneOf([*REVIEW_DECISIONS, *STANDING_DECISIONS]),
    )
    reason = Text(load_default=None, allow_none=True, validate=Length(max=4000))
    acknowledge_open_orders = fields.Boolean(load_default=False)


class VerificationReviewQuerySchema(Schema):
    """Filter the review queue by state (by default: waiting for a reviewer)."""

    state = fields.Enum(VerificationState, by_value=True, load_default=None)


class ProfileUpdateSchema(FormSchema):
    """Changes to an organisation's profile; legal details of a verified one go to review."""

    name_zh = fields.String(validate=Length(min=2, max=200))
    name_en = fields.String(validate=Length(min=2, max=200))
    jurisdiction = fields.String(validate=validate.OneOf(TERRITORIES))
    credit_code = fields.String(allow_none=True, validate=Length(max=18))
    registration_number = fields.String(allow_none=True, validate=Length(max=64))
    website = Website(allow_none=True, validate=Length(max=255))
    description = Text(allow_none=True, validate=Length(max=4000))


class VerificationEventSchema(Schema):
    """One move of a verification."""

    action = fields.String()
    from_state = fields.Enum(VerificationState, by_value=True)
    to_state = fields.Enum(VerificationState, by_value=True)
    actor = fields.String()
    user = fields.String(attribute="user.name", allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class VerificationRequestSchema(Schema):
    """One submission of evidence and its outcome."""

    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    jurisdiction = fields.String()
    credit_code = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    legal_representative = fields.String()
    registered_address = fields.String()
    contact_name = fields.String()
    contact_email = fields.String()
    contact_phone = fields.String()
    licence_name = fields.String()
    licence_media_type = fields.String()
    licence_size = fields.Integer()
    licence_sha256 = fields.String()
    submitted_at = fields.DateTime()
    outcome = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class VerificationStatusSchema(Schema):
    """An organisation's verification: its state, submissions and history."""

    organisation_id = fields.Integer(attribute="organisation.id")
    name_zh = fields.String(attribute="organisation.name_zh")
    name_en = fields.String(attribute="organisation.name_en")
    jurisdiction = fields.String(attribute="organisation.jurisdiction")
    state = fields.Enum(
        VerificationState, by_value=True, attribute="organisation.verification_state"
    )
    verified_at = fields.DateTime(attribute="organisation.verified_at")
    allowed_actions = fields.List(fields.String())
    requests = fields.List(fields.Nested(VerificationRequestSchema))
    history = fields.List(fields.Nested(VerificationEventSchema))


class VerificationQueueItemSchema(Schema):
    """An organisation in the review queue."""

    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    jurisdiction = fields.String()
    state = fields.Enum(VerificationState, by_value=True, attribute="verification_state")
    created_at = fields.DateTime()
