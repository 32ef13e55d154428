"""Marshmallow schemas for the registry: one way to validate, for the API and the pages."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from market.db import utcnow
from market.fields import Date, Id, Int, Length, SingleLine, Text
from market.registry import regions
from market.registry.certificates import effective_status
from market.registry.models import (
    REGION_LABELS,
    AssetKind,
    ClaimState,
    Industry,
    LegalBasis,
    ObjectionState,
    PersonalInfo,
    Right,
    SourceKind,
    UpdateFrequency,
)
from market.registry.states import REVIEW_DECISIONS, Action
from market.text import N_, FormSchema

#: A region close to one the exchange knows (market.forms translates it by its shape).
DID_YOU_MEAN = "Did you mean {suggestion}? Must be one of: {choices}."

SEPARATORS = re.compile(r"[,，;；、\n]+")


class WordList(fields.List):
    """A list of short strings; a form may send them as one comma-separated text."""

    def __init__(self, **kwargs) -> None:
        super().__init__(fields.String(validate=Length(min=1, max=200)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # A form sends "a, b" (possibly as a one-item list, see market.forms.parse_form).
        texts = [value] if isinstance(value, str) else value
        if isinstance(texts, list) and all(isinstance(text, str) for text in texts):
            value = [w.strip() for text in texts for w in SEPARATORS.split(text) if w.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


class ColumnSchema(Schema):
    """One column of a tabular data product."""

    name = fields.String(required=True, validate=[Length(min=1, max=100), SingleLine()])
    type = fields.String(required=True, validate=Length(min=1, max=50))
    description = fields.String(load_default="", validate=Length(max=500))


class ColumnList(fields.List):
    """The field schema; a form sends one ``name: type: description`` line per column."""

    def __init__(self, **kwargs) -> None:
        super().__init__(fields.Nested(ColumnSchema), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            value = "\n".join(value)
        if isinstance(value, str):
            rows = []
            for line in value.splitlines():
                if not line.strip():
                    continue
                parts = [part.strip() for part in line.split(":", 2)]
                if len(parts) < 2:
                    raise ValidationError(N_("Write each column as name: type: description."))
                rows.append({"name": parts[0], "type": parts[1], "description": "".join(parts[2:])})
            value = rows
        return super()._deserialize(value, attr, data, **kwargs)


class RegionCode(fields.String):
    """A region code such as ``shenzhen`` or ``greater_bay_area``, or the region's name as
    people write it (``Hong Kong``, ``hong-kong``, 香港, 香港特別行政區: case, width and script
    forgiven, :mod:`market.registry.regions`), read as its code; anything else is refused with
    the codes, and the one meant when it is close to a code or a name."""

    def __init__(self, **kwargs) -> None:
        codes = sorted(REGION_LABELS)
        super().__init__(
            validate=validate.OneOf(codes),
            metadata={
                "description": "A region code: the area the data covers. The same codes name a"
                " listing's coverage region and the search facet; a code of the region as a"
                " whole (guangdong, greater_bay_area, national, global) for wider data. The"
                " region's name in Chinese or English (香港, 香港特別行政區, Hong Kong) is read"
                " as its code.",
            },
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        code = regions.region_code(text)
        if code is not None:
            return code
        close = regions.close_region(text)
        if close is not None:
            raise ValidationError(
                DID_YOU_MEAN.format(suggestion=close, choices=", ".join(sorted(REGION_LABELS)))
            )
        return text  # refused by the codes' OneOf, which lists them


def _optional(field):
    field.allow_none = True
    field.load_default = None
    return field


class AssetInputSchema(FormSchema):
    """A new asset: DCAT-like metadata in Chinese and English."""

    kind = fields.Enum(AssetKind, by_value=True, required=True)
    title_zh = fields.String(required=True, validate=[Length(min=2, max=200), SingleLine()])
    title_en = fields.String(required=True, validate=[Length(min=2, max=200), SingleLine()])
    description_zh = _optional(Text(validate=Length(max=10000)))
    description_en = _optional(Text(validate=Length(max=10000)))
    keywords = WordList(load_default=list, validate=Length(max=30))
    industry = fields.Enum(Industry, by_value=True, required=True)
    temporal_start = _optional(Date(min_year=1000))
    temporal_end = _optional(Date(min_year=1000))
    spatial_coverage = _optional(RegionCode())
    update_frequency = _optional(fields.Enum(UpdateFrequency, by_value=True))
    data_format = _optional(fields.String(validate=Length(max=64)))
    record_count = _optional(Int(bits=64, strict=False, validate=validate.Range(min=0)))
    field_schema = _optional(ColumnList(validate=Length(max=500)))
    creator = _optional(fields.String(validate=Length(max=200)))
    work_type = _optional(fields.String(validate=Length(max=100)))
    creation_date = _optional(Date(min_year=1000))
    copyright_registration_number = _optional(fields.String(validate=Length(max=64)))
    provenance = _optional(Text(validate=Length(max=10000)))
    personal_info = fields.Enum(PersonalInfo, by_value=True, load_default=PersonalInfo.NONE)
    legal_basis = _optional(fields.Enum(LegalBasis, by_value=True))
    important_data = fields.Boolean(load_default=False)


class AssetFileSchema(Schema):
    """A file of a version."""

    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class AssetVersionSchema(Schema):
    """A version: its fingerprint (Merkle root) and files."""

    number = fields.Integer()
    fingerprint = fields.String()
    total_bytes = fields.Integer()
    created_at = fields.DateTime()
    files = fields.List(fields.Nested(AssetFileSchema))


class AssetSchema(AssetInputSchema):
    """An asset as its organisation sees it."""

    class Meta:
        dump_only = ("id", "organisation_id", "created_at", "versions")

    id = fields.Integer()
    organisation_id = fields.Integer()
    created_at = fields.DateTime()
    versions = fields.List(fields.Nested(AssetVersionSchema))


class UploadSchema(Schema):
    """Files sent as ``multipart/form-data`` under the ``file`` field (repeatable)."""

    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True)


class ObjectionFilesSchema(Schema):
    """Evidence files for an objection (``file``, repeatable, optional)."""

    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}))


class EvidenceUploadSchema(Schema):
    """An evidence document, sent as ``multipart/form-data``."""

    evidence = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ClaimInputSchema(FormSchema):
    """A new draft claim on an asset's version (the latest if not given)."""

    asset_id = Id(required=True)
    version = _optional(Int(strict=False, validate=validate.Range(min=1)))
    rights = fields.List(
        fields.Enum(Right, by_value=True),
        required=True,
        validate=Length(min=1, error=N_("Name at least one right.")),
    )
    source = fields.Enum(SourceKind, by_value=True, required=True)
    source_note = _optional(fields.String(validate=Length(max=4000)))
    source_references = WordList(load_default=list, validate=Length(max=50))

    @validates_schema(skip_on_field_errors=False)
    def derived_names_its_sources(self, data, **_):
        """Judged with the other fields, so that a form reports it beside a missing right (the
        service checks it again for a claim changed later)."""
        if data.get("source") == SourceKind.DERIVED and not data.get("source_references"):
            raise ValidationError(
                {"source_references": [N_("A derived asset must name the assets it derives from.")]}
            )


class ClaimUpdateSchema(Schema):
    """Changes to a draft, or to a claim asked for more information."""

    version = Int(strict=False, validate=validate.Range(min=1))
    rights = fields.List(fields.Enum(Right, by_value=True))
    source = fields.Enum(SourceKind, by_value=True)
    source_note = Text(allow_none=True, validate=Length(max=4000))
    source_references = WordList(validate=Length(max=50))


class ReasonSchema(Schema):
    """A free-text reason for a move (optional unless the move needs one)."""

    reason = Text(load_default=None, allow_none=True, validate=Length(max=4000))


class DecisionSchema(ReasonSchema):
    """A reviewer's decision on a claim."""

    action = fields.Enum(
        Action,
        by_value=True,
        required=True,
        validate=validate.OneOf(list(REVIEW_DECISIONS)),
    )
    # Needed (true, with a reason) to approve a claim flagged in conflict with another's.
    acknowledge_conflicts = fields.Boolean(load_default=False)


class ObjectionDecisionSchema(ReasonSchema):
    """A reviewer's decision on an objection."""

    decision = fields.String(required=True, validate=validate.OneOf(["uphold", "dismiss"]))


class ObjectionInputSchema(Schema):
    """An objection: the objecting organisation's reasons (evidence files alongside)."""

    reasons = Text(required=True, validate=Length(min=10, max=10000))
    organisation_id = Id(load_default=None, allow_none=True)


class EvidenceSchema(Schema):
    """An evidence document (its content stays with the exchange)."""

    id = fields.Integer()
    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class ClaimEventSchema(Schema):
    """One move of a claim."""

    action = fields.String()
    from_state = fields.Enum(ClaimState, by_value=True)
    to_state = fields.Enum(ClaimState, by_value=True)
    actor = fields.String()
    user_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class ConflictSchema(Schema):
    """Content this claim shares with another organisation's claim."""

    other_claim_id = fields.Integer()
    other_organisation_id = fields.Integer(attribute="other_claim.organisation_id")
    kind = fields.String()
    sha256 = fields.String()


class ObjectionSchema(Schema):
    """An objection to a claim in public notice."""

    id = fields.Integer()
    claim_id = fields.Integer()
    organisation_id = fields.Integer()
    reasons = fields.String()
    state = fields.Enum(ObjectionState, by_value=True)
    filed_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema))


class ClaimSchema(Schema):
    """A claim with its history, evidence, conflicts and objections."""

    id = fields.Integer()
    asset_id = fields.Integer()
    organisation_id = fields.Integer()
    version = fields.Integer(attribute="version.number")
    fingerprint = fields.String(attribute="version.fingerprint")
    rights = fields.List(fields.String())
    source = fields.Enum(SourceKind, by_value=True)
    source_note = fields.String(allow_none=True)
    source_references = fields.List(fields.String())
    state = fields.Enum(ClaimState, by_value=True)
    notice_starts_at = fields.DateTime(allow_none=True)
    notice_ends_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    certificate_number = fields.Function(
        lambda claim: claim.certificate.number if claim.certificate else None
    )
    events = fields.List(fields.Nested(ClaimEventSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))
    conflicts = fields.List(fields.Nested(ConflictSchema))
    objections = fields.List(fields.Nested(ObjectionSchema))


class OwnClaimSchema(ClaimSchema):
    """A claim as its own organisation sees it: conflicts name other organisations' claims,
    which may not be public yet, so only reviewers see them."""

    class Meta:
        exclude = ("conflicts",)


class ClaimQuerySchema(Schema):
    """Filters of the review queue."""

    state = fields.Enum(ClaimState, by_value=True, load_default=None)
    conflicts = fields.Boolean(load_default=None)


class NoticeSchema(Schema):
    """A claim in public notice, as the public sees it."""

    claim_id = fields.Integer(attribute="id")
    holder_zh = fields.String(attribute="organisation.name_zh")
    holder_en = fields.String(attribute="organisation.name_en")
    title_zh = fields.String(attribute="asset.title_zh")
    title_en = fields.String(attribute="asset.title_en")
    kind = fields.String(attribute="asset.kind")
    rights = fields.List(fields.String())
    fingerprint = fields.String(attribute="version.fingerprint")
    notice_starts_at = fields.DateTime()
    notice_ends_at = fields.DateTime()


class CertificateSchema(Schema):
    """A certificate, as anyone verifying it sees it (``status`` may read ``expired``)."""

    number = fields.String()
    status = fields.Function(lambda certificate: effective_status(certificate, utcnow()))
    holder_zh = fields.String(attribute="organisation.name_zh")
    holder_en = fields.String(attribute="organisation.name_en")
    asset_title_zh = fields.String(attribute="asset.title_zh")
    asset_title_en = fields.String(attribute="asset.title_en")
    asset_version = fields.Integer(attribute="version.number")
    fingerprint = fields.String()
    rights = fields.List(fields.String())
    issued_at = fields.DateTime()
    valid_until = fields.DateTime()
    status_changed_at = fields.DateTime(allow_none=True)
    status_reason = fields.String(allow_none=True)


class FileCheckSchema(Schema):
    """A file's SHA-256 to check against a certified version."""

    sha256 = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="not a SHA-256 hex")
    )


class FileCheckResultSchema(Schema):
    """Whether a file belongs to the certified version."""

    number = fields.String()
    sha256 = fields.String()
    belongs = fields.Boolean()
    file_name = fields.String(allow_none=True)
    status = fields.String()


class ChainHeadSchema(Schema):
    """The registry log's head: keep it to detect a rewritten history later."""

    seq = fields.Integer()
    hash = fields.String()
    updated_at = fields.DateTime(allow_none=True)


class RevocationSchema(Schema):
    """Why a certificate is revoked."""

    reason = Text(required=True, validate=Length(min=2, max=4000))
