"""Provider payouts (付款) with a life: ``built → submitted → paid | returned``.

Finance builds a batch in one currency for the providers it chooses (all that are owed, by
default). Building first sets off what a provider owes the exchange (a claw-back's receivable),
then *reserves* the rest of its payable with a ledger hold, so no other batch or refund can
take it; nothing has left the exchange yet. Submitting (the bank file went to the bank's
portal) posts the holds: payable → payouts in transit. Each payout is then either paid — the
bank statement shows it: in transit → bank, on the bank's value date — or returned by the bank
with its reason: in transit → the provider's payable again, for the next batch.

Only providers with a confirmed payee account (``payees``) can be paid: the bank file names it.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import idempotency
from market.errors import Conflict, InvalidInput, NotFound
from market.finance import audit, cash, payees
from market.finance import books as finance_books
from market.identity.models import Organisation, User
from market.states import Actor, Machine
from market.text import N_
from market.trading import books
from market.trading.models import (
    PaymentMethod,
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutStatus,
)


class PayoutAction(enum.StrEnum):
    """What can happen to a payout (and to its batch)."""

    SUBMIT = "submit"
    CANCEL = "cancel"
    PAY = "pay"
    RETURN = "return"


FINANCE = frozenset({Actor.FINANCE})
# Paid and returned are read off the bank statement: by finance, or by the matcher.
STATEMENT = frozenset({Actor.FINANCE, Actor.SYSTEM})

PAYOUT_MOVES = Machine(
    {
        (PayoutStatus.BUILT, PayoutAction.SUBMIT): (PayoutStatus.SUBMITTED, FINANCE),
        (PayoutStatus.BUILT, PayoutAction.CANCEL): (PayoutStatus.CANCELLED, FINANCE),
        (PayoutStatus.SUBMITTED, PayoutAction.PAY): (PayoutStatus.PAID, STATEMENT),
        (PayoutStatus.SUBMITTED, PayoutAction.RETURN): (PayoutStatus.RETURNED, STATEMENT),
    },
    illegal=N_("This payout cannot do that in its current status."),
)
BATCH_MOVES = Machine(
    {
        (PayoutBatchStatus.BUILT, PayoutAction.SUBMIT): (PayoutBatchStatus.SUBMITTED, FINANCE),
        (PayoutBatchStatus.BUILT, PayoutAction.CANCEL): (PayoutBatchStatus.CANCELLED, FINANCE),
    },
    illegal=N_("This payout batch cannot do that in its current status."),
)


def allowed_actions(payout: Payout) -> list[PayoutAction]:
    """What finance may do with a payout now (drives the buttons)."""
    return PAYOUT_MOVES.allowed_actions(payout.status, Actor.FINANCE)


def build_batch(
    session: Session,
    user: User,
    currency: str,
    now: datetime,
    organisation_ids: list[int] | None = None,
    idempotency_key: str | None = None,
) -> PayoutBatch:
    """One payout per chosen provider owed money in ``currency`` (all owed ones by default that
    have a confirmed payee account and are not suspended); each payable is reserved, not yet
    paid. With an idempotency key, the same key and request return the first batch; another
    request under the key is a Conflict."""
    digest = idempotency.request_hash({"currency": currency, "organisations": organisation_ids})
    if idempotency_key:
        existing = idempotency.replay(
            session,
            sa.select(PayoutBatch).where(PayoutBatch.idempotency_key == idempotency_key),
            digest,
            N_("This Idempotency-Key was used for a different payout batch."),
        )
        if existing is not None:
            return existing
    owed = books.payables(session, currency)
    # A suspended organisation's payable stays in its account until the suspension is lifted.
    owed = {
        org: amount
        for org, amount in owed.items()
        if not session.get(Organisation, org).is_suspended
    }
    if organisation_ids:
        missing = sorted(set(organisation_ids) - set(owed))
        if missing:
            raise InvalidInput(
                N_("A chosen provider is owed nothing in this currency."),
                field="organisation_ids",
                organisations=missing,
            )
        owed = {org: owed[org] for org in organisation_ids}
    accounts = {org: payees.active(session, org) for org in owed}
    unpaid = sorted(org for org, account in accounts.items() if account is None)
    if organisation_ids and unpaid:
        raise Conflict(
            N_("A chosen provider has no confirmed payee account."),
            field="organisation_ids",
            organisations=unpaid,
        )
    payable = {org: amount for org, amount in owed.items() if accounts[org] is not None}
    if not payable:
        raise Conflict(
            N_("No provider with a confirmed payee account is owed anything in this currency."),
            field="currency",
        )
    batch = PayoutBatch(
        currency=currency,
        status=PayoutBatchStatus.BUILT,
        created_by_id=user.id,
        created_at=now,
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    session.add(batch)
    session.flush()
    for organisation_id, owed_amount in sorted(payable.items()):
        amount = owed_amount - books.net_receivable(
            session, batch.id, organisation_id, owed_amount, currency, now
        )
        if amount <= 0:
            continue
        payout = Payout(
            batch_id=batch.id,
            organisation_id=organisation_id,
            amount_minor=amount,
            currency=currency,
            method=PaymentMethod.BANK_TRANSFER,
            status=PayoutStatus.BUILT,
            payee_account_id=accounts[organisation_id].id,
            created_at=now,
        )
        session.add(payout)
        session.flush()
        payout.hold_id = finance_books.provider_payout_reserved(
            session, payout.id, organisation_id, amount, currency
        )
    session.refresh(batch)
    if not batch.payouts:
        # Everything owed was set off against receivables: nothing to send to the bank.
        batch.status, batch.closed_at = PayoutBatchStatus.PAID, now
    _audit_batch(session, "batch_built", batch, user, now,
                 chosen=sorted(organisation_ids) if organisation_ids else None)  # fmt: skip
    return batch


def _audit_batch(session: Session, action: str, batch: PayoutBatch, user: User, now, **more):
    """A batch's action in the audit trail: its payouts (payee and amount) and total."""
    audit.record(
        session, action, f"batch:{batch.id}", user, now, currency=batch.currency,
        amount=sum(payout.amount_minor for payout in batch.payouts),
        payouts={str(payout.id): [payout.organisation_id, payout.amount_minor]
                 for payout in batch.payouts},
        **more,
    )  # fmt: skip


def batch_or_404(session: Session, batch_id: int, lock: bool = False) -> PayoutBatch:
    """A payout batch."""
    batch = session.get(PayoutBatch, batch_id, with_for_update=lock or None)
    if batch is None:
        raise NotFound(N_("No such payout batch."))
    return batch


def payout_or_404(session: Session, payout_id: int) -> Payout:
    """A payout, locked."""
    payout = session.get(Payout, payout_id, with_for_update=True)
    if payout is None:
        raise NotFound(N_("No such payout."))
    return payout


def submit_batch(
    session: Session, batch_id: int, user: User, now: datetime, bank_account_id: int | None = None
) -> PayoutBatch:
    """The bank file was uploaded to the portal of the exchange's bank account
    ``bank_account_id`` (the currency's default if not given): every payout's money is now in
    transit, and leaves that account when paid."""
    batch = batch_or_404(session, batch_id, lock=True)
    batch.status = BATCH_MOVES.next(batch.status, PayoutAction.SUBMIT, Actor.FINANCE)
    account = cash.account_for(session, bank_account_id, batch.currency)
    batch.bank_account_id = account.id if account is not None else None
    for payout in batch.payouts:
        payout.status = PAYOUT_MOVES.next(payout.status, PayoutAction.SUBMIT, Actor.FINANCE)
        finance_books.provider_payout_submitted(session, payout.id, payout.hold_id, now)
    batch.submitted_by_id, batch.submitted_at = user.id, now
    _audit_batch(
        session, "batch_submitted", batch, user, now, bank_account_id=batch.bank_account_id
    )
    return batch


def cancel_batch(session: Session, batch_id: int, user: User, now: datetime) -> PayoutBatch:
    """Drop a batch before it is submitted: the reserved payables are free again."""
    batch = batch_or_404(session, batch_id, lock=True)
    batch.status = BATCH_MOVES.next(batch.status, PayoutAction.CANCEL, Actor.FINANCE)
    for payout in batch.payouts:
        payout.status = PAYOUT_MOVES.next(payout.status, PayoutAction.CANCEL, Actor.FINANCE)
        finance_books.provider_payout_released(session, payout.hold_id)
        payout.closed_at = now
    batch.closed_at = now
    _audit_batch(session, "batch_cancelled", batch, user, now)
    return batch


CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def value_moment(value_date: date) -> datetime:
    """When a bank's value date counts in the ledger: the start of that day in China Standard
    Time (UTC+8), the zone of the exchange's bank."""
    return datetime.combine(value_date, time(0), CHINA_STANDARD_TIME)


def submission_day(payout: Payout) -> date | None:
    """The day (UTC+8) the payout's batch went to the bank, if it has."""
    submitted = payout.batch.submitted_at
    if submitted is None:
        return None
    submitted = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
    return submitted.astimezone(CHINA_STANDARD_TIME).date()


def _check_value_date(payout: Payout, value_date: date, now: datetime) -> None:
    check_value_date(
        value_date, submission_day(payout), now,
        N_("The value date is before the payout was sent to the bank."),
    )  # fmt: skip


def check_value_date(value_date: date, first: date | None, now: datetime, too_early: str) -> None:
    """A value date typed in lies between ``first`` (the day the money went to the bank) and
    today (UTC+8): the ledger entry it dates cannot come before the sending it follows."""
    if first is not None and value_date < first:
        raise InvalidInput(too_early, field="value_date", earliest=first.isoformat())
    today = now.astimezone(CHINA_STANDARD_TIME).date()
    if value_date > today:
        raise InvalidInput(
            N_("The value date is in the future."), field="value_date", latest=today.isoformat()
        )


def _close_batch_if_done(batch: PayoutBatch, now: datetime) -> None:
    states = {payout.status for payout in batch.payouts}
    if states <= {PayoutStatus.PAID, PayoutStatus.RETURNED}:
        paid = PayoutStatus.PAID in states
        batch.status = PayoutBatchStatus.PAID if paid else PayoutBatchStatus.RETURNED
        batch.closed_at = now


def mark_paid(
    session: Session, payout_id: int, value_date: date, bank_reference: str, now: datetime,
    actor: Actor = Actor.FINANCE, bank_account_id: int | None = None, user: User | None = None,
) -> Payout:  # fmt: skip
    """The bank statement shows the payout left our account: in transit → the ledger code of
    the bank account its batch went through (``bank_account_id``, if given, must be it).
    ``user`` is who recorded it (none when a matching run read it off the statement)."""
    payout = payout_or_404(session, payout_id)
    cash.check_sent_through(session, bank_account_id, payout.batch.bank_account_id)
    if payout.status == PayoutStatus.PAID and payout.bank_reference == bank_reference:
        if payout.value_date != value_date:
            raise Conflict(
                N_("This payout was recorded paid with another value date."),
                field="value_date", recorded=payout.value_date.isoformat(),
            )  # fmt: skip
        return payout
    if actor == Actor.FINANCE:
        _check_value_date(payout, value_date, now)
    payout.status = PAYOUT_MOVES.next(payout.status, PayoutAction.PAY, actor)
    finance_books.provider_payout_paid(
        session, payout.id, payout.amount_minor, payout.currency, value_moment(value_date),
        bank_reference, cash.code(payout.batch.bank_account),
    )  # fmt: skip
    payout.value_date, payout.bank_reference, payout.closed_at = value_date, bank_reference, now
    _close_batch_if_done(payout.batch, now)
    _audit_payout(session, "payout_paid", payout, actor, user, now,
                  bank_reference=bank_reference)  # fmt: skip
    return payout


def _audit_payout(session: Session, action: str, payout: Payout, actor: Actor, user, now,
                  **more) -> None:  # fmt: skip
    """A payout's action in the audit trail (by the matcher when ``actor`` is the system)."""
    value_date = payout.value_date.isoformat() if payout.value_date else None
    audit.record(
        session, action, f"payout:{payout.id}", user, now, batch_id=payout.batch_id,
        organisation_id=payout.organisation_id, amount=payout.amount_minor,
        currency=payout.currency, value_date=value_date,
        by_matching=True if actor == Actor.SYSTEM else None, **more,
    )  # fmt: skip


def mark_returned(
    session: Session, payout_id: int, reason: str, value_date: date | None, now: datetime,
    actor: Actor = Actor.FINANCE, user: User | None = None,
) -> Payout:  # fmt: skip
    """The bank sent the payout back (closed account, wrong name ...): the provider is owed it
    again and a later batch pays it, once the payee account is put right."""
    payout = payout_or_404(session, payout_id)
    if actor == Actor.FINANCE and value_date is not None:
        _check_value_date(payout, value_date, now)
    payout.status = PAYOUT_MOVES.next(payout.status, PayoutAction.RETURN, actor)
    finance_books.provider_payout_returned(
        session, payout.id, payout.organisation_id, payout.amount_minor, payout.currency,
        now, reason,
    )  # fmt: skip
    payout.return_reason, payout.value_date, payout.closed_at = reason, value_date, now
    _close_batch_if_done(payout.batch, now)
    _audit_payout(session, "payout_returned", payout, actor, user, now, reason=reason)
    return payout


def batches() -> sa.Select:
    """Payout batches, newest first."""
    return sa.select(PayoutBatch).order_by(PayoutBatch.id.desc())


def payouts_of(organisation_id: int) -> sa.Select:
    """A provider's payouts, newest first."""
    return (
        sa.select(Payout)
        .where(Payout.organisation_id == organisation_id)
        .order_by(Payout.id.desc())
    )
