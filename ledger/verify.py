"""The checker: re-derive the books from the postings and test every invariant.

``verify(session)`` trusts nothing that was stored as a summary: it recomputes entry balances,
account totals, pending totals, limits, the trial balance and the hash chain from the rows
themselves, and reports each disagreement as a ``Finding`` naming the invariant, the entry or
account, what was expected and what was found. ``shujiao ledger verify`` prints the report and
exits non-zero unless it is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from ledger.accounts import AccountState
from ledger.chain import verify_chain
from ledger.ddl import expected_triggers
from ledger.models import accounts, entries, holds, periods, postings

_LIMIT = 100  # findings per invariant: enough to act on, without flooding the report


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken invariant: which, where, expected versus found."""

    invariant: str
    subject: str
    expected: str
    found: str
    detail: str = ""

    def __str__(self) -> str:
        text_ = f"[{self.invariant}] {self.subject}: expected {self.expected}, found {self.found}"
        return f"{text_} ({self.detail})" if self.detail else text_


@dataclass
class Report:
    """All findings of one run, and what was checked."""

    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no invariant is broken."""
        return not self.findings

    def add(
        self, invariant: str, subject: str, expected: object, found: object, detail: str = ""
    ) -> None:
        """Record a finding."""
        self.findings.append(Finding(invariant, subject, str(expected), str(found), detail))

    def format(self) -> str:
        """Plain-text report for the CLI."""
        counts = ", ".join(f"{count} {name}" for name, count in self.checked.items())
        head = f"ledger verify: checked {counts}"
        if self.ok:
            return f"{head}\nall invariants hold"
        lines = [head, f"{len(self.findings)} finding(s):"]
        lines.extend(f"  {finding}" for finding in self.findings)
        return "\n".join(lines)

    __str__ = format


def verify(session: Session, *, settled_escrows: Iterable[str] = ()) -> Report:
    """Check every invariant of the ledger; ``settled_escrows`` are escrow account codes of
    orders that are settled or refunded, whose balance must be back to zero."""
    report = Report()
    report.checked["accounts"] = session.execute(
        select(func.count()).select_from(accounts)
    ).scalar_one()
    report.checked["entries"] = session.execute(
        select(func.count()).select_from(entries)
    ).scalar_one()
    report.checked["postings"] = session.execute(
        select(func.count()).select_from(postings)
    ).scalar_one()
    _check_database(session, report)
    _check_entries(session, report)
    _check_accounts(session, report)
    _check_trial_balance(session, report)
    _check_periods(session, report)
    _check_reversals(session, report)
    _check_holds(session, report)
    _check_escrows(session, report, settled_escrows)
    _check_chain(session, report)
    return report


def _check_database(session: Session, report: Report) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if not session.execute(text("PRAGMA foreign_keys")).scalar():
            report.add(
                "database",
                "sqlite connection",
                "foreign_keys=ON",
                "OFF",
                "postings rely on a deferred foreign key to their entry",
            )
    present = set(session.execute(text(query)).scalars())
    for name in expected_triggers(dialect):
        if name not in present:
            report.add("database", f"trigger {name}", "installed and enabled", "missing")


def _check_entries(session: Session, report: Report) -> None:
    per_entry = (
        select(
            entries.c.id,
            entries.c.posting_count,
            func.count(postings.c.leg).label("n"),
            func.max(postings.c.leg).label("top"),
        )
        .outerjoin(postings, postings.c.entry_id == entries.c.id)
        .group_by(entries.c.id, entries.c.posting_count)
        .having(
            (func.count(postings.c.leg) != entries.c.posting_count)
            | (func.coalesce(func.max(postings.c.leg), 0) != entries.c.posting_count)
            | (func.count(postings.c.leg) < 2)
        )
        .limit(_LIMIT)
    )
    for entry_id, declared, count, top in session.execute(per_entry):
        report.add(
            "entry_postings",
            f"entry {entry_id}",
            f"{declared} postings, legs 1..{declared}",
            f"{count} postings, max leg {top}",
        )
    unbalanced = (
        select(postings.c.entry_id, postings.c.currency, func.sum(postings.c.amount))
        .group_by(postings.c.entry_id, postings.c.currency)
        .having(func.sum(postings.c.amount) != 0)
        .limit(_LIMIT)
    )
    for entry_id, currency, total in session.execute(unbalanced):
        report.add(
            "entry_balanced", f"entry {entry_id} ({currency})", "debits - credits = 0", total
        )
    orphans = (
        select(postings.c.entry_id, postings.c.leg)
        .outerjoin(entries, entries.c.id == postings.c.entry_id)
        .where(entries.c.id.is_(None))
        .limit(_LIMIT)
    )
    for entry_id, leg in session.execute(orphans):
        report.add("entry_postings", f"posting {entry_id}/{leg}", "an entry", "no entry")
    mismatched = (
        select(
            postings.c.entry_id,
            postings.c.leg,
            postings.c.currency,
            accounts.c.currency,
            accounts.c.code,
        )
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(postings.c.currency != accounts.c.currency)
        .limit(_LIMIT)
    )
    for entry_id, leg, found, expected, code in session.execute(mismatched):
        report.add("posting_currency", f"posting {entry_id}/{leg} on {code}", expected, found)
    misdated = (
        select(postings.c.entry_id, postings.c.leg, entries.c.effective_at, postings.c.effective_at)
        .join(entries, entries.c.id == postings.c.entry_id)
        .where(postings.c.effective_at != entries.c.effective_at)
        .limit(_LIMIT)
    )
    for entry_id, leg, expected, found in session.execute(misdated):
        report.add("posting_date", f"posting {entry_id}/{leg}", expected, found)
    duplicates = (
        select(entries.c.idempotency_key, func.count())
        .group_by(entries.c.idempotency_key)
        .having(func.count() > 1)
        .limit(_LIMIT)
    )
    for key, count in session.execute(duplicates):
        report.add("idempotency", f"key {key!r}", "one entry", f"{count} entries")


def _check_accounts(session: Session, report: Report) -> None:
    derived = (
        select(
            postings.c.account_id,
            func.sum(case((postings.c.amount > 0, postings.c.amount), else_=0)),
            func.sum(case((postings.c.amount < 0, -postings.c.amount), else_=0)),
        )
        .group_by(postings.c.account_id)
        .subquery()
    )
    pending_debit = (
        select(
            holds.c.debit_account_id.label("account_id"), func.sum(holds.c.amount).label("amount")
        )
        .where(holds.c.status == "pending")
        .group_by(holds.c.debit_account_id)
        .subquery()
    )
    pending_credit = (
        select(
            holds.c.credit_account_id.label("account_id"), func.sum(holds.c.amount).label("amount")
        )
        .where(holds.c.status == "pending")
        .group_by(holds.c.credit_account_id)
        .subquery()
    )
    query = (
        select(
            accounts,
            func.coalesce(derived.c[1], 0),
            func.coalesce(derived.c[2], 0),
            func.coalesce(pending_debit.c.amount, 0),
            func.coalesce(pending_credit.c.amount, 0),
        )
        .outerjoin(derived, derived.c.account_id == accounts.c.id)
        .outerjoin(pending_debit, pending_debit.c.account_id == accounts.c.id)
        .outerjoin(pending_credit, pending_credit.c.account_id == accounts.c.id)
        .order_by(accounts.c.id)
    )
    found = 0
    for row in session.execute(query):
        account = row._mapping
        subject = f"account {account['code']} ({account['currency']})"
        debits, credits, debit_hold, credit_hold = (int(v) for v in tuple(row)[-4:])
        stored = (account["debits_posted"], account["credits_posted"])
        if stored != (debits, credits) and found < _LIMIT:
            found += 1
            report.add(
                "stored_balance",
                subject,
                f"debits {debits}, credits {credits} (from postings)",
                f"debits {stored[0]}, credits {stored[1]} (stored)",
            )
        pending = (account["debits_pending"], account["credits_pending"])
        if pending != (debit_hold, credit_hold) and found < _LIMIT:
            found += 1
            report.add(
                "pending_balance",
                subject,
                f"pending debits {debit_hold}, credits {credit_hold} (from holds)",
                f"pending debits {pending[0]}, credits {pending[1]} (stored)",
            )
        state = AccountState(
            account["id"],
            account["code"],
            account["currency"],
            account["normal_side"],
            account["lower_limit"],
            account["upper_limit"],
            debits,
            credits,
            debit_hold,
            credit_hold,
        )
        crossed = state.violation()
        if crossed is not None and found < _LIMIT:
            found += 1
            which, limit, value = crossed
            report.add("balance_limit", subject, f"{which} limit {limit} respected", value)


def _check_trial_balance(session: Session, report: Report) -> None:
    for currency, total in session.execute(
        select(postings.c.currency, func.sum(postings.c.amount)).group_by(postings.c.currency)
    ):
        if total != 0:
            report.add(
                "trial_balance", f"currency {currency}", "debits = credits", f"difference {total}"
            )


def _check_periods(session: Session, report: Report) -> None:
    late = (
        select(
            entries.c.id,
            entries.c.effective_at,
            entries.c.recorded_at,
            periods.c.name,
            periods.c.closed_at,
        )
        .join(
            periods,
            and_(
                periods.c.status == "closed",
                periods.c.starts_at <= entries.c.effective_at,
                periods.c.ends_at > entries.c.effective_at,
                entries.c.recorded_at > periods.c.closed_at,
            ),
        )
        .limit(_LIMIT)
    )
    for entry_id, effective_at, recorded_at, name, closed_at in session.execute(late):
        report.add(
            "closed_period",
            f"entry {entry_id}",
            f"nothing recorded in {name} after it closed at {_iso(closed_at)}",
            f"effective {_iso(effective_at)}, recorded {_iso(recorded_at)}",
        )


def _check_reversals(session: Session, report: Report) -> None:
    original = postings.alias("original")
    mirror = postings.alias("mirror")
    reversal = entries.alias("reversal")
    query = (
        select(
            reversal.c.id,
            reversal.c.reverses_entry_id,
            original.c.leg,
            original.c.amount,
            mirror.c.amount,
        )
        .join(original, original.c.entry_id == reversal.c.reverses_entry_id)
        .outerjoin(
            mirror,
            and_(
                mirror.c.entry_id == reversal.c.id,
                mirror.c.leg == original.c.leg,
                mirror.c.account_id == original.c.account_id,
            ),
        )
        .where(reversal.c.reverses_entry_id.is_not(None))
        .where((mirror.c.amount.is_(None)) | (mirror.c.amount != -original.c.amount))
        .limit(_LIMIT)
    )
    for reversal_id, original_id, leg, amount, found in session.execute(query):
        report.add(
            "reversal",
            f"entry {reversal_id} reversing {original_id}, leg {leg}",
            -amount,
            "nothing" if found is None else found,
        )


def _check_holds(session: Session, report: Report) -> None:
    posted = (
        select(holds.c.id, holds.c.posted_amount, entries.c.id)
        .outerjoin(entries, entries.c.hold_id == holds.c.id)
        .where((holds.c.status == "posted") | entries.c.id.is_not(None))
        .where((holds.c.status != "posted") | entries.c.id.is_(None))
        .limit(_LIMIT)
    )
    for hold_id, amount, entry_id in session.execute(posted):
        report.add(
            "hold",
            f"hold {hold_id}",
            "posted with exactly one entry",
            f"entry {entry_id}, posted amount {amount}",
        )


def _check_escrows(session: Session, report: Report, settled: Iterable[str]) -> None:
    codes = sorted(set(settled))
    for start in range(0, len(codes), 500):
        rows = session.execute(
            select(
                accounts.c.code,
                accounts.c.currency,
                accounts.c.debits_posted,
                accounts.c.credits_posted,
                accounts.c.debits_pending,
                accounts.c.credits_pending,
            ).where(accounts.c.code.in_(codes[start : start + 500]))
        )
        for code, currency, debits, credits, debit_hold, credit_hold in rows:
            if (debits - credits, debit_hold, credit_hold) != (0, 0, 0):
                report.add(
                    "escrow_settled",
                    f"account {code} ({currency})",
                    "balance 0 once settled",
                    f"balance {credits - debits}, pending {debit_hold}/{credit_hold}",
                )


def _check_chain(session: Session, report: Report) -> None:
    status = verify_chain(session)
    report.checked["chain links"] = status.links
    report.checked["entries awaiting seal"] = status.queued
    if status.broken is not None:
        broken = status.broken
        report.add(
            "hash_chain",
            f"link {broken.seq} (entry {broken.entry_id})",
            broken.expected,
            broken.found,
            broken.reason,
        )
    unchained = session.execute(
        text(
            "SELECT e.id FROM ledger_entries e"
            " LEFT JOIN ledger_chain_links l ON l.entry_id = e.id"
            " LEFT JOIN ledger_chain_queue q ON q.entry_id = e.id"
            " WHERE l.entry_id IS NULL AND q.entry_id IS NULL ORDER BY e.id LIMIT :n"
        ),
        {"n": _LIMIT},
    ).scalars()
    for entry_id in unchained:
        report.add("hash_chain", f"entry {entry_id}", "sealed or queued for sealing", "neither")


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")
