"""Verification models: an organisation's submissions of evidence and every move made on them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User, VerificationState


class VerificationRequest(Base):
    """One submission of evidence (營業執照 and the people behind it), and its decision.

    The legal details are copied from the organisation as they were when submitted, so the
    history shows what was verified even after the organisation changes them.
    """

    __tablename__ = "verification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18))
    registration_number: Mapped[str | None] = mapped_column(sa.String(64))
    legal_representative: Mapped[str] = mapped_column(sa.String(100))
    registered_address: Mapped[str] = mapped_column(sa.String(500))
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    licence_name: Mapped[str] = mapped_column(sa.String(255))
    licence_media_type: Mapped[str] = mapped_column(sa.String(100))
    licence_size: Mapped[int] = mapped_column(sa.BigInteger)
    licence_sha256: Mapped[str] = mapped_column(sa.String(64))
    licence_storage_key: Mapped[str] = mapped_column(sa.String(200))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The reviewer's verdict on this submission: approved, rejected, info_requested, superseded.
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class VerificationEvent(Base):
    """One move of an organisation's verification: who, when, why, from which state to which."""

    __tablename__ = "verification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("verification_requests.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[VerificationState] = mapped_column(enum_type(VerificationState))
    to_state: Mapped[VerificationState] = mapped_column(enum_type(VerificationState))
    actor: Mapped[str] = mapped_column(sa.String(16))  # organisation / reviewer
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
