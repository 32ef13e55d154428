"""Idempotency keys on writes that move money: the same key and body give the first result;
the same key with another body is a 409 naming ``Idempotency-Key``.

Rows that take a key store it with :func:`request_hash` of the request; :func:`replay` finds
the earlier row under the key (the caller's query says whose keys share a space). The ledger
(a library that imports no ``market``) does the same for journal entries in
``ledger/posting.py``; the Stripe webhook deduplicates on Stripe's event id instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict

FIELD = "Idempotency-Key"
Row = TypeVar("Row")


def request_hash(data: Mapping) -> str:
    """SHA-256 of a request body in canonical JSON: same key, same body → same result."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(session: Session, earlier: sa.Select, digest: str, conflict: str) -> Row | None:
    """The row ``earlier`` finds under the key, if its request hash is ``digest``; None if
    there is none; Conflict (message ``conflict``, field ``Idempotency-Key``) otherwise."""
    existing = session.scalar(earlier)
    if existing is not None and existing.request_hash != digest:
        raise Conflict(conflict, field=FIELD)
    return existing
