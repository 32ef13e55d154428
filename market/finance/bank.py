"""The exchange's bank accounts and their statements (銀行對賬單).

Importing a statement is all or nothing and idempotent: the same file again changes nothing;
a line already imported from an overlapping statement (same bank reference) is kept once; the
opening balance must continue the account's last statement and the lines must add up to the
closing balance; nothing may be dated inside a closed accounting period.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from ledger.entries import MAX_AMOUNT
from market.db import utcnow
from market.errors import Conflict, InvalidInput, NotFound
from market.finance import audit, cash, statements
from market.finance import books as finance_books
from market.finance.models import BankAccount, BankLine, BankStatement
from market.finance.payouts import value_moment
from market.finance.stripe_import import refuse_closed_periods
from market.identity.models import User
from market.text import N_


def create_account(
    session: Session, data: dict, user: User | None = None, now: datetime | None = None
) -> BankAccount:
    """Register one of the exchange's bank accounts and how its CSV statements are read (its
    ready layout or its column mapping), in the audit trail."""
    if data.get("csv_layout") and data["csv_layout"] not in statements.LAYOUTS:
        raise InvalidInput(N_("There is no such ready layout."), field="csv_layout")
    if data.get("csv_mapping"):
        statements.check_mapping(data["csv_mapping"])
    taken = session.scalar(
        sa.select(BankAccount.id).where(
            sa.or_(
                BankAccount.name == data["name"],
                BankAccount.account_number == data["account_number"],
            )
        )
    )
    if taken is not None:
        raise Conflict(N_("This bank account is already registered."), field="account_number")
    wants_default = data.pop("is_default", False)
    account = BankAccount(**data)
    session.add(account)
    session.flush()
    # The first account of a currency is its default; a later one only when asked.
    if wants_default or cash.default_account(session, account.currency) is None:
        cash.make_default(session, account)
    audit.record(
        session, "bank_account_registered", f"bank_account:{account.id}", user, now or utcnow(),
        name=account.name, bank_name=account.bank_name, account_number=account.account_number,
        currency=account.currency, ledger_account=account.ledger_account,
        csv_layout=account.csv_layout, csv_mapping=account.csv_mapping or None,
        encoding=account.encoding, is_default=account.is_default or None,
    )  # fmt: skip
    return account


def account_or_404(session: Session, account_id: int) -> BankAccount:
    """A bank account of the exchange."""
    account = session.get(BankAccount, account_id)
    if account is None:
        raise NotFound(N_("No such bank account."), field="bank_account_id")
    return account


@dataclass(frozen=True)
class StatementImport:
    """What an import did."""

    statement: BankStatement
    created: bool
    new_lines: int
    known_lines: int


def _mapping(account: BankAccount, layout: str | None) -> dict:
    if layout:
        if layout not in statements.LAYOUTS:
            raise InvalidInput(N_("There is no such ready layout."), field="layout")
        return statements.LAYOUTS[layout]
    if account.csv_mapping:
        return account.csv_mapping
    if account.csv_layout:
        return statements.LAYOUTS[account.csv_layout]
    raise InvalidInput(
        N_("This account has no CSV layout: choose one or save a column mapping."), field="layout"
    )


def parse(
    account: BankAccount,
    data: bytes,
    kind: str,
    *,
    encoding: str | None = None,
    layout: str | None = None,
    opening: int | None = None,
) -> statements.ParsedStatement:
    """Read a statement file of ``account`` in format ``kind``."""
    if kind == "camt053":
        return statements.parse_camt053(data, account.currency)
    text, used = statements.decode(data, encoding, account.encoding)
    if kind == "mt940":
        parsed = statements.parse_mt940(text, account.currency)
    elif kind == "csv":
        parsed = statements.parse_csv(text, _mapping(account, layout), account.currency, opening)
    else:
        raise InvalidInput(N_("Choose CSV, MT940 or camt.053."), field="format")
    parsed.encoding = used
    return parsed


def _last_statement(session: Session, account_id: int) -> BankStatement | None:
    return session.scalar(
        sa.select(BankStatement)
        .where(BankStatement.bank_account_id == account_id)
        .order_by(BankStatement.period_end.desc(), BankStatement.id.desc())
        .limit(1)
    )


def _continues(
    session: Session, account_id: int, parsed: statements.ParsedStatement, known: dict
) -> None:
    """The new part of a statement continues the account's last statement: an export that
    overlaps it (bank portals export whole days) starts with lines imported before, and the
    balance before its first new line is what must equal the last closing balance."""
    last = _last_statement(session, account_id)
    if last is None:
        return
    before, first_new = parsed.opening_minor, None
    for line in parsed.lines:
        if line.bank_reference not in known:
            first_new = first_new or line
        elif first_new is not None:
            raise InvalidInput(
                N_("A line imported before follows a new line: the statements overlap wrongly."),
                field=f"lines[{line.line_number}]",
                first_new_line=first_new.line_number,
            )
        if first_new is None:
            before += line.amount_minor
    if first_new is None:
        return
    if last.closing_minor != before:
        raise InvalidInput(
            N_("The opening balance does not continue the last statement's closing balance."),
            field="opening_balance",
            first_new_line=first_new.line_number,
            expected=last.closing_minor,
            found=before,
            currency=parsed.currency,
        )


def import_statement(
    session: Session,
    account_id: int,
    data: bytes,
    kind: str,
    user: User | None,
    now: datetime,
    file_name: str | None = None,
    **options,
) -> StatementImport:
    """Import a statement file; see the module's rules. Each import that keeps something is in
    the audit trail with the file's name, its lines and those imported before."""
    account = account_or_404(session, account_id)
    digest = hashlib.sha256(data).hexdigest()
    seen = session.scalar(
        sa.select(BankStatement).where(
            BankStatement.bank_account_id == account.id, BankStatement.file_sha256 == digest
        )
    )
    if seen is not None:
        _imported(session, account, user, now, file_name, kind, seen, seen.line_count, 0)
        return StatementImport(seen, False, 0, seen.line_count)
    parsed = parse(account, data, kind, **options)
    if parsed.account and not statements.same_account(parsed.account, account.account_number):
        raise InvalidInput(
            N_("This statement is for account %(stated)s, not %(chosen)s, the account chosen."),
            field="file", stated=parsed.account[:40], chosen=account.account_number,
        )  # fmt: skip
    if parsed.opening_minor + sum(x.amount_minor for x in parsed.lines) != parsed.closing_minor:
        raise InvalidInput(
            N_("The lines do not add up from the opening to the closing balance."),
            field="closing_balance",
        )
    if abs(parsed.closing_minor) > MAX_AMOUNT or abs(parsed.opening_minor) > MAX_AMOUNT:
        raise InvalidInput(
            N_("This amount is larger than the ledger can book."), field="closing_balance",
            facts={"limit": MAX_AMOUNT},
        )  # fmt: skip
    # A bank reference (交易流水号, AcctSvcrRef, MT940's bank reference) names one movement: the
    # same one twice in a file is a broken export, never two payments, and is refused; a line
    # without a reference gets one from its place in the file, so identical lines count twice.
    unique: dict[str, statements.ParsedLine] = {}
    for line in parsed.lines:
        twin = unique.get(line.bank_reference)
        if twin is not None:
            raise InvalidInput(
                N_("Two lines of this statement carry the same bank reference."),
                field=f"lines[{line.line_number}]",
                reference=line.bank_reference,
                first_line=twin.line_number,
            )
        unique[line.bank_reference] = line
    known = {
        row.bank_reference: row
        for row in session.scalars(
            sa.select(BankLine).where(
                BankLine.bank_account_id == account.id,
                BankLine.bank_reference.in_(list(unique)),
            )
        )
    }
    for reference, line in unique.items():
        if reference in known and known[reference].amount_minor != line.amount_minor:
            raise InvalidInput(
                N_("This bank reference was imported before with another amount."),
                field=f"lines[{line.line_number}]",
            )
    # A line in a closed period is refused for the period first: its statement can never be
    # taken, whatever the balance says.
    refuse_closed_periods(
        session,
        [
            (f"lines[{x.line_number}]", value_moment(x.value_date))
            for x in parsed.lines
            if x.bank_reference not in known
        ],
    )
    _continues(session, account.id, parsed, known)
    if known and len(known) == len(unique):
        # Every line was imported before (a narrower re-export): nothing to keep, and no
        # statement that would end the account's history at an earlier balance.
        holder = session.get(
            BankStatement, max(known.values(), key=lambda row: row.id).statement_id
        )
        _imported(session, account, user, now, file_name, kind, holder, len(known), 0)
        return StatementImport(holder, False, 0, len(known))
    start, end = parsed.period
    statement = BankStatement(
        bank_account_id=account.id,
        file_sha256=digest,
        format=kind,
        encoding=parsed.encoding,
        period_start=start,
        period_end=end,
        opening_minor=parsed.opening_minor,
        closing_minor=parsed.closing_minor,
        line_count=len(parsed.lines),
        imported_by_id=user.id if user else None,
        imported_at=now,
    )
    session.add(statement)
    session.flush()
    fresh = [
        {
            "statement_id": statement.id,
            "bank_account_id": account.id,
            "line_number": line.line_number,
            "value_date": line.value_date,
            "booking_date": line.booking_date,
            "amount_minor": line.amount_minor,
            "currency": account.currency,
            "bank_reference": line.bank_reference,
            "counterparty_name": line.counterparty_name,
            "counterparty_account": line.counterparty_account,
            "remark": line.remark,
        }
        for reference, line in unique.items()
        if reference not in known
    ]
    if fresh:
        session.execute(sa.insert(BankLine), fresh)
    _imported(session, account, user, now, file_name, kind, statement, len(parsed.lines),
              len(fresh))  # fmt: skip
    return StatementImport(statement, True, len(fresh), len(parsed.lines) - len(fresh))


def _imported(
    session: Session, account: BankAccount, user: User | None, now: datetime,
    file_name: str | None, kind: str, statement: BankStatement, lines: int, new_lines: int,
) -> None:  # fmt: skip
    """The import in the audit trail: the file, its lines, those imported before (skipped), and
    the statement that holds them (an import that added nothing names the earlier one)."""
    audit.record(
        session, "statement_imported", f"bank_account:{account.id}", user, now,
        statement_id=statement.id, file_name=(file_name or "")[:200] or None, format=kind,
        period_start=statement.period_start.isoformat(),
        period_end=statement.period_end.isoformat(), lines=lines, new_lines=new_lines,
        duplicates=lines - new_lines, closing=statement.closing_minor, currency=account.currency,
    )  # fmt: skip


def first_statement(session: Session, account_id: int) -> BankStatement | None:
    """The account's earliest statement: its opening balance is what the account held before
    the books knew it."""
    return session.scalar(
        sa.select(BankStatement)
        .where(BankStatement.bank_account_id == account_id)
        .order_by(BankStatement.period_start, BankStatement.id)
        .limit(1)
    )


def opening_booked(session: Session, account_id: int) -> bool:
    """Whether the account's opening balance is in the ledger."""
    return ledger.find_entry(session, f"bank_opening:{account_id}") is not None


def book_opening_balance(
    session: Session, account_id: int, user: User | None = None, now: datetime | None = None
) -> ledger.EntryRecord:
    """Bring the account's balance before its first statement into the books, once
    (``bank_opening:<id>``): the account's ledger code ← ``equity:opening_balances``, effective
    at the start of the first statement's first day (UTC+8), so the daily assertions see it from
    that day on. Posting it again answers the same entry; a first day inside a closed period is
    refused by the ledger."""
    account = account_or_404(session, account_id)
    first = first_statement(session, account.id)
    if first is None:
        raise Conflict(
            N_("Import the account's first statement before booking its opening balance."),
            field="bank_account_id",
        )
    if first.opening_minor == 0:
        raise Conflict(N_("The first statement opens at zero: there is nothing to book."),
                       field="bank_account_id")  # fmt: skip
    booked = opening_booked(session, account.id)
    entry = finance_books.bank_opening_balance(
        session, account.id, account.ledger_account, first.opening_minor, account.currency,
        value_moment(first.period_start),
    )  # fmt: skip
    if not booked:
        audit.record(
            session, "opening_balance_booked", f"bank_account:{account.id}", user,
            now or utcnow(), amount=first.opening_minor, currency=account.currency,
            entry_id=entry.id, statement_id=first.id, value_date=first.period_start.isoformat(),
        )  # fmt: skip
    return entry
