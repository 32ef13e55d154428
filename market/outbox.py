"""The transactional outbox: work to do after commit (mail, search indexing, ...).

A service adds a message in the same transaction as the change it describes; ``shujiao worker``
claims messages (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers run side by side) and hands
each to the handler registered for its topic. A crash between commit and delivery loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from market.db import Base, utcnow

MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    """One piece of after-commit work."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_pending", "done_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    done_at: Mapped[datetime | None]


def enqueue(session: Session, topic: str, payload: dict) -> OutboxMessage:
    """Add a message to be handled after this transaction commits."""
    message = OutboxMessage(topic=topic, payload=payload)
    session.add(message)
    return message


Handler = Callable[[Session, dict], None]


def claim(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Lock and return up to ``limit`` due messages, oldest first."""
    statement = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.done_at.is_(None), OutboxMessage.available_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def deliver(session: Session, handlers: dict[str, Handler], limit: int = 50) -> int:
    """Handle one batch of due messages; returns how many were handled or rescheduled.

    A failing handler does not stop the batch: its message is retried later with backoff and,
    after ``MAX_ATTEMPTS``, kept with its last error for an operator to look at.
    """
    messages = claim(session, limit)
    for message in messages:
        handler = handlers.get(message.topic)
        message.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no handler for topic {message.topic!r}")
            with session.begin_nested():
                handler(session, message.payload)
        except Exception as error:  # noqa: BLE001 - any handler failure is recorded, not raised
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.done_at = utcnow()
            else:
                message.available_at = utcnow() + timedelta(seconds=2**message.attempts)
        else:
            message.done_at = utcnow()
            message.last_error = None
    return len(messages)
