"""Listing models: listings (掛牌) and their revisions, plans, samples, compliance reviews,
demands (求購) and their matches, and in-app notifications.

A :class:`Listing` is the stable offer (provider, asset); each material change is a new
:class:`ListingRevision`. The live revision is the one on sale, searched and referenced by
orders; a newer revision can sit in compliance review while the live one keeps selling.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User
from market.registry.models import Asset, AssetVersion, Certificate, Industry
from market.text import N_


class ListingStatus(enum.StrEnum):
    """Where a listing stands; the allowed moves are the table in ``states``."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    DELISTED = "delisted"


LISTING_STATUS_LABELS = {
    ListingStatus.DRAFT: N_("Draft"),
    ListingStatus.IN_REVIEW: N_("In compliance review"),
    ListingStatus.PUBLISHED: N_("Published"),
    ListingStatus.SUSPENDED: N_("Suspended"),
    ListingStatus.DELISTED: N_("Delisted"),
}


class RevisionState(enum.StrEnum):
    """Where one revision of a listing stands."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    LIVE = "live"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


REVISION_STATE_LABELS = {
    RevisionState.DRAFT: N_("Draft"),
    RevisionState.IN_REVIEW: N_("In compliance review"),
    RevisionState.CHANGES_REQUESTED: N_("Changes requested"),
    RevisionState.LIVE: N_("Published"),
    RevisionState.SUPERSEDED: N_("Superseded"),
    RevisionState.WITHDRAWN: N_("Withdrawn"),
}


class DeliveryMethod(enum.StrEnum):
    """How a buyer receives the product."""

    DOWNLOAD = "download"
    API = "api"


DELIVERY_LABELS = {DeliveryMethod.DOWNLOAD: N_("File download"), DeliveryMethod.API: N_("API")}


class PlanKind(enum.StrEnum):
    """A pricing plan's kind."""

    ONE_TIME = "one_time"
    SUBSCRIPTION = "subscription"
    USAGE_PACKAGE = "usage_package"
    PRIVATE_OFFER = "private_offer"


PLAN_KIND_LABELS = {
    PlanKind.ONE_TIME: N_("One-time licence"),
    PlanKind.SUBSCRIPTION: N_("Subscription"),
    PlanKind.USAGE_PACKAGE: N_("Prepaid usage package"),
    PlanKind.PRIVATE_OFFER: N_("Private offer"),
}


class BillingPeriod(enum.StrEnum):
    """The period of a subscription."""

    MONTH = "month"
    YEAR = "year"


class UsageScenario(enum.StrEnum):
    """What a buyer declares it will use data for; licence terms permit a set of them."""

    RESEARCH = "research"
    INTERNAL_ANALYTICS = "internal_analytics"
    MODEL_TRAINING = "model_training"
    PRODUCT_DEVELOPMENT = "product_development"
    RISK_CONTROL = "risk_control"
    MARKETING = "marketing"
    PUBLIC_SERVICE = "public_service"
    MEDIA_PUBLICATION = "media_publication"


SCENARIO_LABELS = {
    UsageScenario.RESEARCH: N_("Scientific research"),
    UsageScenario.INTERNAL_ANALYTICS: N_("Internal analytics"),
    UsageScenario.MODEL_TRAINING: N_("AI model training"),
    UsageScenario.PRODUCT_DEVELOPMENT: N_("Product development"),
    UsageScenario.RISK_CONTROL: N_("Risk control"),
    UsageScenario.MARKETING: N_("Marketing"),
    UsageScenario.PUBLIC_SERVICE: N_("Public service"),
    UsageScenario.MEDIA_PUBLICATION: N_("Media and publication"),
}


class PersonalInfoHandling(enum.StrEnum):
    """The checklist's finding on personal information."""

    NONE = "none"
    DEIDENTIFIED = "deidentified"
    LAWFUL_BASIS = "lawful_basis"


class CrossBorderPathway(enum.StrEnum):
    """The pathway for data leaving the mainland (2024 CAC provisions)."""

    EXEMPT = "exempt"
    STANDARD_CONTRACT = "standard_contract"
    CERTIFICATION = "certification"
    SECURITY_ASSESSMENT = "security_assessment"


PATHWAY_LABELS = {
    CrossBorderPathway.EXEMPT: N_("Exempt under the 2024 CAC provisions"),
    CrossBorderPathway.STANDARD_CONTRACT: N_("Standard contract filing"),
    CrossBorderPathway.CERTIFICATION: N_("Personal information protection certification"),
    CrossBorderPathway.SECURITY_ASSESSMENT: N_("CAC security assessment"),
}


class ReviewDecision(enum.StrEnum):
    """A compliance reviewer's decision on a revision."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class DemandStatus(enum.StrEnum):
    """Where a demand stands."""

    OPEN = "open"
    CLOSED = "closed"


class Listing(Base):
    """A listing (掛牌): a provider's offer of one asset, through its revisions."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"), index=True)
    status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus), index=True)
    # The revision on sale (set from the first approval on; kept while suspended/delisted).
    live_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listing_revisions.id", use_alter=True)
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    asset: Mapped[Asset] = relationship()
    revisions: Mapped[list[ListingRevision]] = relationship(
        back_populates="listing",
        order_by="ListingRevision.number",
        foreign_keys="ListingRevision.listing_id",
    )
    live_revision: Mapped[ListingRevision | None] = relationship(
        foreign_keys=[live_revision_id], post_update=True
    )
    feature: Mapped[FeaturedListing | None] = relationship(
        back_populates="listing", cascade="all, delete-orphan"
    )

    @property
    def featured(self) -> bool:
        """Whether exchange staff show it on the home page."""
        return self.feature is not None

    @property
    def is_outbound(self) -> bool:
        """Whether selling the data outside the provider's jurisdiction is a transfer out of
        mainland China (數據出境), the one the mainland's cross-border data rules govern: only
        a mainland provider's data leaves the mainland. A Hong Kong, Macao or foreign
        provider's data sold to anyone, the mainland included, is not an outbound transfer
        under those rules, so its compliance review records no export pathway."""
        return self.organisation.is_mainland

    def is_abroad_for(self, buyer: Organisation) -> bool:
        """Whether ``buyer`` is registered outside the provider's jurisdiction, so that its
        purchase is use of the data outside it (mainland → Hong Kong counts, and so does
        Macao → mainland)."""
        return buyer.jurisdiction != self.organisation.jurisdiction

    @property
    def latest_revision(self) -> ListingRevision:
        """The newest revision (a draft or one in review, or the live one)."""
        return self.revisions[-1]

    @property
    def pending_revision(self) -> ListingRevision | None:
        """A revision newer than the live one, not yet decided or sent back for changes."""
        latest = self.latest_revision
        return None if latest.state in (RevisionState.LIVE, RevisionState.SUPERSEDED) else latest


class ListingRevision(Base):
    """One version of a listing's offer: what is sold, under which terms, how it is delivered.

    Immutable once submitted for review; a material change is a new revision.
    """

    __tablename__ = "listing_revisions"
    __table_args__ = (sa.UniqueConstraint("listing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"))
    number: Mapped[int]
    state: Mapped[RevisionState] = mapped_column(enum_type(RevisionState), index=True)
    asset_version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_certificates.id"))
    # The rights on offer (values of registry Right); the certificate must record each.
    rights: Mapped[list] = mapped_column(sa.JSON)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_zh: Mapped[str] = mapped_column(sa.Text)
    description_en: Mapped[str] = mapped_column(sa.Text)
    keywords: Mapped[list] = mapped_column(sa.JSON, default=list)
    category: Mapped[Industry] = mapped_column(enum_type(Industry))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_type(DeliveryMethod))
    region: Mapped[str] = mapped_column(sa.String(64))
    coverage_from: Mapped[int | None]
    coverage_to: Mapped[int | None]
    # Licence terms (see ``terms.py``): scenarios, duration, territory, cross-border, ...
    terms: Mapped[dict] = mapped_column(sa.JSON)
    # The number of a valuation report the listing cites (checked in compliance review).
    valuation_report_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    listing: Mapped[Listing] = relationship(back_populates="revisions", foreign_keys=[listing_id])
    asset_version: Mapped[AssetVersion] = relationship()
    certificate: Mapped[Certificate] = relationship()
    plans: Mapped[list[Plan]] = relationship(
        back_populates="revision", order_by="Plan.id", cascade="all, delete-orphan"
    )
    samples: Mapped[list[Sample]] = relationship(
        back_populates="revision", order_by="Sample.id", cascade="all, delete-orphan"
    )
    review: Mapped[ComplianceReview | None] = relationship(back_populates="revision")

    @property
    def public_plans(self) -> list[Plan]:
        """The plans anyone may buy (private offers are for their buyer only)."""
        return [plan for plan in self.plans if plan.kind != PlanKind.PRIVATE_OFFER]

    def plans_for(self, organisation_ids, now: datetime) -> list[Plan]:
        """The plans these organisations may buy now: the public ones and, first, the private
        offers made to one of them that have not expired."""
        offers = [
            plan
            for plan in self.plans
            if plan.kind == PlanKind.PRIVATE_OFFER
            and plan.buyer_organisation_id in organisation_ids
            and plan.expires_at is not None
            and plan.expires_at > now
        ]
        return offers + self.public_plans

    def title(self, locale: str | None) -> str:
        """The title in the reader's language."""
        return self.title_zh if (locale or "").startswith("zh") else self.title_en

    def description(self, locale: str | None) -> str:
        """The description in the reader's language."""
        return self.description_zh if (locale or "").startswith("zh") else self.description_en


class Plan(Base):
    """A pricing plan of a revision; an order references a plan and keeps its revision's terms."""

    __tablename__ = "listing_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_revisions.id"), index=True)
    kind: Mapped[PlanKind] = mapped_column(enum_type(PlanKind))
    # None when the provider left the plan unnamed: its kind's name is shown, translated
    # (``schemas.shown_name``), rather than a default stored in one script.
    name_zh: Mapped[str | None] = mapped_column(sa.String(100))
    name_en: Mapped[str | None] = mapped_column(sa.String(100))
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    period: Mapped[BillingPeriod | None] = mapped_column(enum_type(BillingPeriod))
    periods: Mapped[int | None]
    calls: Mapped[int | None] = mapped_column(sa.BigInteger)
    # An exclusive licence is sold once (enforced when ordering).
    exclusive: Mapped[bool] = mapped_column(default=False)
    # Private offers: one buyer organisation, an expiry, and optionally their own terms.
    buyer_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    expires_at: Mapped[datetime | None]
    terms: Mapped[dict | None] = mapped_column(sa.JSON)
    demand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demands.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[ListingRevision] = relationship(back_populates="plans")
    buyer_organisation: Mapped[Organisation | None] = relationship()

    @property
    def price_per_period_minor(self) -> int | None:
        """A subscription's price per period (``price_minor`` is what the buyer pays for all
        ``periods`` at once), rounded half up when the total does not divide evenly; None for
        other kinds."""
        if self.kind != PlanKind.SUBSCRIPTION or not self.periods:
            return None
        return (self.price_minor + self.periods // 2) // self.periods

    @property
    def effective_terms(self) -> dict:
        """The terms a buyer of this plan gets: a private offer's own, else the revision's."""
        return self.terms if self.terms is not None else self.revision.terms


class Sample(Base):
    """A sample or preview file, kept apart from the product and downloadable without buying."""

    __tablename__ = "listing_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_revisions.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[ListingRevision] = relationship(back_populates="samples")


class ComplianceReview(Base):
    """A reviewer's compliance checklist and decision on one revision (合規審查)."""

    __tablename__ = "listing_compliance_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_revisions.id"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(enum_type(ReviewDecision))
    personal_info: Mapped[PersonalInfoHandling] = mapped_column(enum_type(PersonalInfoHandling))
    personal_info_note: Mapped[str | None] = mapped_column(sa.Text)
    important_data: Mapped[bool] = mapped_column(default=False)
    important_data_note: Mapped[str | None] = mapped_column(sa.Text)
    cross_border_pathway: Mapped[CrossBorderPathway | None] = mapped_column(
        enum_type(CrossBorderPathway)
    )
    # E.g. the standard contract filing number or the assessment approval number.
    cross_border_evidence: Mapped[str | None] = mapped_column(sa.String(200))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[ListingRevision] = relationship(back_populates="review")
    reviewer: Mapped[User] = relationship()


class ListingEvent(Base):
    """One move of a listing or revision: who, when, why, from which status to which."""

    __tablename__ = "listing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("listing_revisions.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus))
    to_status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class FeaturedListing(Base):
    """A listing exchange staff feature on the home page (精選): who chose it and when. The
    choice and its withdrawal are also :class:`ListingEvent` rows (``feature``/``unfeature``)."""

    __tablename__ = "listing_features"

    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), primary_key=True)
    featured_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    featured_at: Mapped[datetime] = mapped_column(index=True)

    listing: Mapped[Listing] = relationship(back_populates="feature")


class Demand(Base):
    """A buyer's demand (求購): what it needs, for what, at what budget, by when."""

    __tablename__ = "demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    need: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[Industry | None] = mapped_column(enum_type(Industry))
    budget_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    deadline: Mapped[date]
    usage_scenario: Mapped[UsageScenario] = mapped_column(enum_type(UsageScenario))
    cross_border: Mapped[bool] = mapped_column(default=False)
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(enum_type(DeliveryMethod))
    status: Mapped[DemandStatus] = mapped_column(enum_type(DemandStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    matched_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    matches: Mapped[list[DemandMatch]] = relationship(
        back_populates="demand", order_by="DemandMatch.rank"
    )


class DemandMatch(Base):
    """A listing matched with a demand, with the reasons it fits."""

    __tablename__ = "demand_matches"
    __table_args__ = (sa.UniqueConstraint("demand_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(sa.ForeignKey("demands.id"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_revisions.id"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_plans.id"))
    rank: Mapped[int]
    reasons: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="matches")
    listing: Mapped[Listing] = relationship()
    revision: Mapped[ListingRevision] = relationship()
    plan: Mapped[Plan] = relationship()


class Notification(Base):
    """An in-app notification to an organisation (also mailed to its owners)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_unread", "organisation_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Bilingual texts, rendered when the event happened: {"zh": ..., "en": ...}.
    subject: Mapped[dict] = mapped_column(sa.JSON)
    link: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    def text(self, locale: str | None) -> str:
        """The subject in the reader's language."""
        return self.subject["zh" if (locale or "").startswith("zh") else "en"]
