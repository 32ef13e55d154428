"""The upload session: one large file on its way into an asset's next version."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.db import Base, enum_type, utcnow
from market.text import N_


class UploadState(enum.StrEnum):
    """Where an upload session stands (see ``market.uploads.states``)."""

    OPEN = "open"  # parts are arriving
    VERIFYING = "verifying"  # joined; the worker is streaming it through SHA-256
    REGISTERED = "registered"  # fingerprinted and added as a new version of the asset
    REJECTED = "rejected"  # refused (its content, its size); its object is gone
    ABORTED = "aborted"  # given up by the uploader
    EXPIRED = "expired"  # abandoned; the worker aborted its parts


UPLOAD_STATE_LABELS = {
    UploadState.OPEN: N_("Parts arriving"),
    UploadState.VERIFYING: N_("Computing the fingerprint"),
    UploadState.REGISTERED: N_("Fingerprinted and registered"),
    UploadState.REJECTED: N_("Refused"),
    UploadState.ABORTED: N_("Cancelled"),
    UploadState.EXPIRED: N_("Expired"),
}


class UploadSession(Base):
    """A resumable upload of one file of an asset, by a member or client of its organisation."""

    __tablename__ = "upload_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_assets.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    part_size: Mapped[int] = mapped_column(sa.BigInteger)
    part_count: Mapped[int]
    # The object store's handle: an S3 multipart upload id, or the local store's directory.
    store_handle: Mapped[str] = mapped_column(sa.String(1024))
    state: Mapped[UploadState] = mapped_column(enum_type(UploadState), index=True)
    error: Mapped[dict | None] = mapped_column(sa.JSON)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]

    def part_bytes(self, number: int) -> int:
        """How many bytes part ``number`` must hold (the last one holds the rest)."""
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)
