"""Where reconciliation stands now (``shujiao recon status``): each bank account's latest
statement, and Stripe's balance in each currency, against the ledger at the end of its last day (UTC+8), with
the open items that explain the difference (``market.finance.assertions``) and the lines still
open. Nothing is written: ``recon assert`` keeps the daily rows; this reads the present."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.finance import assertions
from market.finance.models import (
    AssertionStatus,
    BalanceAssertion,
    BankAccount,
    BankLine,
    BankStatement,
    ItemState,
    StripeBalanceTransaction,
)

OPEN = (ItemState.UNRECONCILED, ItemState.PARTIAL)


@dataclass(frozen=True)
class Standing:
    """A bank account's latest statement (or Stripe's balance in one currency) against the
    ledger."""

    account_key: str
    label: str
    ledger_account: str
    currency: str
    first: date
    last: date
    statement_minor: int
    ledger_minor: int
    explained_minor: int
    open_lines: int
    accepted: bool = False

    @property
    def difference_minor(self) -> int:
        """Statement less ledger."""
        return self.statement_minor - self.ledger_minor

    @property
    def unexplained_minor(self) -> int:
        """What the open items do not account for."""
        return self.difference_minor - self.explained_minor

    @property
    def settled(self) -> bool:
        """Nothing open and nothing different: nothing left to do."""
        return self.open_lines == 0 and self.difference_minor == 0

    @property
    def failing(self) -> bool:
        """A difference nothing explains and nobody accepted."""
        return self.unexplained_minor != 0 and not self.accepted


def standings(session: Session) -> list[Standing]:
    """Stripe per currency, then each bank account's latest statement."""
    found = []
    for target in assertions.reconciled_accounts(session):
        items = assertions.items_of(session, target)
        if target.key == assertions.STRIPE:
            bt = StripeBalanceTransaction
            balance, open_lines = session.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(bt.net), 0),
                    sa.func.count().filter(bt.state.in_(OPEN)),
                ).where(bt.currency == target.currency)
            ).one()
            found.append(_standing(session, target, target.first, target.last, int(balance),
                                   open_lines, items))  # fmt: skip
            continue
        # The latest statement only: an earlier one's closing balance, read against the ledger
        # at the end of its day, counts lines of later statements of the same day.
        account_id = int(target.key.split(":")[1])
        latest = session.scalar(
            sa.select(BankStatement)
            .where(BankStatement.bank_account_id == account_id)
            .order_by(BankStatement.period_end.desc(), BankStatement.id.desc())
            .limit(1)
        )
        open_lines = session.scalar(
            sa.select(sa.func.count()).where(
                BankLine.bank_account_id == account_id, BankLine.state.in_(OPEN)
            )
        )
        found.append(
            _standing(session, target, latest.period_start, latest.period_end,
                      latest.closing_minor, open_lines, items)
        )  # fmt: skip
    return found


def _standing(session, target, first, last, balance, open_lines, items) -> Standing:
    booked = assertions.ledger_balance(session, target, last)
    explained = sum(item.explains_at(last) for item in items)
    unexplained = balance - booked - explained
    accepted = bool(unexplained) and session.scalar(
        sa.select(sa.func.count()).where(
            BalanceAssertion.account_key == target.key,
            BalanceAssertion.currency == target.currency,
            BalanceAssertion.day == last,
            BalanceAssertion.status == AssertionStatus.ACCEPTED,
            BalanceAssertion.unexplained_minor == unexplained,
        )
    )
    return Standing(target.key, target.label, target.ledger_account, target.currency, first,
                    last, balance, booked, explained, open_lines, bool(accepted))  # fmt: skip


def bank_accounts_without_statements(session: Session) -> list[str]:
    """The names of bank accounts no statement was imported for yet."""
    with_statements = sa.select(BankStatement.bank_account_id)
    return list(
        session.scalars(
            sa.select(BankAccount.name)
            .where(BankAccount.id.not_in(with_statements))
            .order_by(BankAccount.id)
        )
    )
