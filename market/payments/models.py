"""Stripe webhook events, recorded once each so replays and retries are harmless."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.db import Base, utcnow


class StripeEvent(Base):
    """A webhook event Stripe delivered, and what became of it."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    object_id: Mapped[str | None] = mapped_column(sa.String(255))
    livemode: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(255))
