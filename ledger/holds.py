"""Holds (預留): two-phase transfers that reserve an amount before it moves.

``hold`` reserves ``amount`` from the debit account to the credit account: both accounts'
pending totals grow, which lowers their available balance at once (and counts against their
limits). A pending hold then ends exactly once:

- ``post_hold`` records an entry for up to the held amount and releases the whole reservation;
- ``void_hold`` releases it without moving money;
- ``expire_holds`` (run by the worker) releases holds whose ``expires_at`` has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.accounts import (
    check_limit,
    lock_account_ids,
    lock_accounts,
    open_missing,
    unopened_states,
    write_totals,
)
from ledger.chart import DEFAULT_CHART, Chart, validate_code
from ledger.currencies import exponent
from ledger.entries import (
    EntryRecord,
    Leg,
    check_amount,
    check_description,
    check_key,
    check_metadata,
    check_timestamp,
    request_hash,
)
from ledger.errors import (
    HoldAmountExceeded,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IdempotencyConflict,
    InvalidRequest,
)
from ledger.models import accounts, holds
from ledger.posting import replay_for_key, write
from ledger.storage import Prepared

# Allowed moves of a hold's status.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"posted", "voided", "expired"}),
    "posted": frozenset(),
    "voided": frozenset(),
    "expired": frozenset(),
}


@dataclass(frozen=True, slots=True)
class HoldRecord:
    """A hold as the ledger returns it; ``replayed`` is true for an idempotent replay."""

    id: int
    key: str
    debit_account: str
    credit_account: str
    currency: str
    amount: int
    status: str
    posted_amount: int | None
    expires_at: datetime | None
    created_at: datetime
    resolved_at: datetime | None
    description: str
    metadata: dict[str, Any]
    replayed: bool = False


def get_hold(session: Session, hold_id: int, *, lock: bool = False) -> HoldRecord:
    """One hold with its account codes; ``HoldNotFound`` if there is none."""
    debit_account = accounts.alias("debit_account")
    credit_account = accounts.alias("credit_account")
    query = (
        select(
            holds,
            debit_account.c.code.label("debit_code"),
            credit_account.c.code.label("credit_code"),
        )
        .join(debit_account, debit_account.c.id == holds.c.debit_account_id)
        .join(credit_account, credit_account.c.id == holds.c.credit_account_id)
        .where(holds.c.id == hold_id)
    )
    if lock:
        query = query.with_for_update(of=holds)
    row = session.execute(query).first()
    if row is None:
        raise HoldNotFound(f"no hold {hold_id}", field="hold_id")
    return HoldRecord(
        id=row.id,
        key=row.idempotency_key,
        debit_account=row.debit_code,
        credit_account=row.credit_code,
        currency=row.currency,
        amount=row.amount,
        status=row.status,
        posted_amount=row.posted_amount,
        expires_at=row.expires_at,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        description=row.description,
        metadata=dict(row.metadata or {}),
    )


def hold(
    session: Session,
    key: str,
    *,
    debit: str,
    credit: str,
    amount: int,
    currency: str,
    expires_at: datetime | None = None,
    description: str = "",
    metadata: dict[str, str | int] | None = None,
    chart: Chart = DEFAULT_CHART,
) -> HoldRecord:
    """Reserve ``amount`` to move from ``debit`` to ``credit``; idempotent under ``key``."""
    key = check_key(key)
    validate_code(debit, field="debit")
    validate_code(credit, field="credit")
    if debit == credit:
        raise InvalidRequest("a hold needs two different accounts", field="credit")
    exponent(currency)
    amount = check_amount(amount, field="amount")
    description = check_description(description)
    metadata = check_metadata(metadata)
    if expires_at is not None:
        expires_at = check_timestamp(expires_at, field="expires_at").astimezone(UTC)
    digest = request_hash(
        "hold",
        debit=debit,
        credit=credit,
        amount=amount,
        currency=currency,
        expires_at=expires_at,
        description=description,
        metadata=metadata,
    )
    existing = session.execute(
        select(holds.c.id, holds.c.request_hash).where(holds.c.idempotency_key == key)
    ).first()
    if existing is not None:
        if existing.request_hash != digest:
            raise IdempotencyConflict(
                f"key {key!r} was used for hold {existing.id} with different content", field="key"
            )
        return replace(get_hold(session, existing.id), replayed=True)
    keys = {(debit, currency), (credit, currency)}
    states = lock_accounts(session, keys)
    missing = unopened_states(session, keys - states.keys(), chart)

    def reserve(current: dict) -> None:
        debit_state = replace(current[(debit, currency)])
        credit_state = replace(current[(credit, currency)])
        debit_state.debits_pending += amount
        credit_state.credits_pending += amount
        check_limit(debit_state, field="debit", key=key)
        check_limit(credit_state, field="credit", key=key)

    reserve({**states, **missing})
    if missing:
        states.update(open_missing(session, missing, chart))
        reserve(states)
    debit_id, credit_id = states[(debit, currency)].id, states[(credit, currency)].id
    write_totals(session, {debit_id: [0, 0, amount, 0], credit_id: [0, 0, 0, amount]})
    now = datetime.now(UTC)
    hold_id = session.execute(
        holds.insert().returning(holds.c.id),
        {
            "idempotency_key": key,
            "request_hash": digest,
            "debit_account_id": debit_id,
            "credit_account_id": credit_id,
            "currency": currency,
            "amount": amount,
            "status": "pending",
            "description": description,
            "metadata": metadata,
            "created_at": now,
            "expires_at": expires_at,
        },
    ).scalar_one()
    return get_hold(session, hold_id)


def post_hold(
    session: Session,
    hold_id: int,
    key: str,
    *,
    amount: int | None = None,
    effective_at: datetime | None = None,
    description: str | None = None,
    metadata: dict[str, str | int] | None = None,
    chart: Chart = DEFAULT_CHART,
) -> EntryRecord:
    """Complete a pending hold: post up to its amount as an entry and release the rest."""
    key = check_key(key)
    if amount is not None:
        amount = check_amount(amount, field="amount")
    stated = effective_at and check_timestamp(effective_at, field="effective_at").astimezone(UTC)
    metadata = check_metadata(metadata)
    if description is not None:
        check_description(description)
    digest = request_hash(
        "post_hold",
        hold_id=hold_id,
        amount=amount,
        effective_at=stated,
        description=description,
        metadata=metadata,
    )
    replay = replay_for_key(session, key, digest)
    if replay is not None:
        return replay
    now = datetime.now(UTC)
    current = _pending(session, hold_id)
    if current.expires_at is not None and current.expires_at <= now:
        raise HoldExpired(f"hold {hold_id} expired at {current.expires_at}", field="hold_id")
    posted = current.amount if amount is None else amount
    if posted > current.amount:
        raise HoldAmountExceeded(
            f"hold {hold_id} reserved {current.amount}, not {posted}",
            field="amount",
            held=current.amount,
        )
    prepared = Prepared(
        key,
        digest,
        (
            Leg(current.debit_account, "debit", posted, current.currency),
            Leg(current.credit_account, "credit", posted, current.currency),
        ),
        description if description is not None else current.description,
        stated or now,
        metadata or current.metadata,
        hold_id=hold_id,
        release=(
            ((current.debit_account, current.currency), current.amount, 0),
            ((current.credit_account, current.currency), 0, current.amount),
        ),
    )
    record = write(session, [prepared], chart=chart, now=now)[0]
    _resolve(session, [hold_id], "posted", now, posted_amount=posted)
    return record


def void_hold(session: Session, hold_id: int) -> HoldRecord:
    """Release a pending hold without moving money; voiding a voided hold returns it."""
    now = datetime.now(UTC)
    current = get_hold(session, hold_id, lock=True)
    if current.status == "voided":
        return replace(current, replayed=True)
    if "voided" not in TRANSITIONS[current.status]:
        raise HoldNotPending(f"hold {hold_id} is {current.status}", field="hold_id")
    _release(session, [hold_id])
    _resolve(session, [hold_id], "voided", now)
    return get_hold(session, hold_id)


def expire_holds(session: Session, *, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Expire pending holds whose time has passed (oldest first); return their ids."""
    now = now or datetime.now(UTC)
    due = list(
        session.execute(
            select(holds.c.id)
            .where(holds.c.status == "pending", holds.c.expires_at <= now)
            .order_by(holds.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    if due:
        _release(session, due)
        _resolve(session, due, "expired", now)
    return due


def _pending(session: Session, hold_id: int) -> HoldRecord:
    current = get_hold(session, hold_id, lock=True)
    if "posted" not in TRANSITIONS[current.status]:
        raise HoldNotPending(f"hold {hold_id} is {current.status}", field="hold_id")
    return current


def _release(session: Session, hold_ids: list[int]) -> None:
    rows = session.execute(
        select(holds.c.debit_account_id, holds.c.credit_account_id, holds.c.amount).where(
            holds.c.id.in_(hold_ids)
        )
    ).all()
    deltas: dict[int, list[int]] = {}
    for debit_id, credit_id, amount in rows:
        deltas.setdefault(debit_id, [0, 0, 0, 0])[2] -= amount
        deltas.setdefault(credit_id, [0, 0, 0, 0])[3] -= amount
    lock_account_ids(session, deltas)
    write_totals(session, deltas)


def _resolve(
    session: Session,
    hold_ids: list[int],
    status: str,
    now: datetime,
    *,
    posted_amount: int | None = None,
) -> None:
    session.execute(
        update(holds)
        .where(holds.c.id.in_(hold_ids), holds.c.status == "pending")
        .values(status=status, resolved_at=now, posted_amount=posted_amount)
    )
