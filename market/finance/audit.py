"""The finance audit trail (審計記錄): every finance action, who took it (and through which
API client), when, on what, and the details a second finance user needs to check it.

Each service that acts records its own line with :func:`record`, once, in the same unit of
work as the action: a refused action leaves no line, and an action replayed (the same file,
the same bank transaction, the same Idempotency-Key) leaves none either, since it changed
nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.finance.models import AuditEvent
from market.identity.models import User
from market.text import N_

# The kinds of action the trail is filtered by, in the order the page offers them.
KINDS = {
    "bank_accounts": N_("Bank accounts"),
    "statements": N_("Bank statements"),
    "stripe": N_("Stripe imports"),
    "receipts": N_("Bank receipts"),
    "payees": N_("Payee accounts"),
    "payouts": N_("Payouts"),
    "refunds": N_("Refunds"),
    "reconciliation": N_("Reconciliation"),
    "periods": N_("Periods"),
}

# Every action: its kind and what a reader calls it.
ACTIONS = {
    "bank_account_registered": ("bank_accounts", N_("Bank account registered")),
    "bank_account_default": ("bank_accounts", N_("Bank account made its currency's default")),
    "bank_account_closed": ("bank_accounts", N_("Bank account closed")),
    "opening_balance_booked": ("bank_accounts", N_("Opening balance booked")),
    "statement_imported": ("statements", N_("Statement imported")),
    "stripe_imported": ("stripe", N_("Stripe balance imported")),
    "receipt_recorded": ("receipts", N_("Bank receipt recorded")),
    "receipt_returned": ("receipts", N_("Held receipt paid back")),
    "payee_proposed": ("payees", N_("Payee account entered")),
    "payee_confirmed": ("payees", N_("Payee account confirmed")),
    "payee_rejected": ("payees", N_("Payee account refused")),
    "batch_built": ("payouts", N_("Payout batch built")),
    "batch_submitted": ("payouts", N_("Payout batch sent to the bank")),
    "batch_cancelled": ("payouts", N_("Payout batch cancelled")),
    "payout_paid": ("payouts", N_("Payout paid")),
    "payout_returned": ("payouts", N_("Payout returned by the bank")),
    "refund_sent": ("refunds", N_("Refund sent")),
    "refund_paid": ("refunds", N_("Refund paid")),
    "run": ("reconciliation", N_("Matching run")),
    "mark": ("reconciliation", N_("Marked as explained")),
    "match_by_hand": ("reconciliation", N_("Matched by hand")),
    "propose_correction": ("reconciliation", N_("Correction proposed")),
    "approve_correction": ("reconciliation", N_("Correction approved")),
    "reject_correction": ("reconciliation", N_("Correction refused")),
    "assert_balances": ("reconciliation", N_("Balances asserted")),
    "period_opened": ("periods", N_("Period opened")),
    "period_close_requested": ("periods", N_("Period close requested")),
    "close_period": ("periods", N_("Period closed")),
}

# ``Session.info`` key under which an API door names the client acting for the user.
CLIENT = "finance_audit_client"


def through_client(session: Session, client_id: str | None) -> None:
    """Note that this unit of work acts through an API client: its lines name the client."""
    session.info[CLIENT] = client_id


def record(
    session: Session, action: str, subject: str, user: User | None, now: datetime, **details
) -> AuditEvent:
    """Record one finance action in the trail (``user`` is none for the CLI and the matcher)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action}")
    event = AuditEvent(
        action=action,
        subject=subject,
        user_id=user.id if user else None,
        client_id=session.info.get(CLIENT),
        details={key: value for key, value in details.items() if value is not None},
        at=now,
    )
    session.add(event)
    return event


def trail(
    subject: str | None = None,
    kind: str | tuple[str, ...] | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> sa.Select:
    """The trail, newest first: of one subject, one kind (or several) or one action, in
    ``[start, end)``."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if kind is not None:
        kinds = (kind,) if isinstance(kind, str) else kind
        query = query.where(
            AuditEvent.action.in_([code for code, (of, _label) in ACTIONS.items() if of in kinds])
        )
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query
