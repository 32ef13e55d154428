"""Registry models: assets and versions, rights claims and their history, certificates, the log."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User
from market.text import N_


class AssetKind(enum.StrEnum):
    """What an asset is: a data product or a digital cultural asset."""

    DATASET = "dataset"
    DATA_SERVICE = "data_service"
    DATA_REPORT = "data_report"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    MODEL_3D = "model_3d"
    TEXT = "text"

    @property
    def is_cultural(self) -> bool:
        """Digital cultural assets carry copyright and licensing rights, not the three rights."""
        return self in CULTURAL_KINDS


CULTURAL_KINDS = frozenset(
    {AssetKind.IMAGE, AssetKind.AUDIO, AssetKind.VIDEO, AssetKind.MODEL_3D, AssetKind.TEXT}
)

ASSET_KIND_LABELS = {
    AssetKind.DATASET: N_("Dataset"),
    AssetKind.DATA_SERVICE: N_("Data service / API"),
    AssetKind.DATA_REPORT: N_("Data report"),
    AssetKind.IMAGE: N_("Image"),
    AssetKind.AUDIO: N_("Audio"),
    AssetKind.VIDEO: N_("Video"),
    AssetKind.MODEL_3D: N_("3D model"),
    AssetKind.TEXT: N_("Text"),
}


class Industry(enum.StrEnum):
    """Industry category of an asset."""

    FINANCE = "finance"
    HEALTHCARE = "healthcare"
    TRANSPORT = "transport"
    METEOROLOGY = "meteorology"
    EDUCATION = "education"
    CULTURE_TOURISM = "culture_tourism"
    MANUFACTURING = "manufacturing"
    GOVERNMENT = "government"
    ENERGY = "energy"
    AGRICULTURE = "agriculture"
    OTHER = "other"


INDUSTRY_LABELS = {
    Industry.FINANCE: N_("Financial services"),
    Industry.HEALTHCARE: N_("Healthcare"),
    Industry.TRANSPORT: N_("Transport"),
    Industry.METEOROLOGY: N_("Meteorology"),
    Industry.EDUCATION: N_("Education"),
    Industry.CULTURE_TOURISM: N_("Culture and tourism"),
    Industry.MANUFACTURING: N_("Manufacturing"),
    Industry.GOVERNMENT: N_("Government"),
    Industry.ENERGY: N_("Energy"),
    Industry.AGRICULTURE: N_("Agriculture"),
    Industry.OTHER: N_("Other"),
}

# Where an asset's data is about (its spatial coverage) and a listing's coverage region: codes
# the exchange knows by name. Listings and search facets use the same codes.
REGION_LABELS = {
    "national": N_("Nationwide"),
    "shenzhen": N_("Shenzhen"),
    "guangzhou": N_("Guangzhou"),
    "guangdong": N_("Guangdong"),
    "dongguan": N_("Dongguan"),
    "foshan": N_("Foshan"),
    "zhuhai": N_("Zhuhai"),
    "hangzhou": N_("Hangzhou"),
    "greater_bay_area": N_("Greater Bay Area"),
    "hong_kong": N_("Hong Kong"),
    "macao": N_("Macao"),
    "beijing": N_("Beijing"),
    "shanghai": N_("Shanghai"),
    "zhejiang": N_("Zhejiang"),
    "gansu": N_("Gansu"),
    "global": N_("Global"),
}


class UpdateFrequency(enum.StrEnum):
    """How often the data is refreshed."""

    ONCE = "once"
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


UPDATE_FREQUENCY_LABELS = {
    UpdateFrequency.ONCE: N_("One-off"),
    UpdateFrequency.REALTIME: N_("Real time"),
    UpdateFrequency.DAILY: N_("Daily"),
    UpdateFrequency.WEEKLY: N_("Weekly"),
    UpdateFrequency.MONTHLY: N_("Monthly"),
    UpdateFrequency.QUARTERLY: N_("Quarterly"),
    UpdateFrequency.YEARLY: N_("Yearly"),
    UpdateFrequency.IRREGULAR: N_("Irregularly"),
}


class PersonalInfo(enum.StrEnum):
    """Whether and what kind of personal information the asset contains (PIPL)."""

    NONE = "none"
    DEIDENTIFIED = "deidentified"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


PERSONAL_INFO_LABELS = {
    PersonalInfo.NONE: N_("No personal information"),
    PersonalInfo.DEIDENTIFIED: N_("De-identified personal information"),
    PersonalInfo.PERSONAL: N_("Personal information"),
    PersonalInfo.SENSITIVE: N_("Sensitive personal information"),
}


class LegalBasis(enum.StrEnum):
    """The legal basis for processing personal information in the asset."""

    CONSENT = "consent"
    CONTRACT = "contract"
    PUBLIC_DATA_AUTHORISATION = "public_data_authorisation"
    STATUTORY_DUTY = "statutory_duty"
    PUBLICLY_DISCLOSED = "publicly_disclosed"


LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: N_("Consent of the individuals"),
    LegalBasis.CONTRACT: N_("Necessary for a contract"),
    LegalBasis.PUBLIC_DATA_AUTHORISATION: N_("Authorised operation of public data"),
    LegalBasis.STATUTORY_DUTY: N_("Statutory duty"),
    LegalBasis.PUBLICLY_DISCLOSED: N_("Information already lawfully disclosed"),
}


class Right(enum.StrEnum):
    """A right a claim names: the three rights (三權分置), or copyright and licensing."""

    HOLDING = "holding"
    PROCESSING_USE = "processing_use"
    PRODUCT_OPERATION = "product_operation"
    COPYRIGHT = "copyright"
    LICENSING = "licensing"


DATA_RIGHTS = frozenset({Right.HOLDING, Right.PROCESSING_USE, Right.PRODUCT_OPERATION})
CULTURAL_RIGHTS = frozenset({Right.COPYRIGHT, Right.LICENSING})

RIGHT_LABELS = {
    Right.HOLDING: N_("Data resource holding right"),
    Right.PROCESSING_USE: N_("Data processing and use right"),
    Right.PRODUCT_OPERATION: N_("Data product operation right"),
    Right.COPYRIGHT: N_("Copyright"),
    Right.LICENSING: N_("Licensing right"),
}


class SourceKind(enum.StrEnum):
    """Where the claimant's data came from."""

    SELF_COLLECTED = "self_collected"
    PUBLIC_DATA_AUTHORISED = "public_data_authorised"
    PURCHASED = "purchased"
    DERIVED = "derived"


SOURCE_LABELS = {
    SourceKind.SELF_COLLECTED: N_("Self-collected"),
    SourceKind.PUBLIC_DATA_AUTHORISED: N_("Authorised public data"),
    SourceKind.PURCHASED: N_("Purchased"),
    SourceKind.DERIVED: N_("Derived from other assets"),
}


class ClaimState(enum.StrEnum):
    """Where a rights claim stands; the allowed moves are the table in ``states``."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    INFO_REQUESTED = "info_requested"
    RESUBMITTED = "resubmitted"
    PUBLIC_NOTICE = "public_notice"
    REJECTED = "rejected"
    FAILED = "failed"
    CERTIFIED = "certified"
    WITHDRAWN = "withdrawn"


CLAIM_STATE_LABELS = {
    ClaimState.DRAFT: N_("Draft"),
    ClaimState.SUBMITTED: N_("Submitted"),
    ClaimState.UNDER_REVIEW: N_("Under review"),
    ClaimState.INFO_REQUESTED: N_("More information requested"),
    ClaimState.RESUBMITTED: N_("Resubmitted"),
    ClaimState.PUBLIC_NOTICE: N_("Approved, in public notice"),
    ClaimState.REJECTED: N_("Rejected"),
    ClaimState.FAILED: N_("Failed after an upheld objection"),
    ClaimState.CERTIFIED: N_("Certificate issued"),
    ClaimState.WITHDRAWN: N_("Withdrawn"),
}


class ObjectionState(enum.StrEnum):
    """Where an objection stands."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    MOOT = "moot"  # another objection was upheld first; the claim failed anyway


OBJECTION_STATE_LABELS = {
    ObjectionState.OPEN: N_("Open"),
    ObjectionState.UPHELD: N_("Upheld"),
    ObjectionState.DISMISSED: N_("Dismissed"),
    ObjectionState.MOOT: N_("Moot (the claim failed on another objection)"),
}


class CertificateStatus(enum.StrEnum):
    """A certificate's status."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.VALID: N_("Valid"),
    CertificateStatus.REVOKED: N_("Revoked"),
    CertificateStatus.SUPERSEDED: N_("Superseded"),
}


class Asset(Base):
    """A data product or digital cultural asset, described with DCAT-like metadata."""

    __tablename__ = "registry_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    kind: Mapped[AssetKind] = mapped_column(enum_type(AssetKind))
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_zh: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    keywords: Mapped[list] = mapped_column(sa.JSON, default=list)
    industry: Mapped[Industry] = mapped_column(enum_type(Industry))
    temporal_start: Mapped[date | None]
    temporal_end: Mapped[date | None]
    spatial_coverage: Mapped[str | None] = mapped_column(sa.String(200))
    update_frequency: Mapped[UpdateFrequency | None] = mapped_column(enum_type(UpdateFrequency))
    data_format: Mapped[str | None] = mapped_column(sa.String(64))
    record_count: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Tabular data: [{"name", "type", "description"}, ...]
    field_schema: Mapped[list | None] = mapped_column(sa.JSON)
    # Digital cultural assets.
    creator: Mapped[str | None] = mapped_column(sa.String(200))
    work_type: Mapped[str | None] = mapped_column(sa.String(100))
    creation_date: Mapped[date | None]
    copyright_registration_number: Mapped[str | None] = mapped_column(sa.String(64))
    provenance: Mapped[str | None] = mapped_column(sa.Text)
    # Personal information and important data.
    personal_info: Mapped[PersonalInfo] = mapped_column(
        enum_type(PersonalInfo), default=PersonalInfo.NONE
    )
    legal_basis: Mapped[LegalBasis | None] = mapped_column(enum_type(LegalBasis))
    important_data: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    versions: Mapped[list[AssetVersion]] = relationship(
        back_populates="asset", order_by="AssetVersion.number"
    )

    @property
    def latest_version(self) -> AssetVersion | None:
        """The newest version, if any file was uploaded."""
        return self.versions[-1] if self.versions else None

    def title(self, locale: str | None) -> str:
        """The title in the reader's language."""
        return self.title_zh if (locale or "").startswith("zh") else self.title_en


class AssetVersion(Base):
    """An immutable set of files; its fingerprint is the Merkle root of their SHA-256 hashes."""

    __tablename__ = "registry_asset_versions"
    __table_args__ = (sa.UniqueConstraint("asset_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"))
    number: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    total_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="versions")
    files: Mapped[list[AssetFile]] = relationship(
        back_populates="version", order_by="AssetFile.name"
    )


class AssetFile(Base):
    """One file of a version; its content lives in the file store under ``storage_key``."""

    __tablename__ = "registry_asset_files"
    __table_args__ = (sa.UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[AssetVersion] = relationship(back_populates="files")


class Claim(Base):
    """A rights claim (確權申請) on one version of an asset, by the asset's organisation."""

    __tablename__ = "registry_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    rights: Mapped[list] = mapped_column(sa.JSON)
    source: Mapped[SourceKind] = mapped_column(enum_type(SourceKind))
    source_note: Mapped[str | None] = mapped_column(sa.Text)
    # Certificate numbers or descriptions of the assets this one derives from.
    source_references: Mapped[list] = mapped_column(sa.JSON, default=list)
    state: Mapped[ClaimState] = mapped_column(enum_type(ClaimState), index=True)
    notice_starts_at: Mapped[datetime | None]
    notice_ends_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    asset: Mapped[Asset] = relationship()
    version: Mapped[AssetVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        primaryjoin="and_(Evidence.claim_id == Claim.id, Evidence.objection_id.is_(None))",
        order_by="Evidence.id",
        viewonly=True,
    )
    objections: Mapped[list[Objection]] = relationship(
        back_populates="claim", order_by="Objection.id"
    )
    conflicts: Mapped[list[ClaimConflict]] = relationship(
        foreign_keys="ClaimConflict.claim_id", order_by="ClaimConflict.id", viewonly=True
    )
    certificate: Mapped[Certificate | None] = relationship(back_populates="claim")


class ClaimEvent(Base):
    """One move of a claim: who, when, why, from which state to which."""

    __tablename__ = "registry_claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[ClaimState] = mapped_column(enum_type(ClaimState))
    to_state: Mapped[ClaimState] = mapped_column(enum_type(ClaimState))
    actor: Mapped[str] = mapped_column(sa.String(16))  # provider / reviewer / system
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class Objection(Base):
    """An objection (異議) to a claim in public notice, filed by another organisation."""

    __tablename__ = "registry_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[ObjectionState] = mapped_column(enum_type(ObjectionState))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    claim: Mapped[Claim] = relationship(back_populates="objections")
    organisation: Mapped[Organisation] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(order_by="Evidence.id", viewonly=True)


class Evidence(Base):
    """A document supporting a claim (or an objection), hashed and stored like asset files."""

    __tablename__ = "registry_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registry_objections.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimConflict(Base):
    """Content of ``claim`` that another organisation's claim (``other_claim``) also covers."""

    __tablename__ = "registry_claim_conflicts"
    __table_args__ = (sa.UniqueConstraint("claim_id", "other_claim_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"))
    other_claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))  # fingerprint / file
    sha256: Mapped[str] = mapped_column(sa.String(64))
    found_at: Mapped[datetime] = mapped_column(default=utcnow)

    other_claim: Mapped[Claim] = relationship(foreign_keys=[other_claim_id])


class Certificate(Base):
    """A registration certificate (登記證書), verifiable by anyone by its number."""

    __tablename__ = "registry_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_claims.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    rights: Mapped[list] = mapped_column(sa.JSON)
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    status: Mapped[CertificateStatus] = mapped_column(enum_type(CertificateStatus))
    status_changed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    claim: Mapped[Claim] = relationship(back_populates="certificate")
    organisation: Mapped[Organisation] = relationship()
    asset: Mapped[Asset] = relationship()
    version: Mapped[AssetVersion] = relationship()


class CertificateCounter(Base):
    """The last certificate serial of a year; its row is locked while a number is taken."""

    __tablename__ = "registry_certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class RegistryEvent(Base):
    """One link of the registry log: a SHA-256 hash chain over every registry event."""

    __tablename__ = "registry_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class RegistryHead(Base):
    """The chain head (one row): locked by each appender, so links are added one at a time."""

    __tablename__ = "registry_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime | None]
