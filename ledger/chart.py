"""The chart of accounts (會計科目表): what an account code says about its account.

Codes are hierarchical, colon-separated, lower case: ``liabilities:escrow:order:1042``. The first
segment fixes the type and the normal side; rules matched by prefix add balance limits and
whether an account may exist in one currency only. Accounts are opened on demand from this chart
the first time an entry names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ledger.errors import InvalidAccountCode

# root segment -> (account type, normal side)
ROOTS: dict[str, tuple[str, str]] = {
    "assets": ("asset", "debit"),
    "liabilities": ("liability", "credit"),
    "equity": ("equity", "credit"),
    "revenue": ("revenue", "credit"),
    "expenses": ("expense", "debit"),
}

_CODE = re.compile(r"^[a-z]+(:[a-z0-9][a-z0-9_.\-]*)+$")
MAX_CODE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AccountRule:
    """Limits and currency policy for every account whose code starts with ``prefix``.

    ``lower_limit``/``upper_limit`` bound the balance on the normal side (minor units);
    ``single_currency`` refuses a second currency for the same code (one order, one currency).
    """

    prefix: str
    lower_limit: int | None = None
    upper_limit: int | None = None
    single_currency: bool = False


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """What the chart says about one code: type, normal side, limits, currency policy."""

    code: str
    type: str
    normal_side: str
    lower_limit: int | None
    upper_limit: int | None
    single_currency: bool


@dataclass(frozen=True)
class Chart:
    """A declarative chart: the roots above plus prefix rules, the longest prefix winning."""

    rules: tuple[AccountRule, ...] = ()

    def spec(self, code: str, *, field: str = "account") -> AccountSpec:
        """Type, normal side and limits for ``code``; ``InvalidAccountCode`` if it is malformed."""
        validate_code(code, field=field)
        account_type, side = ROOTS[code.split(":", 1)[0]]
        matching = [rule for rule in self.rules if code.startswith(rule.prefix)]
        rule = max(matching, key=lambda r: len(r.prefix), default=AccountRule(prefix=""))
        return AccountSpec(
            code=code,
            type=account_type,
            normal_side=side,
            lower_limit=rule.lower_limit,
            upper_limit=rule.upper_limit,
            single_currency=rule.single_currency,
        )


def validate_code(code: object, *, field: str = "account") -> str:
    """Return ``code`` if it is a well-formed account code under a known root, else raise."""
    if isinstance(code, str) and is_valid_code(code):
        return code
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH or not _CODE.match(code):
        raise InvalidAccountCode(
            f"{code!r} is not an account code like 'liabilities:escrow:order:1042'",
            field=field,
            code=code,
        )
    if code.split(":", 1)[0] not in ROOTS:
        raise InvalidAccountCode(
            f"{code!r} must start with one of {', '.join(ROOTS)}", field=field, code=code
        )
    return code


@lru_cache(maxsize=65536)
def is_valid_code(code: str) -> bool:
    """Cached: is ``code`` well formed under a known root?"""
    return (
        len(code) <= MAX_CODE_LENGTH
        and _CODE.match(code) is not None
        and code.split(":", 1)[0] in ROOTS
    )


# The exchange's chart (see DESIGN.md, "Money and the ledger"). Escrow holds buyers' money per
# order and payables hold what the exchange owes each provider: neither may go below zero.
DEFAULT_CHART = Chart(
    rules=(
        AccountRule("liabilities:escrow:", lower_limit=0, single_currency=True),
        AccountRule("liabilities:provider_payable:", lower_limit=0),
        AccountRule("assets:provider_receivable:", lower_limit=0),
        AccountRule("liabilities:refunds_payable:", lower_limit=0),
    )
)
