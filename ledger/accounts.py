"""Opening accounts, reading and locking their totals, checking and writing them.

Writers lock the accounts they change in id order (``SELECT ... ORDER BY id FOR UPDATE`` here,
or inside the PostgreSQL write statement of ``ledger.storage``), so two writers on the same hot
accounts (fee revenue, clearing) queue rather than deadlock; when a unit of work spans several
calls and a deadlock does happen, PostgreSQL breaks it and ``run_in_transaction`` retries with
the same idempotency keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ledger.chart import DEFAULT_CHART, AccountSpec, Chart
from ledger.currencies import exponent
from ledger.errors import AccountConflict, AccountNotFound, CurrencyMismatch, LimitExceeded
from ledger.models import Account, accounts

_CHUNK = 500
_UNSET: object = object()

AccountKey = tuple[str, str]  # (code, currency)


@dataclass(slots=True)
class AccountState:
    """An account's identity, limits and stored totals, as locked for one write."""

    id: int
    code: str
    currency: str
    normal_side: str
    lower_limit: int | None
    upper_limit: int | None
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    def violation(self) -> tuple[str, int, int] | None:
        """``(which, limit, value)`` if the totals cross a limit, else ``None``."""
        if self.normal_side == "debit":
            low = self.debits_posted - self.credits_posted - self.credits_pending
            high = self.debits_posted + self.debits_pending - self.credits_posted
        else:
            low = self.credits_posted - self.debits_posted - self.debits_pending
            high = self.credits_posted + self.credits_pending - self.debits_posted
        if self.lower_limit is not None and low < self.lower_limit:
            return ("lower", self.lower_limit, low)
        if self.upper_limit is not None and high > self.upper_limit:
            return ("upper", self.upper_limit, high)
        return None


_STATE_COLUMNS = (
    accounts.c.id,
    accounts.c.code,
    accounts.c.currency,
    accounts.c.normal_side,
    accounts.c.lower_limit,
    accounts.c.upper_limit,
    accounts.c.debits_posted,
    accounts.c.credits_posted,
    accounts.c.debits_pending,
    accounts.c.credits_pending,
)


def lock_accounts(session: Session, keys: Iterable[AccountKey]) -> dict[AccountKey, AccountState]:
    """Lock the existing accounts among ``keys`` in id order and return their states."""
    wanted = sorted(set(keys))
    found: dict[AccountKey, AccountState] = {}
    postgresql = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        if postgresql:  # a prepared-once text statement: less Python per post
            rows = session.execute(
                _PG_LOCK, {"codes": [c for c, _ in chunk], "currencies": [c for _, c in chunk]}
            )
        else:
            rows = session.execute(
                select(*_STATE_COLUMNS)
                .where(tuple_(accounts.c.code, accounts.c.currency).in_(chunk))
                .order_by(accounts.c.id)
            )
        for row in rows:
            found[(row[1], row[2])] = AccountState(*row)
    return found


_PG_LOCK = text(
    """
SELECT id, code, currency, normal_side, lower_limit, upper_limit,
       debits_posted, credits_posted, debits_pending, credits_pending
  FROM ledger_accounts
 WHERE (code, currency) IN (SELECT * FROM unnest(CAST(:codes AS text[]),
                                                 CAST(:currencies AS text[])))
 ORDER BY id
   FOR UPDATE
"""
)


def lock_account_ids(session: Session, ids: Iterable[int]) -> dict[int, AccountState]:
    """Lock accounts by id, in id order, and return their states."""
    rows = session.execute(
        select(*_STATE_COLUMNS)
        .where(accounts.c.id.in_(sorted(set(ids))))
        .order_by(accounts.c.id)
        .with_for_update()
    )
    return {row.id: AccountState(*row) for row in rows}


def unopened_states(
    session: Session, keys: Iterable[AccountKey], chart: Chart
) -> dict[AccountKey, AccountState]:
    """States (id 0, zero totals) for accounts not yet opened, after the currency policy check.

    Raises ``CurrencyMismatch`` when the chart pins a code to one currency and the code is
    already open in another.
    """
    states: dict[AccountKey, AccountState] = {}
    pinned: dict[str, str] = {}
    for code, currency in sorted(set(keys)):
        spec = chart.spec(code)
        if spec.single_currency and pinned.setdefault(code, currency) != currency:
            raise CurrencyMismatch(
                f"{code} is held in one currency; the entry uses {pinned[code]} and {currency}",
                field="postings",
                account=code,
            )
        states[(code, currency)] = _state(0, spec, currency)
    if pinned:
        rows = session.execute(
            select(accounts.c.code, accounts.c.currency).where(accounts.c.code.in_(list(pinned)))
        )
        for code, currency in rows:
            if currency != pinned[code]:
                raise CurrencyMismatch(
                    f"{code} is held in {currency}, not {pinned[code]}",
                    field="postings",
                    account=code,
                    expected=currency,
                    found=pinned[code],
                )
    return states


def _state(account_id: int, spec: AccountSpec, currency: str) -> AccountState:
    return AccountState(
        id=account_id,
        code=spec.code,
        currency=currency,
        normal_side=spec.normal_side,
        lower_limit=spec.lower_limit,
        upper_limit=spec.upper_limit,
    )


def insert_accounts(session: Session, rows: list[dict]) -> None:
    """Insert account rows, ignoring any that a concurrent writer opened first."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(accounts).on_conflict_do_nothing(
        index_elements=[accounts.c.code, accounts.c.currency]
    )
    session.execute(statement, rows)


def open_missing(
    session: Session, states: dict[AccountKey, AccountState], chart: Chart
) -> dict[AccountKey, AccountState]:
    """Open the accounts of ``states`` (from ``unopened_states``), lock and return them."""
    now = datetime.now(UTC)
    rows = []
    for (code, currency), state in states.items():
        spec = chart.spec(code)
        rows.append(
            {
                "code": code,
                "currency": currency,
                "type": spec.type,
                "normal_side": spec.normal_side,
                "lower_limit": state.lower_limit,
                "upper_limit": state.upper_limit,
                "opened_at": now,
            }
        )
    insert_accounts(session, rows)
    return lock_accounts(session, states)


def check_limit(state: AccountState, *, field: str, key: str | None = None) -> None:
    """Raise ``LimitExceeded`` if the state's totals cross one of its limits."""
    crossed = state.violation()
    if crossed is not None:
        which, limit, value = crossed
        raise LimitExceeded(
            f"{state.code} ({state.currency}) would be {value}, "
            f"{'below its lower' if which == 'lower' else 'above its upper'} limit {limit}",
            field=field,
            account=state.code,
            currency=state.currency,
            limit=limit,
            balance=value,
            key=key,
        )


def write_totals(session: Session, deltas: dict[int, list[int]]) -> None:
    """Add ``[debits_posted, credits_posted, debits_pending, credits_pending]`` deltas, by id.

    Updates run in id order, the same order the rows were locked in.
    """
    rows = [
        {"i": account_id, "dp": d[0], "cp": d[1], "dq": d[2], "cq": d[3]}
        for account_id, d in sorted(deltas.items())
        if any(d)
    ]
    if not rows:
        return
    statement = (
        update(accounts)
        .where(accounts.c.id == bindparam("i"))
        .values(
            debits_posted=accounts.c.debits_posted + bindparam("dp"),
            credits_posted=accounts.c.credits_posted + bindparam("cp"),
            debits_pending=accounts.c.debits_pending + bindparam("dq"),
            credits_pending=accounts.c.credits_pending + bindparam("cq"),
        )
    )
    session.connection().execute(statement, rows)


def open_account(
    session: Session,
    code: str,
    currency: str,
    *,
    chart: Chart = DEFAULT_CHART,
    lower_limit: int | None | object = _UNSET,
    upper_limit: int | None | object = _UNSET,
) -> Account:
    """Open ``code`` in ``currency`` (or return it if open), with the chart's type and limits.

    Explicit ``lower_limit``/``upper_limit`` override the chart's; opening an existing account
    with different limits raises ``AccountConflict`` (limits are not changed here).
    """
    spec = chart.spec(code, field="code")
    exponent(currency)
    unopened_states(session, [(code, currency)], chart)
    lower = spec.lower_limit if lower_limit is _UNSET else lower_limit
    upper = spec.upper_limit if upper_limit is _UNSET else upper_limit
    insert_accounts(
        session,
        [
            {
                "code": code,
                "currency": currency,
                "type": spec.type,
                "normal_side": spec.normal_side,
                "lower_limit": lower,
                "upper_limit": upper,
                "opened_at": datetime.now(UTC),
            }
        ],
    )
    account = get_account(session, code, currency)
    if (account.lower_limit, account.upper_limit) != (lower, upper):
        raise AccountConflict(
            f"{code} ({currency}) is open with limits "
            f"{account.lower_limit}..{account.upper_limit}, not {lower}..{upper}",
            field="code",
            account=code,
        )
    return account


def get_account(session: Session, code: str, currency: str) -> Account:
    """The account ``code`` in ``currency``; ``AccountNotFound`` if it was never opened."""
    account = session.execute(
        select(Account)
        .where(Account.code == code, Account.currency == currency)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if account is None:
        raise AccountNotFound(f"no account {code} in {currency}", field="code", account=code)
    return account
