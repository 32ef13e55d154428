"""Every way the ledger refuses a request, as one exception hierarchy.

Each error carries a stable ``code`` (for API error bodies and logs) and the ``field`` that was
wrong (``postings[1].amount``, ``key``, ``effective_at`` ...). The ledger raises them before it
writes anything, so a caller's transaction is still usable after catching one (except where the
database itself refused a statement; those are raised from the database error and the
transaction must be rolled back).
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    code = "ledger_error"
    retryable = False

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{code, message, field, details}``."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "details": {k: str(v) for k, v in self.details.items()},
        }


class InvalidRequest(LedgerError):
    """The request itself is malformed; nothing in the database was consulted."""

    code = "invalid_request"


class UnbalancedEntry(InvalidRequest):
    """The postings of an entry do not sum to zero in some currency."""

    code = "unbalanced_entry"


class TooFewPostings(InvalidRequest):
    """An entry needs at least two postings."""

    code = "too_few_postings"


class TooManyPostings(InvalidRequest):
    """An entry has more postings than the ledger accepts in one entry."""

    code = "too_many_postings"


class InvalidAmount(InvalidRequest):
    """An amount is not a positive integer number of minor units within range."""

    code = "invalid_amount"


class ZeroAmount(InvalidAmount):
    """A posting of zero moves nothing and is refused."""

    code = "zero_amount"


class FractionalAmount(InvalidAmount):
    """Amounts are integers in minor units; a fraction of a minor unit is refused."""

    code = "fractional_amount"


class UnknownCurrency(InvalidRequest):
    """The currency is not an ISO 4217 code the ledger knows."""

    code = "unknown_currency"


class CurrencyMismatch(LedgerError):
    """A posting's currency differs from the currency its account is held in."""

    code = "currency_mismatch"


class InvalidAccountCode(InvalidRequest):
    """An account code is not a valid hierarchical code (``liabilities:escrow:order:1042``)."""

    code = "invalid_account_code"


class InvalidMetadata(InvalidRequest):
    """Entry metadata is not a small flat mapping of short keys to short values."""

    code = "invalid_metadata"


class InvalidTimestamp(InvalidRequest):
    """A timestamp is naive (no time zone) or not a datetime."""

    code = "invalid_timestamp"


class InvalidKey(InvalidRequest):
    """An idempotency key is empty or too long."""

    code = "invalid_key"


class InvalidDescription(InvalidRequest):
    """A description is too long."""

    code = "invalid_description"


class IdempotencyConflict(LedgerError):
    """The key was used before for a request with different content."""

    code = "idempotency_conflict"


class PeriodClosed(LedgerError):
    """The effective date falls inside a closed accounting period."""

    code = "period_closed"


class LimitExceeded(LedgerError):
    """The posting would take an account across its lower or upper balance limit."""

    code = "balance_limit_exceeded"


class AlreadyReversed(LedgerError):
    """An entry can be reversed once only."""

    code = "already_reversed"


class NotFound(LedgerError):
    """Base of the look-up failures."""

    code = "not_found"


class AccountNotFound(NotFound):
    """No account with that code and currency."""

    code = "account_not_found"


class EntryNotFound(NotFound):
    """No entry with that id."""

    code = "entry_not_found"


class HoldNotFound(NotFound):
    """No hold with that id."""

    code = "hold_not_found"


class PeriodNotFound(NotFound):
    """No period with that name."""

    code = "period_not_found"


class AccountConflict(LedgerError):
    """An account exists already with other attributes (type, limits)."""

    code = "account_conflict"


class HoldNotPending(LedgerError):
    """The hold was already posted, voided or expired."""

    code = "hold_not_pending"


class HoldExpired(LedgerError):
    """The hold's expiry time has passed; it can only be voided or expired now."""

    code = "hold_expired"


class HoldAmountExceeded(LedgerError):
    """A hold can be posted for at most the amount it reserved."""

    code = "hold_amount_exceeded"


class InvalidPeriod(LedgerError):
    """A period is empty, overlaps another, or cannot change state that way."""

    code = "invalid_period"


class ConcurrentWrite(LedgerError):
    """Another transaction wrote the same key or account first; retry the unit of work."""

    code = "concurrent_write"
    retryable = True


class DatabaseRefused(LedgerError):
    """A ledger trigger or constraint refused a statement; the transaction must roll back."""

    code = "database_refused"
