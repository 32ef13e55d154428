"""How rows reach each engine: the look-up, lock and write statements of the posting path.

``ledger.posting`` decides *what* to write; this module writes it the cheapest way each engine
allows. PostgreSQL is a server, so the cost is round trips: the idempotency look-up, the
closed-period test and the account locks are one statement, and the totals, entries and
postings another. SQLite runs in-process, so the cost is Python per row: values are converted
once and go through the driver's ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from ledger.accounts import AccountKey, AccountState
from ledger.entries import Leg
from ledger.errors import IdempotencyConflict
from ledger.models import entries, periods

_CHUNK = 500


@dataclass(slots=True)
class Prepared:
    """A validated request ready to be written."""

    key: str
    hash: str
    legs: tuple[Leg, ...]
    description: str
    effective_at: datetime
    metadata: dict[str, Any]
    field: str = ""
    reverses_entry_id: int | None = None
    hold_id: int | None = None
    # Pending amounts released by this entry (posting a hold): account key -> (debit, credit).
    release: tuple[tuple[AccountKey, int, int], ...] = ()


def first_by_key(prepared: list[Prepared]) -> dict[str, Prepared]:
    first: dict[str, Prepared] = {}
    for item in prepared:
        seen = first.setdefault(item.key, item)
        if seen.hash != item.hash:
            raise IdempotencyConflict(
                f"key {item.key!r} appears twice in the batch with different content",
                field=f"{item.field}key",
            )
    return first


def same_request(item: Prepared, entry_id: int, digest: str) -> int:
    if digest != item.hash:
        raise IdempotencyConflict(
            f"key {item.key!r} was used for entry {entry_id} with different content",
            field=f"{item.field}key",
            entry_id=entry_id,
        )
    return entry_id


def account_keys(items: Iterable[Prepared]) -> set[AccountKey]:
    keys = {(leg.account, leg.currency) for item in items for leg in item.legs}
    keys.update(key for item in items for key, _, _ in item.release)
    return keys


def lookup_postgresql(
    session: Session, prepared: list[Prepared]
) -> tuple[list[Prepared], dict[str, int], bool, dict[AccountKey, AccountState]]:
    """PostgreSQL: the idempotency look-up, the closed-period test and the accounts' totals in
    one statement, i.e. one round trip before the write.

    The totals are read without locking them: the limit check runs on the last committed
    balances, and the write statement locks the accounts (in id order) only for its own short
    duration plus the commit, so writers on hot accounts overlap everything but that. If a
    concurrent writer moved a balance across a limit in between, the database's CHECK refuses
    the write and ``run_in_transaction`` retries, re-reading the balances.
    """
    first = first_by_key(prepared)
    accounts_wanted = sorted(account_keys(first.values()))
    rows = session.execute(
        _PG_LOOKUP,
        {
            "keys": list(first),
            "low": min(item.effective_at for item in prepared),
            "high": max(item.effective_at for item in prepared),
            "codes": [code for code, _ in accounts_wanted],
            "currencies": [currency for _, currency in accounts_wanted],
        },
    )
    known: dict[str, int] = {}
    found: dict[AccountKey, AccountState] = {}
    any_closed = False
    for kind, *values in rows:
        if kind == "account":
            state = AccountState(*values[:10])
            found[(state.code, state.currency)] = state
        elif kind == "entry":
            entry_id, key, digest = values[0], values[1], values[10]
            known[key] = same_request(first[key], entry_id, digest)
        else:
            any_closed = values[0] > 0
    new = [item for item in first.values() if item.key not in known]
    return new, known, any_closed, found


_PG_LOOKUP = text(
    """
SELECT 'account', id, code, currency, normal_side, lower_limit, upper_limit,
       debits_posted, credits_posted, debits_pending, credits_pending, NULL
  FROM ledger_accounts
 WHERE (code, currency) IN (SELECT * FROM unnest(CAST(:codes AS text[]),
                                                 CAST(:currencies AS text[])))
UNION ALL
SELECT 'entry', id, idempotency_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, request_hash
  FROM ledger_entries WHERE idempotency_key = ANY(CAST(:keys AS text[]))
UNION ALL
SELECT 'closed', count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM ledger_periods WHERE status = 'closed' AND starts_at <= :high AND ends_at > :low
"""
)


def lookup(
    session: Session, prepared: list[Prepared]
) -> tuple[list[Prepared], dict[str, int], bool]:
    """SQLite: new requests in order, key -> entry id of the replays, and whether a closed
    period overlaps the batch's dates."""
    first = first_by_key(prepared)
    low = min(item.effective_at for item in prepared)
    high = max(item.effective_at for item in prepared)
    closed = (
        select(func.count().label("closed"))
        .where(periods.c.status == "closed", periods.c.starts_at <= high, periods.c.ends_at > low)
        .subquery()
    )
    keys = list(first)
    known: dict[str, int] = {}
    any_closed = False
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = session.execute(
            select(closed.c.closed, entries.c.idempotency_key, entries.c.id)
            .add_columns(entries.c.request_hash)
            .select_from(closed)
            .outerjoin(entries, entries.c.idempotency_key.in_(chunk))
        )
        for count, key, entry_id, digest in rows:
            any_closed = any_closed or count > 0
            if key is not None:
                known[key] = same_request(first[key], entry_id, digest)
    return [item for item in first.values() if item.key not in known], known, any_closed


def write_sqlite(
    session: Session,
    new: list[Prepared],
    states: dict[AccountKey, AccountState],
    totals: dict[int, list[int]],
    now: datetime,
) -> dict[str, int]:
    # Driver-level executemany with values converted once here: SQLite runs in-process, so
    # per-row Python overhead, not round trips, is what a batch costs.
    connection = session.connection()
    changed = [(*d, i) for i, d in sorted(totals.items()) if any(d)]
    connection.exec_driver_sql(_SQLITE_TOTALS, changed)
    # One writer at a time, and the update above made this transaction the writer.
    top = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM ledger_entries").scalar()
    ids = list(range(top + 1, top + 1 + len(new)))
    recorded = sqlite_time(now)
    posting_rows, entry_rows = [], []
    for item, entry_id in zip(new, ids, strict=True):
        effective = sqlite_time(item.effective_at)
        for number, leg in enumerate(item.legs, start=1):
            account_id = states[(leg.account, leg.currency)].id
            posting_rows.append((entry_id, number, account_id, leg.currency, leg.signed, effective))
        entry_rows.append(
            (
                entry_id,
                item.key,
                item.hash,
                item.description,
                effective,
                recorded,
                len(item.legs),
                item.reverses_entry_id,
                item.hold_id,
                json.dumps(item.metadata, ensure_ascii=False),
            )
        )
    connection.exec_driver_sql(_SQLITE_POSTINGS, posting_rows)
    connection.exec_driver_sql(_SQLITE_ENTRIES, entry_rows)
    return {item.key: entry_id for item, entry_id in zip(new, ids, strict=True)}


def sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy stores for a UTC datetime on SQLite (fixed width, sortable)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_SQLITE_TOTALS = (
    "UPDATE ledger_accounts SET debits_posted = debits_posted + ?, "
    "credits_posted = credits_posted + ?, debits_pending = debits_pending + ?, "
    "credits_pending = credits_pending + ? WHERE id = ?"
)


_SQLITE_POSTINGS = (
    "INSERT INTO ledger_postings (entry_id, leg, account_id, currency, amount, effective_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


_SQLITE_ENTRIES = (
    "INSERT INTO ledger_entries (id, idempotency_key, request_hash, description, effective_at, "
    "recorded_at, posting_count, reverses_entry_id, hold_id, metadata) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# All writes of a post (or a batch) in one statement, i.e. one round trip: lock the accounts
# in id order (so writers on the same hot accounts queue instead of deadlocking), update their
# totals, insert the entries (ids from the sequence) and the postings. The entries' AFTER
# INSERT seal trigger fires at the end of the whole statement, so it sees the postings.
_POSTGRESQL_WRITE = text(
    """
WITH locked AS MATERIALIZED (
  SELECT id FROM ledger_accounts WHERE id = ANY(CAST(:t_id AS bigint[])) ORDER BY id FOR UPDATE
), totals AS (
  UPDATE ledger_accounts AS a
     SET debits_posted = a.debits_posted + d.dp, credits_posted = a.credits_posted + d.cp,
         debits_pending = a.debits_pending + d.dq, credits_pending = a.credits_pending + d.cq
    FROM locked
    JOIN unnest(CAST(:t_id AS bigint[]), CAST(:t_dp AS bigint[]), CAST(:t_cp AS bigint[]),
                CAST(:t_dq AS bigint[]), CAST(:t_cq AS bigint[])) AS d(id, dp, cp, dq, cq)
      ON d.id = locked.id
   WHERE a.id = locked.id
  RETURNING a.id
), new_entries AS (
  INSERT INTO ledger_entries (id, idempotency_key, request_hash, description, effective_at,
                              recorded_at, posting_count, reverses_entry_id, hold_id, metadata)
  SELECT nextval('ledger_entries_id_seq'), k, h, d, eff, CAST(:now AS timestamptz), n, r, hd,
         CAST(m AS json)
    FROM (SELECT * FROM unnest(CAST(:e_key AS text[]), CAST(:e_hash AS text[]),
                               CAST(:e_description AS text[]), CAST(:e_effective AS timestamptz[]),
                               CAST(:e_count AS smallint[]), CAST(:e_reverses AS bigint[]),
                               CAST(:e_hold AS bigint[]), CAST(:e_metadata AS text[]))
                 WITH ORDINALITY AS x(k, h, d, eff, n, r, hd, m, o)
          ORDER BY o) AS ordered
  RETURNING id, idempotency_key
), new_postings AS (
  INSERT INTO ledger_postings (entry_id, leg, account_id, currency, amount, effective_at)
  SELECT e.id, p.leg, p.account_id, p.currency, p.amount, p.eff
    FROM unnest(CAST(:p_key AS text[]), CAST(:p_leg AS smallint[]), CAST(:p_account AS bigint[]),
                CAST(:p_currency AS text[]), CAST(:p_amount AS bigint[]),
                CAST(:p_effective AS timestamptz[]))
         AS p(k, leg, account_id, currency, amount, eff)
    JOIN new_entries AS e ON e.idempotency_key = p.k
  RETURNING 1
)
SELECT id, idempotency_key FROM new_entries
"""
)


def write_postgresql(
    connection: Connection,
    new: list[Prepared],
    states: dict[AccountKey, AccountState],
    totals: dict[int, list[int]],
    now: datetime,
) -> dict[str, int]:
    changed = sorted((i, d) for i, d in totals.items() if any(d))
    params = {
        "t_id": [i for i, _ in changed],
        "t_dp": [d[0] for _, d in changed],
        "t_cp": [d[1] for _, d in changed],
        "t_dq": [d[2] for _, d in changed],
        "t_cq": [d[3] for _, d in changed],
        "now": now,
        "e_key": [item.key for item in new],
        "e_hash": [item.hash for item in new],
        "e_description": [item.description for item in new],
        "e_effective": [item.effective_at for item in new],
        "e_count": [len(item.legs) for item in new],
        "e_reverses": [item.reverses_entry_id for item in new],
        "e_hold": [item.hold_id for item in new],
        "e_metadata": [json.dumps(item.metadata, ensure_ascii=False) for item in new],
        "p_key": [item.key for item in new for _ in item.legs],
        "p_leg": [n for item in new for n in range(1, len(item.legs) + 1)],
        "p_account": [states[(leg.account, leg.currency)].id for item in new for leg in item.legs],
        "p_currency": [leg.currency for item in new for leg in item.legs],
        "p_amount": [leg.signed for item in new for leg in item.legs],
        "p_effective": [item.effective_at for item in new for _ in item.legs],
    }
    return {key: entry_id for entry_id, key in connection.execute(_POSTGRESQL_WRITE, params)}
