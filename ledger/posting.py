"""Posting entries: one at a time, in batches, and reversals.

The write path, in order, for one entry or a whole batch:

1. validate every request in Python (no database needed; nothing is written on failure);
2. look the idempotency keys up: a known key with the same request hash is a replay and returns
   the original entry; with another hash it is ``IdempotencyConflict``;
3. refuse effective dates inside closed periods;
4. read the accounts' totals (SQLite: under its single write lock; PostgreSQL: as last
   committed), simulate the entries on them and refuse any that would cross a limit;
5. open missing accounts, then write: lock the accounts in id order, add the totals, insert the
   postings and the entries (inserting an entry seals it: the database checks count, legs and
   balance per currency, and the CHECK constraints re-check the limits).

The caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.accounts import (
    AccountKey,
    AccountState,
    check_limit,
    lock_accounts,
    open_missing,
    unopened_states,
)
from ledger.chain import seal_chain
from ledger.chart import DEFAULT_CHART, Chart
from ledger.entries import (
    EntryRecord,
    EntryRequest,
    Leg,
    PostedLeg,
    check_description,
    check_key,
    check_legs,
    check_metadata,
    check_timestamp,
    request_hash,
)
from ledger.errors import (
    AlreadyReversed,
    ConcurrentWrite,
    DatabaseRefused,
    EntryNotFound,
    IdempotencyConflict,
    PeriodClosed,
)
from ledger.models import entries
from ledger.periods import check_open, closed_between
from ledger.reads import load_entries
from ledger.storage import (
    Prepared,
    account_keys,
    lookup,
    lookup_postgresql,
    write_postgresql,
    write_sqlite,
)


def prepare(request: EntryRequest, *, now: datetime, field: str = "") -> Prepared:
    """Validate an ``EntryRequest`` and compute its request hash."""
    key = check_key(request.key, field=f"{field}key")
    legs = check_legs(request.legs, field=f"{field}postings")
    description = check_description(request.description, field=f"{field}description")
    metadata = check_metadata(request.metadata, field=f"{field}metadata")
    stated = request.effective_at
    if stated is not None:
        stated = check_timestamp(stated, field=f"{field}effective_at").astimezone(UTC)
    digest = request_hash(
        "entry", legs=list(legs), description=description, metadata=metadata, effective_at=stated
    )
    return Prepared(key, digest, legs, description, stated or now, metadata, field)


def post(
    session: Session,
    key: str,
    postings: Sequence[Leg],
    *,
    description: str = "",
    effective_at: datetime | None = None,
    metadata: dict[str, str | int] | None = None,
    chart: Chart = DEFAULT_CHART,
) -> EntryRecord:
    """Post one entry under the idempotency ``key``; return it (or the original, on replay)."""
    request = EntryRequest(key, postings, description, effective_at, metadata)
    now = datetime.now(UTC)
    return write(session, [prepare(request, now=now)], chart=chart, now=now)[0]


def post_many(
    session: Session,
    requests: Iterable[EntryRequest],
    *,
    chart: Chart = DEFAULT_CHART,
    seal: bool = False,
) -> list[EntryRecord]:
    """Post a batch of entries atomically with set-based statements; records in input order.

    Limits are checked entry by entry in input order, as if posted one at a time. With
    ``seal=True`` the hash chain is extended at the end (which serialises sealers).
    """
    now = datetime.now(UTC)
    prepared = [
        prepare(request, now=now, field=f"entries[{index}].")
        for index, request in enumerate(requests)
    ]
    records = write(session, prepared, chart=chart, now=now)
    if seal:
        seal_chain(session)
    return records


def reverse(
    session: Session,
    entry_id: int,
    key: str,
    *,
    description: str | None = None,
    effective_at: datetime | None = None,
    metadata: dict[str, str | int] | None = None,
    chart: Chart = DEFAULT_CHART,
) -> EntryRecord:
    """Post the reversal (沖銷) of ``entry_id``: the same legs on the opposite sides.

    An entry can be reversed once; a second attempt with another key is ``AlreadyReversed``.
    """
    key = check_key(key)
    metadata = check_metadata(metadata)
    stated = effective_at and check_timestamp(effective_at, field="effective_at").astimezone(UTC)
    if description is not None:
        check_description(description)
    digest = request_hash(
        "reverse",
        entry_id=entry_id,
        description=description,
        effective_at=stated,
        metadata=metadata,
    )
    replay = replay_for_key(session, key, digest)
    if replay is not None:
        return replay
    original = load_entries(session, [entry_id]).get(entry_id)
    if original is None:
        raise EntryNotFound(f"no entry {entry_id}", field="entry_id")
    reversal_id = session.execute(
        select(entries.c.id).where(entries.c.reverses_entry_id == entry_id)
    ).scalar()
    if reversal_id is not None:
        raise AlreadyReversed(
            f"entry {entry_id} was reversed by entry {reversal_id}",
            field="entry_id",
            reversal_id=reversal_id,
        )
    legs = tuple(
        Leg(p.account, "credit" if p.amount > 0 else "debit", abs(p.amount), p.currency)
        for p in original.postings
    )
    text_ = description if description is not None else f"Reversal of entry {entry_id}"
    now = datetime.now(UTC)
    prepared = Prepared(
        key,
        digest,
        legs,
        check_description(text_[:500]),
        stated or now,
        metadata,
        reverses_entry_id=entry_id,
    )
    return write(session, [prepared], chart=chart, now=now)[0]


def write(
    session: Session, prepared: list[Prepared], *, chart: Chart, now: datetime
) -> list[EntryRecord]:
    """Write validated requests (the shared path of post, post_many, reverse and holds)."""
    if not prepared:
        return []
    if session.get_bind().dialect.name == "postgresql":
        new, replays, any_closed, read = lookup_postgresql(session, prepared)
    else:
        new, replays, any_closed = lookup(session, prepared)
        read = None
    ids: dict[str, int] = {}
    if new:
        if any_closed:
            closed = closed_between(
                session, min(p.effective_at for p in new), max(p.effective_at for p in new)
            )
            for item in new:
                check_open(closed, item.effective_at, field=f"{item.field}effective_at")
        ids = _write_new(session, new, chart, now, read)
    loaded = load_entries(session, replays.values())
    records: list[EntryRecord] = []
    for item in prepared:
        entry_id = replays.get(item.key)
        if entry_id is not None:
            records.append(replace(loaded[entry_id], replayed=True))
        else:
            records.append(_record(item, ids[item.key], now))
    return records


def replay_for_key(session: Session, key: str, digest: str) -> EntryRecord | None:
    """The entry recorded under ``key`` if its request hash is ``digest``; conflict otherwise."""
    row = session.execute(
        select(entries.c.id, entries.c.request_hash).where(entries.c.idempotency_key == key)
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict(
            f"key {key!r} was used for entry {row.id} with different content",
            field="key",
            entry_id=row.id,
        )
    return replace(load_entries(session, [row.id])[row.id], replayed=True)


def _simulate(
    new: list[Prepared], initial: dict[AccountKey, AccountState]
) -> dict[AccountKey, list[int]]:
    """Apply the entries one by one to copies of the states, checking limits after each."""
    states = {key: replace(state) for key, state in initial.items()}
    deltas: dict[AccountKey, list[int]] = {key: [0, 0, 0, 0] for key in states}
    for item in new:
        touched = []
        for account_key, debit_pending, credit_pending in item.release:
            state, delta = states[account_key], deltas[account_key]
            state.debits_pending -= debit_pending
            state.credits_pending -= credit_pending
            delta[2] -= debit_pending
            delta[3] -= credit_pending
        for index, leg in enumerate(item.legs):
            account_key = (leg.account, leg.currency)
            state, delta = states[account_key], deltas[account_key]
            if leg.side == "debit":
                state.debits_posted += leg.amount
                delta[0] += leg.amount
            else:
                state.credits_posted += leg.amount
                delta[1] += leg.amount
            touched.append((index, state))
        for index, state in touched:
            check_limit(state, field=f"{item.field}postings[{index}]", key=item.key)
    return deltas


def _write_new(
    session: Session,
    new: list[Prepared],
    chart: Chart,
    now: datetime,
    read: dict[AccountKey, AccountState] | None,
) -> dict[str, int]:
    keys = account_keys(new)
    states = dict(read) if read is not None else lock_accounts(session, keys)
    missing = unopened_states(session, keys - states.keys(), chart)
    deltas = _simulate(new, {**states, **missing})
    if missing:
        # Nothing is written before this point; now open the accounts and check again with
        # their real rows (a concurrent writer may have opened and used one meanwhile).
        states.update(open_missing(session, missing, chart))
        deltas = _simulate(new, states)
    totals = {states[key].id: delta for key, delta in deltas.items()}
    connection = session.connection()
    try:
        if connection.dialect.name == "postgresql":
            return write_postgresql(connection, new, states, totals, now)
        return write_sqlite(session, new, states, totals, now)
    except IntegrityError as exc:
        raise translate(exc) from exc


def translate(exc: IntegrityError) -> Exception:
    """Map a database refusal to the ledger error it stands for (the transaction must roll back)."""
    message = str(exc.orig)
    if "idempotency_key" in message or "reverses_entry_id" in message or "hold_id" in message:
        return ConcurrentWrite("another transaction wrote the same key first; retry", field="key")
    if "period closed" in message:
        return PeriodClosed("the effective date is inside a closed period", field="effective_at")
    if "lower_limit" in message or "upper_limit" in message:
        # The Python check passed on balances a concurrent writer has since changed: a retry
        # re-reads them and then refuses cleanly (LimitExceeded) or succeeds.
        return ConcurrentWrite(
            "a concurrent write changed a balance this entry was checked against; retry",
            field="postings",
        )
    return DatabaseRefused(f"the database refused the entry: {message}", field="postings")


def _record(item: Prepared, entry_id: int, now: datetime) -> EntryRecord:
    return EntryRecord(
        id=entry_id,
        key=item.key,
        description=item.description,
        effective_at=item.effective_at,
        recorded_at=now,
        metadata=dict(item.metadata),
        postings=tuple(
            PostedLeg(number, leg.account, leg.currency, leg.signed)
            for number, leg in enumerate(item.legs, start=1)
        ),
        reverses_entry_id=item.reverses_entry_id,
        hold_id=item.hold_id,
    )
