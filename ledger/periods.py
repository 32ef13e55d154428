"""Accounting periods (會計期間): finance closes one, and nothing more lands inside it.

A period is a half-open range ``[starts_at, ends_at)``. Dates outside every period are open.
Closing is final: corrections to a closed period are reversal entries dated in an open one.
Because it is final, closing takes two people (four eyes): one asks for the close, another
approves it; and only a period that has ended can be closed, so no payment, refund or
settlement still to come can find its day shut.
On PostgreSQL, closing takes a SHARE lock on ``ledger_entries``: it waits for every
transaction that is writing entries to finish, and writers wait for the close to commit, so no
entry can slip into the period between the check and the close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ledger.entries import check_timestamp
from ledger.errors import InvalidPeriod, PeriodClosed, PeriodNotFound
from ledger.models import Period, periods

# Allowed moves of a period's status: a table, not scattered ifs.
TRANSITIONS: dict[str, frozenset[str]] = {"open": frozenset({"closed"}), "closed": frozenset()}


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """A period as the ledger reports it."""

    name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    closed_at: datetime | None
    closed_by: str | None
    close_requested_at: datetime | None = None
    close_requested_by: str | None = None


def _info(period: Period) -> PeriodInfo:
    return PeriodInfo(
        period.name,
        period.starts_at,
        period.ends_at,
        period.status,
        period.closed_at,
        period.closed_by,
        period.close_requested_at,
        period.close_requested_by,
    )


def create_period(
    session: Session, name: str, starts_at: datetime, ends_at: datetime
) -> PeriodInfo:
    """Declare the period ``[starts_at, ends_at)`` under ``name`` (e.g. ``2025-03``).

    Periods never overlap; creating the same period again returns it.
    """
    check_timestamp(starts_at, field="starts_at")
    check_timestamp(ends_at, field="ends_at")
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        raise InvalidPeriod("a period name is 1 to 64 characters", field="name")
    if starts_at >= ends_at:
        raise InvalidPeriod("a period must end after it starts", field="ends_at")
    existing = session.execute(select(Period).where(Period.name == name)).scalar_one_or_none()
    if existing is not None:
        if (existing.starts_at, existing.ends_at) != (starts_at, ends_at):
            raise InvalidPeriod(
                f"period {name} exists with another range", field="name", reason="other_range",
                period=name,
            )  # fmt: skip
        return _info(existing)
    overlap = session.execute(
        select(periods.c.name).where(periods.c.starts_at < ends_at, periods.c.ends_at > starts_at)
    ).first()
    if overlap is not None:
        raise InvalidPeriod(
            f"overlaps period {overlap.name}", field="starts_at", overlaps=overlap.name
        )
    period = Period(name=name, starts_at=starts_at, ends_at=ends_at, status="open")
    session.add(period)
    session.flush()
    return _info(period)


def _closable(session: Session, name: str, now: datetime) -> Period:
    period = session.execute(
        select(Period).where(Period.name == name).with_for_update()
    ).scalar_one_or_none()
    if period is None:
        raise PeriodNotFound(f"no period {name}", field="name", reason="missing", period=name)
    if "closed" not in TRANSITIONS[period.status]:
        raise InvalidPeriod(
            f"period {name} is {period.status}", field="name", reason="status", period=name,
            status=period.status,
        )  # fmt: skip
    if period.ends_at > now:
        raise InvalidPeriod(
            f"period {name} has not ended: it runs until {period.ends_at.isoformat()}",
            field="name", reason="not_ended", period=name, until=period.ends_at,
        )  # fmt: skip
    return period


def request_close(
    session: Session, name: str, *, requested_by: str, now: datetime | None = None
) -> PeriodInfo:
    """Ask for the period to be closed; another person must approve (:func:`close_period`).

    Only a period that has ended can be closed. Asking again replaces the request.
    """
    check_actor(requested_by, field="requested_by")
    period = _closable(session, name, now or datetime.now(UTC))
    period.close_requested_at = now or datetime.now(UTC)
    period.close_requested_by = requested_by
    session.flush()
    return _info(period)


def close_period(
    session: Session, name: str, *, closed_by: str, now: datetime | None = None
) -> PeriodInfo:
    """Approve a requested close: from now on no entry can be effective inside the period.

    Closing is final, so it takes a request by someone other than ``closed_by``, and the
    period must have ended.
    """
    check_actor(closed_by, field="closed_by")
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE ledger_entries IN SHARE MODE")
    now = now or datetime.now(UTC)
    period = _closable(session, name, now)
    if period.close_requested_by is None:
        raise InvalidPeriod(
            f"closing period {name} has not been requested", field="name",
            reason="not_requested", period=name,
        )  # fmt: skip
    if period.close_requested_by == closed_by:
        raise InvalidPeriod(
            f"closing period {name} needs the approval of someone other than who asked",
            field="closed_by", reason="same_person", period=name,
        )  # fmt: skip
    period.status = "closed"
    period.closed_at = now
    period.closed_by = closed_by
    session.flush()
    return _info(period)


def check_actor(actor: str, *, field: str) -> None:
    """Who requests or approves a close: a non-empty name of at most 200 characters."""
    if not isinstance(actor, str) or not 0 < len(actor.strip()) <= 200:
        raise InvalidPeriod("name who acts (1 to 200 characters)", field=field)


def list_periods(session: Session) -> list[PeriodInfo]:
    """All periods, oldest first."""
    rows = session.execute(select(Period).order_by(Period.starts_at)).scalars()
    return [_info(period) for period in rows]


def closed_between(
    session: Session, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime]]:
    """Closed periods that contain any instant of ``[start, end]``."""
    rows = session.execute(
        select(periods.c.name, periods.c.starts_at, periods.c.ends_at).where(
            and_(
                periods.c.status == "closed",
                periods.c.starts_at <= end,
                periods.c.ends_at > start,
            )
        )
    )
    return [tuple(row) for row in rows]


def check_open(
    closed: list[tuple[str, datetime, datetime]], effective_at: datetime, *, field: str
) -> None:
    """Raise ``PeriodClosed`` if ``effective_at`` falls in one of the ``closed`` periods."""
    for name, starts_at, ends_at in closed:
        if starts_at <= effective_at < ends_at:
            raise PeriodClosed(
                f"{effective_at.isoformat()} is inside closed period {name}",
                field=field,
                period=name,
            )
