"""What callers hand the ledger (legs, entry requests) and what they get back (entry records).

Validation here is pure: it needs no database, so every malformed request is refused before a
single statement runs. The request hash is what makes idempotency keys safe: the same key with
the same content is a replay; the same key with other content is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ledger.chart import is_valid_code, validate_code
from ledger.currencies import EXPONENTS, exponent
from ledger.errors import (
    FractionalAmount,
    InvalidAmount,
    InvalidDescription,
    InvalidKey,
    InvalidMetadata,
    InvalidRequest,
    InvalidTimestamp,
    TooFewPostings,
    TooManyPostings,
    UnbalancedEntry,
    ZeroAmount,
)

MAX_AMOUNT = 10**15  # minor units in one posting: 10 trillion yuan; far below BIGINT overflow
MAX_LEGS = 100
MAX_KEY_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 500
MAX_METADATA_KEYS = 16
MAX_METADATA_VALUE_LENGTH = 256
_METADATA_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a movement as the caller states it: a positive amount debited or credited."""

    account: str
    side: str
    amount: int
    currency: str

    @property
    def signed(self) -> int:
        """The stored form: positive for a debit, negative for a credit."""
        return self.amount if self.side == "debit" else -self.amount


def debit(account: str, amount: int, currency: str) -> Leg:
    """A debit leg of ``amount`` minor units on ``account``."""
    return Leg(account, "debit", amount, currency)


def credit(account: str, amount: int, currency: str) -> Leg:
    """A credit leg of ``amount`` minor units on ``account``."""
    return Leg(account, "credit", amount, currency)


@dataclass(frozen=True, slots=True)
class EntryRequest:
    """Everything needed to post one entry; ``effective_at`` defaults to the time of posting."""

    key: str
    legs: Sequence[Leg]
    description: str = ""
    effective_at: datetime | None = None
    metadata: Mapping[str, str | int] | None = None


@dataclass(frozen=True, slots=True)
class PostedLeg:
    """A stored posting: signed amount (positive debit, negative credit) on an account."""

    leg: int
    account: str
    currency: str
    amount: int


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A recorded entry as the ledger returns it. ``replayed`` is true for an idempotent replay."""

    id: int
    key: str
    description: str
    effective_at: datetime
    recorded_at: datetime
    metadata: dict[str, Any]
    postings: tuple[PostedLeg, ...]
    reverses_entry_id: int | None = None
    hold_id: int | None = None
    replayed: bool = field(default=False, compare=False)


def check_key(key: object, *, field: str = "key") -> str:
    """An idempotency key: a non-empty string of at most 200 characters."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(
            f"the idempotency key must be 1 to {MAX_KEY_LENGTH} characters", field=field
        )
    return key


def check_amount(amount: object, *, field: str) -> int:
    """A positive integer number of minor units, at most ``MAX_AMOUNT``."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal | Fraction):
        raise InvalidAmount(f"{amount!r} is not an integer amount", field=field, amount=amount)
    if isinstance(amount, float | Decimal | Fraction) and amount != int(amount):
        raise FractionalAmount(
            f"{amount} is a fraction of a minor unit", field=field, amount=amount
        )
    if isinstance(amount, float):
        raise InvalidAmount("amounts are never floats", field=field, amount=amount)
    value = int(amount)
    if value == 0:
        raise ZeroAmount("a posting of zero moves nothing", field=field)
    if value < 0:
        raise InvalidAmount(
            "amounts are positive; use the other side for the opposite direction",
            field=field,
            amount=value,
        )
    if value > MAX_AMOUNT:
        raise InvalidAmount(f"{value} exceeds {MAX_AMOUNT}", field=field, amount=value)
    return value


def check_timestamp(value: object, *, field: str) -> datetime:
    """A timezone-aware datetime."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidTimestamp(f"{field} must be a timezone-aware datetime", field=field)
    return value


def check_description(value: object, *, field: str = "description") -> str:
    """A description of at most 500 characters."""
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidDescription(
            f"the description must be text of at most {MAX_DESCRIPTION_LENGTH} characters",
            field=field,
        )
    return value


def check_metadata(value: object, *, field: str = "metadata") -> dict[str, str | int]:
    """A flat mapping of at most 16 snake_case keys to short strings or integers."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or len(value) > MAX_METADATA_KEYS:
        raise InvalidMetadata(
            f"metadata must be a mapping of at most {MAX_METADATA_KEYS} keys", field=field
        )
    clean: dict[str, str | int] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _METADATA_KEY.match(key):
            raise InvalidMetadata(f"metadata key {key!r} is not snake_case", field=field)
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise InvalidMetadata(f"metadata[{key}] must be text or an integer", field=field)
        if isinstance(item, str) and len(item) > MAX_METADATA_VALUE_LENGTH:
            raise InvalidMetadata(f"metadata[{key}] is too long", field=f"{field}.{key}")
        if isinstance(item, int) and abs(item) > 2**53:
            raise InvalidMetadata(f"metadata[{key}] is out of range", field=f"{field}.{key}")
        clean[key] = item
    return clean


def check_legs(legs: object, *, field: str = "postings") -> tuple[Leg, ...]:
    """At least two well-formed legs that balance per currency."""
    if isinstance(legs, str | bytes) or not isinstance(legs, Sequence):
        raise InvalidRequest("postings must be a list of legs", field=field)
    if len(legs) < 2:
        raise TooFewPostings("an entry needs at least two postings", field=field)
    if len(legs) > MAX_LEGS:
        raise TooManyPostings(f"an entry takes at most {MAX_LEGS} postings", field=field)
    totals: dict[str, int] = {}
    for index, leg in enumerate(legs):
        if not (  # the common, valid case in one cheap test; the slow path names the field
            type(leg) is Leg
            and type(leg.amount) is int
            and 0 < leg.amount <= MAX_AMOUNT
            and leg.side in _SIDES
            and leg.currency in EXPONENTS
            and is_valid_code(leg.account)
        ):
            _check_leg(leg, f"{field}[{index}]")
        totals[leg.currency] = totals.get(leg.currency, 0) + leg.signed
    for currency, total in totals.items():
        if total != 0:
            raise UnbalancedEntry(
                f"debits and credits differ by {total} minor units of {currency}",
                field=field,
                currency=currency,
                difference=total,
            )
    if all(type(leg.amount) is int for leg in legs):
        return tuple(legs)
    return tuple(Leg(leg.account, leg.side, int(leg.amount), leg.currency) for leg in legs)


_SIDES = frozenset({"debit", "credit"})


def _check_leg(leg: object, where: str) -> None:
    if not isinstance(leg, Leg):
        raise InvalidRequest("each posting must be a Leg (use debit()/credit())", field=where)
    validate_code(leg.account, field=f"{where}.account")
    exponent(leg.currency, field=f"{where}.currency")
    if leg.side not in _SIDES:
        raise InvalidRequest("side must be 'debit' or 'credit'", field=f"{where}.side")
    check_amount(leg.amount, field=f"{where}.amount")


def request_hash(kind: str, **content: Any) -> str:
    """SHA-256 over a canonical JSON form of a request, for idempotency comparisons.

    Legs become ``[account, side, amount, currency]`` lists and datetimes ISO 8601 text.
    """
    canonical = json.dumps(
        {"kind": kind, **{name: _plain(value) for name, value in content.items()}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, list | tuple):
        return [
            [item.account, item.side, item.amount, item.currency] if isinstance(item, Leg) else item
            for item in value
        ]
    return value
