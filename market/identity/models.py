"""Identity models: users, organisations (機構), memberships, staff roles, invitations."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.text import N_


class MemberRole(enum.StrEnum):
    """A user's role inside an organisation."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def label(self) -> str:
        """The role's name for people (translate with ``_``)."""
        return {"owner": N_("Owner"), "admin": N_("Administrator"), "member": N_("Member")}[self]


class StaffRole(enum.StrEnum):
    """Roles of the exchange's own staff."""

    REVIEWER = "reviewer"
    APPRAISER = "appraiser"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name for people (translate with ``_``)."""
        return {
            "reviewer": N_("Reviewer"),
            "appraiser": N_("Appraiser"),
            "finance": N_("Finance"),
            "admin": N_("Staff administrator"),
        }[self]


class VerificationState(enum.StrEnum):
    """Where an organisation stands in verification (企業認證); see ``market/verification``."""

    UNVERIFIED = "unverified"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    INFO_REQUESTED = "info_requested"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        """The state's name for people (translate with ``_``)."""
        return {
            "unverified": N_("Not verified"),
            "submitted": N_("Submitted for verification"),
            "under_review": N_("Verification under review"),
            "info_requested": N_("More information requested"),
            "verified": N_("Verified"),
            "rejected": N_("Verification rejected"),
            "suspended": N_("Suspended"),
        }[self]


MAINLAND = "CN"


class User(Base):
    """A person who signs in to the exchange."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    # Lower-cased copy of the e-mail: uniqueness is case-insensitive on every engine.
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Signing out bumps it: every session cookie issued before, copied or not, stops working.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    # When the owner of the address followed the link mailed at sign-up; until then the user
    # may sign in but not act for an organisation.
    email_verified_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")
    staff_roles: Mapped[list[StaffAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def has_staff_role(self, *roles: StaffRole) -> bool:
        """Whether the user holds any of ``roles`` (staff admins hold every role)."""
        held = {assignment.role for assignment in self.staff_roles}
        return StaffRole.ADMIN in held or any(role in held for role in roles)


class StaffAssignment(Base):
    """A staff role held by a user of the exchange operator."""

    __tablename__ = "staff_assignments"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="staff_roles")


class Organisation(Base):
    """A data provider or buyer organisation (數據商 / 買方)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    # ISO 3166-1 alpha-2: CN is mainland China; HK and MO are their own jurisdictions.
    jurisdiction: Mapped[str] = mapped_column(sa.String(2))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(64))
    website: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # When the organisation was last verified; whether it is verified now is the state's word.
    verified_at: Mapped[datetime | None]
    verification_state: Mapped[VerificationState] = mapped_column(
        enum_type(VerificationState), default=VerificationState.UNVERIFIED, index=True
    )
    # The exchange itself: its members are the staff, and only its API clients get staff scopes.
    is_operator: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        """Verified and not suspended: may trade, list and be paid."""
        return self.verification_state == VerificationState.VERIFIED

    @property
    def is_suspended(self) -> bool:
        """Suspended by exchange staff: no new orders, listings or payouts; hidden from search."""
        return self.verification_state == VerificationState.SUSPENDED

    @property
    def is_mainland(self) -> bool:
        """Whether the organisation is registered in mainland China."""
        return self.jurisdiction == MAINLAND

    def display_name(self, locale: str | None) -> str:
        """The name in the reader's language."""
        return self.name_zh if (locale or "").startswith("zh") else self.name_en


class Membership(Base):
    """A user's place in an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def can_administer(self) -> bool:
        """Owners and admins manage members and API clients."""
        return self.role in (MemberRole.OWNER, MemberRole.ADMIN)


class Invitation(Base):
    """An invitation for an e-mail address to join an organisation with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email_key: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole))
    # Only the SHA-256 of the token is kept; the token itself travels in the e-mail.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
