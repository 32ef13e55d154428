"""Valuation models: a valuation (評估) from the provider's request to the appraiser's final report.

One row is one report. A provider requests it for an asset version with a purpose; an appraiser
takes it, enters inputs, profiles the data, runs the methods and finalises it. A final report
never changes (a revaluation is a new report with the next ``edition`` for the asset); its
content hash is recorded in the registry's hash-chained log.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User
from market.registry.models import Asset, AssetVersion
from market.text import N_


class ReportStatus(enum.StrEnum):
    """Where a valuation stands; the allowed moves are the table in ``states``."""

    REQUESTED = "requested"
    IN_PROGRESS = "in_progress"
    FINAL = "final"
    CANCELLED = "cancelled"


REPORT_STATUS_LABELS = {
    ReportStatus.REQUESTED: N_("Requested"),
    ReportStatus.IN_PROGRESS: N_("In progress"),
    ReportStatus.FINAL: N_("Final"),
    ReportStatus.CANCELLED: N_("Cancelled"),
}


class Purpose(enum.StrEnum):
    """Why the provider wants the valuation."""

    TRADING = "trading"  # pricing a listing
    FINANCING = "financing"  # a pledge or loan
    ACCOUNTING = "accounting"  # recognition under the 2023 interim rules
    INVESTMENT = "investment"  # capital contribution, transfer of the business
    OTHER = "other"


PURPOSE_LABELS = {
    Purpose.TRADING: N_("Trading (pricing a listing)"),
    Purpose.FINANCING: N_("Financing (pledge or loan)"),
    Purpose.ACCOUNTING: N_("Accounting (balance-sheet recognition)"),
    Purpose.INVESTMENT: N_("Investment or capital contribution"),
    Purpose.OTHER: N_("Other"),
}


class Classification(enum.StrEnum):
    """How the data resource is presented under the MoF 2023 interim rules (數據資源入表)."""

    INTANGIBLE_ASSET = "intangible_asset"  # 無形資產
    INVENTORY = "inventory"  # 存貨
    UNRECOGNISED = "unrecognised"  # 未確認為資產的數據資源


CLASSIFICATION_LABELS = {
    Classification.INTANGIBLE_ASSET: N_("Intangible asset"),
    Classification.INVENTORY: N_("Inventory"),
    Classification.UNRECOGNISED: N_("Data resource not recognised as an asset"),
}


class ValuationReport(Base):
    """A valuation of one asset version: request, inputs, profile, results and the signed report."""

    __tablename__ = "valuation_reports"
    __table_args__ = (sa.UniqueConstraint("asset_id", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose))
    purpose_note: Mapped[str | None] = mapped_column(sa.Text)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    appraiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    taken_at: Mapped[datetime | None]
    # The appraiser's inputs as entered (decimals as strings), the quality profile, the results.
    inputs: Mapped[dict | None] = mapped_column(sa.JSON)
    profile: Mapped[dict | None] = mapped_column(sa.JSON)
    results: Mapped[dict | None] = mapped_column(sa.JSON)
    value_low: Mapped[int | None] = mapped_column(sa.BigInteger)
    value_base: Mapped[int | None] = mapped_column(sa.BigInteger)
    value_high: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Set when finalised; never changed afterwards.
    number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    edition: Mapped[int | None]
    finalised_at: Mapped[datetime | None]
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_seq: Mapped[int | None]

    organisation: Mapped[Organisation] = relationship()
    asset: Mapped[Asset] = relationship()
    version: Mapped[AssetVersion] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    appraiser: Mapped[User | None] = relationship(foreign_keys=[appraiser_id])
    profile_jobs: Mapped[list[ProfileJob]] = relationship(
        back_populates="report", order_by="ProfileJob.id"
    )

    @property
    def profile_job(self) -> ProfileJob | None:
        """The latest profiling job, if any."""
        return self.profile_jobs[-1] if self.profile_jobs else None


class ProfileJobStatus(enum.StrEnum):
    """Where a profiling job stands: queued by the appraiser, run by ``shujiao worker``."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


PROFILE_JOB_STATUS_LABELS = {
    ProfileJobStatus.QUEUED: N_("Queued"),
    ProfileJobStatus.RUNNING: N_("Running"),
    ProfileJobStatus.DONE: N_("Done"),
    ProfileJobStatus.FAILED: N_("Failed"),
}


class ProfileJob(Base):
    """One request to profile a file of the valued version, worked by ``shujiao worker``.

    A retry is a new job with the same file and schema, so the failures stay on record.
    """

    __tablename__ = "valuation_profile_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("valuation_reports.id"), index=True)
    file: Mapped[str] = mapped_column(sa.String(255))
    schema: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[ProfileJobStatus] = mapped_column(enum_type(ProfileJobStatus), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Why it failed: {"message": ..., "field": ...}; the message is a translatable msgid.
    error: Mapped[dict | None] = mapped_column(sa.JSON)

    report: Mapped[ValuationReport] = relationship(
        back_populates="profile_jobs", foreign_keys=[report_id]
    )
