"""The registry log: every registry event appended to a SHA-256 hash chain.

``hash = SHA-256(prev_hash + canonical JSON of {seq, type, payload, created_at})`` with the
genesis ``prev_hash`` of 64 zeros. Appenders lock the one chain-head row (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so links are added one at
a time and ``seq`` has no gaps. :func:`verify_chain` re-derives every hash and names the first
link that does not match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.registry.models import RegistryEvent, RegistryHead

GENESIS = "0" * 64
HEAD_ID = 1


def canonical(seq: int, event_type: str, payload: dict, created_at: datetime) -> str:
    """The canonical JSON text an event's hash covers."""
    return json.dumps(
        {
            "seq": seq,
            "type": event_type,
            "payload": payload,
            "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def link_hash(prev_hash: str, seq: int, event_type: str, payload: dict, created_at) -> str:
    """The hash of one link."""
    text = prev_hash + canonical(seq, event_type, payload, created_at)
    return hashlib.sha256(text.encode()).hexdigest()


def _locked_head(session: Session) -> RegistryHead:
    statement = sa.select(RegistryHead).where(RegistryHead.id == HEAD_ID)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    head = session.scalar(statement)
    if head is not None:
        return head
    try:
        with session.begin_nested():
            session.add(RegistryHead(id=HEAD_ID, seq=0, hash=GENESIS))
    except sa.exc.IntegrityError:
        pass  # another writer created it first; lock theirs
    return session.scalar(statement.execution_options(populate_existing=True))


def append(session: Session, event_type: str, payload: dict, now: datetime) -> RegistryEvent:
    """Append an event to the log (in the caller's transaction)."""
    head = _locked_head(session)
    # Microseconds are all either engine keeps; hash exactly what is stored.
    created_at = now.astimezone(UTC)
    seq = head.seq + 1
    digest = link_hash(head.hash, seq, event_type, payload, created_at)
    event = RegistryEvent(
        seq=seq,
        event_type=event_type,
        payload=payload,
        created_at=created_at,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq, head.hash, head.updated_at = seq, digest, created_at
    session.flush()
    return event


@dataclass(frozen=True)
class ChainHead:
    """The latest link: anyone may read and keep it to detect later rewriting."""

    seq: int
    hash: str
    updated_at: datetime | None


def head(session: Session) -> ChainHead:
    """The current chain head (seq 0 and the genesis hash for an empty log)."""
    row = session.get(RegistryHead, HEAD_ID)
    if row is None:
        return ChainHead(0, GENESIS, None)
    return ChainHead(row.seq, row.hash, row.updated_at)


def verify_chain(session: Session, batch: int = 1000) -> int | None:
    """The ``seq`` of the first broken link, or None when the whole chain verifies.

    A link is broken if its seq skips, its ``prev_hash`` is not the previous link's hash, or its
    hash does not match its content. A head that points past the last link (a deleted tail) or
    at another hash breaks at the head's seq.
    """
    prev_hash, expected, last_seq = GENESIS, 1, 0
    while True:
        rows = session.scalars(
            sa.select(RegistryEvent)
            .where(RegistryEvent.seq > last_seq)
            .order_by(RegistryEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected:
                return expected
            recomputed = link_hash(
                prev_hash, event.seq, event.event_type, event.payload, event.created_at
            )
            if event.prev_hash != prev_hash or event.hash != recomputed:
                return event.seq
            prev_hash, expected, last_seq = event.hash, event.seq + 1, event.seq
    current = head(session)
    if current.seq != last_seq:
        return min(current.seq, last_seq) + 1
    if current.hash != prev_hash:
        return current.seq
    return None
