"""Tamper evidence: a SHA-256 hash chain over entries, extended in batches.

Each entry gets a link ``(seq, entry_id, prev_hash, hash)`` where
``hash = SHA-256(prev_hash ":" seq ":" digest(entry))`` and the digest covers every stored field
of the entry and of its postings. Changing, removing or inserting anything in the history breaks
every later link, and ``verify_chain`` names the first one.

Why in batches: chaining inside each post would make every writer wait for the previous
writer's hash, i.e. take one global lock per entry, serialising all posting. Instead a trigger
queues each new entry (``ledger_chain_queue``) and ``seal_chain`` (the worker, the CLI, or
``post_many(seal=True)``) links the queued entries in one go under a single lock. The trade-off:
an entry is tamper-evident from the moment it is sealed, not from the moment it is posted;
until then it is protected by the append-only triggers alone. ``verify`` reports how many
entries wait in the queue.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ledger.models import chain_links, chain_queue, entries, postings

GENESIS = "0" * 64
_CHAIN_LOCK = 0x1ED6E5C4A1  # pg_advisory_xact_lock key of the chain's single writer
_CHUNK = 1000


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_digest(entry: Any, legs: list[tuple[int, int, str, int]]) -> str:
    """SHA-256 of an entry row and its ``(leg, account_id, currency, amount)`` postings."""
    canonical = json.dumps(
        [
            entry.id,
            entry.idempotency_key,
            entry.request_hash,
            entry.description,
            _iso(entry.effective_at),
            _iso(entry.recorded_at),
            entry.posting_count,
            entry.reverses_entry_id,
            entry.hold_id,
            entry.metadata,
            sorted(legs),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def link_hash(prev_hash: str, seq: int, digest: str) -> str:
    """The hash of link ``seq``: SHA-256 over the previous hash, the position and the digest."""
    return hashlib.sha256(f"{prev_hash}:{seq}:{digest}".encode()).hexdigest()


def _digests(session: Session, entry_ids: list[int]) -> dict[int, str]:
    legs: dict[int, list[tuple[int, int, str, int]]] = {}
    rows = session.execute(
        select(
            postings.c.entry_id,
            postings.c.leg,
            postings.c.account_id,
            postings.c.currency,
            postings.c.amount,
        ).where(postings.c.entry_id.in_(entry_ids))
    )
    for entry_id, leg, account_id, currency, amount in rows:
        legs.setdefault(entry_id, []).append((leg, account_id, currency, amount))
    return {
        row.id: entry_digest(row, legs.get(row.id, []))
        for row in session.execute(select(entries).where(entries.c.id.in_(entry_ids)))
    }


def seal_chain(session: Session, *, limit: int | None = None) -> int:
    """Link queued entries onto the chain (oldest id first); return how many were sealed.

    On PostgreSQL one transaction-scoped advisory lock makes sealers take turns; posting never
    takes it. Run it in READ COMMITTED (the default) so a sealer that waited sees the links the
    previous one committed.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    head = session.execute(
        select(chain_links.c.seq, chain_links.c.hash).order_by(chain_links.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    query = select(chain_queue.c.entry_id).order_by(chain_queue.c.entry_id)
    if limit is not None:
        query = query.limit(limit)
    queued = list(session.execute(query).scalars())
    connection = session.connection()
    now = datetime.now(UTC)
    for start in range(0, len(queued), _CHUNK):
        chunk = queued[start : start + _CHUNK]
        digests = _digests(session, chunk)
        links = []
        for entry_id in chunk:
            seq += 1
            prev_hash, prev = prev, link_hash(prev, seq, digests[entry_id])
            links.append(
                {
                    "seq": seq,
                    "entry_id": entry_id,
                    "prev_hash": prev_hash,
                    "hash": prev,
                    "sealed_at": now,
                }
            )
        connection.execute(chain_links.insert(), links)
        connection.execute(delete(chain_queue).where(chain_queue.c.entry_id.in_(chunk)))
    return len(queued)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first link that does not verify, and why."""

    seq: int
    entry_id: int | None
    reason: str
    expected: str
    found: str


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """Result of walking the chain: links checked, entries waiting, and the first break."""

    links: int
    queued: int
    head: str
    broken: ChainBreak | None


def _walk(session: Session) -> Iterator[tuple[int, int, str, str, str | None]]:
    last = 0
    while True:
        rows = session.execute(
            select(
                chain_links.c.seq,
                chain_links.c.entry_id,
                chain_links.c.prev_hash,
                chain_links.c.hash,
            )
            .where(chain_links.c.seq > last)
            .order_by(chain_links.c.seq)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        digests = _digests(session, [row.entry_id for row in rows])
        for row in rows:
            yield row.seq, row.entry_id, row.prev_hash, row.hash, digests.get(row.entry_id)
        last = rows[-1].seq


def verify_chain(session: Session) -> ChainStatus:
    """Recompute every link from the stored entries; report the first broken one."""
    expected_prev, count = GENESIS, 0
    broken: ChainBreak | None = None
    for seq, entry_id, prev_hash, stored, digest in _walk(session):
        count += 1
        if seq != count:
            broken = ChainBreak(seq, entry_id, "sequence gap", str(count), str(seq))
        elif prev_hash != expected_prev:
            broken = ChainBreak(seq, entry_id, "prev_hash mismatch", expected_prev, prev_hash)
        elif digest is None:
            broken = ChainBreak(seq, entry_id, "entry missing", f"entry {entry_id}", "nothing")
        elif (computed := link_hash(prev_hash, seq, digest)) != stored:
            broken = ChainBreak(seq, entry_id, "entry content changed", computed, stored)
        if broken is not None:
            break
        expected_prev = stored
    queued = session.execute(select(func.count()).select_from(chain_queue)).scalar_one()
    return ChainStatus(count, queued, expected_prev, broken)
