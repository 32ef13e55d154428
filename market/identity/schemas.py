"""Marshmallow schemas for identity: the API's and the pages' one way to validate input."""

from __future__ import annotations

from babel import Locale
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from market.fields import Length, SingleLine, Text, Website
from market.i18n import LOCALES
from market.identity.credit_code import CreditCodeError
from market.identity.credit_code import validate as validate_credit_code
from market.identity.models import MAINLAND, MemberRole, VerificationState
from market.text import FormSchema

# Codes CLDR lists beside the ISO 3166-1 countries and territories: groupings (EU, UN),
# pseudo-locales (XA, XB), unknown (ZZ), reserved or user-assigned codes. None is a place an
# organisation is registered in or data may be used in.
NOT_TERRITORIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
# ISO 3166-1 alpha-2 codes Babel knows (it lists regions too, which are numeric).
TERRITORIES = sorted(
    code
    for code in Locale("en").territories
    if code.isalpha() and len(code) == 2 and code not in NOT_TERRITORIES
)


class SignUpSchema(Schema):
    """A new account."""

    email = fields.Email(required=True, validate=Length(max=254))
    name = fields.String(required=True, validate=[Length(min=1, max=100), SingleLine()])
    password = fields.String(required=True, load_only=True, validate=Length(min=10, max=128))


class LoginSchema(Schema):
    """Credentials for signing in."""

    email = fields.Email(required=True, validate=Length(max=254))
    password = fields.String(required=True, load_only=True, validate=Length(max=128))


class PasswordChangeSchema(Schema):
    """The current and the new password."""

    current_password = fields.String(required=True, validate=Length(max=128))
    new_password = fields.String(required=True, validate=Length(min=10, max=128))


class PasswordResetRequestSchema(Schema):
    """The address to mail a reset link to."""

    email = fields.Email(required=True, validate=Length(max=254))


class PasswordResetSchema(Schema):
    """A new password, chosen through a reset link."""

    new_password = fields.String(required=True, validate=Length(min=10, max=128))


class LocaleSchema(Schema):
    """A language choice."""

    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))


class OrganisationInputSchema(FormSchema):
    """A new organisation; mainland ones give their unified social credit code."""

    name_zh = fields.String(required=True, validate=[Length(min=2, max=200), SingleLine()])
    name_en = fields.String(required=True, validate=[Length(min=2, max=200), SingleLine()])
    jurisdiction = fields.String(required=True, validate=validate.OneOf(TERRITORIES))
    credit_code = fields.String(load_default=None, allow_none=True, validate=Length(max=18))
    registration_number = fields.String(load_default=None, allow_none=True, validate=Length(max=64))
    website = Website(load_default=None, allow_none=True, validate=Length(max=255))
    description = Text(load_default=None, allow_none=True, validate=Length(max=4000))

    @validates_schema(skip_on_field_errors=False)
    def credit_code_reads(self, data, **_):
        """A mainland credit code's form and check character, judged with the other fields so
        that a form reports them all at once (the service checks the rest: uniqueness)."""
        code = (data.get("credit_code") or "").strip()
        if data.get("jurisdiction") == MAINLAND and code:
            try:
                validate_credit_code(code)
            except CreditCodeError as error:
                raise ValidationError({"credit_code": [str(error)]}) from None


class OrganisationPublicSchema(Schema):
    """What anyone may know about an organisation."""

    id = fields.Integer()
    name_zh = fields.String()
    name_en = fields.String()
    jurisdiction = fields.String()
    website = fields.String(allow_none=True)
    verified = fields.Function(lambda organisation: organisation.is_verified)


class OrganisationSchema(OrganisationPublicSchema):
    """What an organisation's own members (and clients) see of it."""

    credit_code = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    verification_state = fields.Enum(VerificationState, by_value=True)
    created_at = fields.DateTime()


class MemberSchema(Schema):
    """A member of an organisation."""

    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    email = fields.String(attribute="user.email")
    role = fields.Enum(MemberRole, by_value=True)
    created_at = fields.DateTime()


class InvitationInputSchema(Schema):
    """Whom to invite, and with which role."""

    email = fields.Email(required=True, validate=Length(max=254))
    role = fields.Enum(MemberRole, by_value=True, load_default=MemberRole.MEMBER)

    @validates("role")
    def not_owner(self, value, **_):
        """Ownership is not handed out by invitation."""
        if value == MemberRole.OWNER:
            raise ValidationError("Owners cannot be invited; invite an admin.")


class InvitationSchema(Schema):
    """An invitation (the token travels only in the e-mail)."""

    id = fields.Integer()
    email = fields.String(attribute="email_key")
    role = fields.Enum(MemberRole, by_value=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)


class PrincipalSchema(Schema):
    """The API caller, as the token describes it."""

    organisation_id = fields.Integer()
    client_id = fields.String()
    scopes = fields.List(fields.String())
