"""Payee bank accounts (收款賬戶): where the exchange pays an organisation.

A new account (or a change) is entered by one finance user and stays ``pending`` until a
*different* finance user confirms it; only then do payouts use it, and the account it replaces
is kept as ``superseded``. The organisation's owners are mailed at both steps, so a change
nobody asked for is seen by the people it would rob.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, InvalidInput, NotFound
from market.errors import state_value as _value
from market.finance import audit
from market.finance.models import PayeeAccount, PayeeStatus
from market.identity.models import MemberRole, Membership, Organisation, User
from market.text import N_

MAIL_TOPIC = "mail.payee_account"


def iban_valid(iban: str) -> bool:
    """ISO 13616: the check digits make the rearranged number ≡ 1 (mod 97)."""
    text = iban.replace(" ", "").upper()
    if not (15 <= len(text) <= 34 and text[:2].isalpha() and text[2:4].isdigit()):
        return False
    if not text.isalnum():
        return False
    digits = "".join(str(int(char, 36)) for char in text[4:] + text[:4])
    return int(digits) % 97 == 1


def masked(number: str) -> str:
    """An account number with all but its last four characters hidden."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _owners(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == MemberRole.OWNER,
            )
            .order_by(User.id)
        )
    )


def _tell_owners(session: Session, payee: PayeeAccount, event: str) -> None:
    organisation = session.get(Organisation, payee.organisation_id)
    for owner in _owners(session, payee.organisation_id):
        outbox.enqueue(
            session,
            MAIL_TOPIC,
            {
                "to": owner.email,
                "event": event,
                "organisation_zh": organisation.name_zh,
                "organisation_en": organisation.name_en,
                "account_name": payee.account_name,
                "bank_name": payee.bank_name,
                "account_number": masked(payee.account_number),
            },
        )


def _check(organisation: Organisation, data: dict) -> None:
    # Mainland payees are paid through CNAPS; others by SWIFT (an IBAN where the country has one).
    if organisation.is_mainland and not data.get("cnaps_code"):
        raise InvalidInput(N_("A mainland payee needs the bank's CNAPS code."), field="cnaps_code")
    if not organisation.is_mainland and not data.get("swift_bic"):
        raise InvalidInput(
            N_("A payee outside the mainland needs the bank's SWIFT code."), field="swift_bic"
        )
    if data.get("iban") and not iban_valid(data["iban"]):
        raise InvalidInput(N_("This IBAN's check digits are wrong."), field="iban")


def request_change(
    session: Session, organisation_id: int, user: User, data: dict, now: datetime
) -> PayeeAccount:
    """Enter a new payee account for an organisation; pending until a second user confirms."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."), field="organisation_id")
    _check(organisation, data)
    waiting = session.scalar(
        sa.select(PayeeAccount.id).where(
            PayeeAccount.organisation_id == organisation_id,
            PayeeAccount.status == PayeeStatus.PENDING,
        )
    )
    if waiting is not None:
        raise Conflict(
            N_("This organisation already has a payee account waiting for confirmation."),
            field="organisation_id",
        )
    payee = PayeeAccount(
        organisation_id=organisation_id,
        status=PayeeStatus.PENDING,
        account_name=data["account_name"],
        bank_name=data["bank_name"],
        branch_name=data.get("branch_name"),
        account_number="".join(data["account_number"].split()).replace("-", ""),
        cnaps_code=data.get("cnaps_code") or None,
        swift_bic=(data.get("swift_bic") or "").upper() or None,
        iban="".join((data.get("iban") or "").split()).upper() or None,
        note=data.get("note"),
        requested_by_id=user.id,
        requested_at=now,
    )
    session.add(payee)
    session.flush()
    _tell_owners(session, payee, "requested")
    _audit(session, "payee_proposed", payee, user, now, note=payee.note)
    return payee


def _pending(session: Session, payee_id: int) -> PayeeAccount:
    payee = session.get(PayeeAccount, payee_id, with_for_update=True)
    if payee is None:
        raise NotFound(N_("No such payee account."))
    if payee.status != PayeeStatus.PENDING:
        raise Conflict(
            N_("This payee account is not waiting for confirmation."),
            state=[_value(payee.status)],
        )
    return payee


def confirm(session: Session, payee_id: int, user: User, now: datetime) -> PayeeAccount:
    """A second finance user confirms a pending account: it becomes the one payouts use."""
    payee = _pending(session, payee_id)
    if payee.requested_by_id == user.id:
        raise Conflict(
            N_("Another finance user must confirm the account you entered."), field="decided_by"
        )
    current = active(session, payee.organisation_id)
    if current is not None:
        current.status = PayeeStatus.SUPERSEDED
    payee.status = PayeeStatus.ACTIVE
    payee.decided_by_id, payee.decided_at = user.id, now
    _tell_owners(session, payee, "confirmed")
    _audit(session, "payee_confirmed", payee, user, now,
           replaces=current.id if current is not None else None)  # fmt: skip
    return payee


def reject(session: Session, payee_id: int, user: User, now: datetime, note: str) -> PayeeAccount:
    """Refuse a pending account (the one in use stays)."""
    payee = _pending(session, payee_id)
    payee.status = PayeeStatus.REJECTED
    payee.decided_by_id, payee.decided_at = user.id, now
    payee.note = note
    _audit(session, "payee_rejected", payee, user, now, note=note)
    return payee


def _audit(session: Session, action: str, payee: PayeeAccount, user: User, now, **details):
    """A payee account's action in the audit trail, with the account a second user checks
    (its number masked, as on the pages)."""
    audit.record(
        session, action, f"payee:{payee.id}", user, now, organisation_id=payee.organisation_id,
        account_name=payee.account_name, bank_name=payee.bank_name,
        account_number=masked(payee.account_number), cnaps_code=payee.cnaps_code,
        swift_bic=payee.swift_bic, **details,
    )  # fmt: skip


def active(session: Session, organisation_id: int) -> PayeeAccount | None:
    """The organisation's confirmed payee account."""
    return session.scalar(
        sa.select(PayeeAccount).where(
            PayeeAccount.organisation_id == organisation_id,
            PayeeAccount.status == PayeeStatus.ACTIVE,
        )
    )


def listing(status: PayeeStatus | None = None) -> sa.Select:
    """Payee accounts (optionally in one status), newest first."""
    query = sa.select(PayeeAccount).order_by(PayeeAccount.id.desc())
    return query if status is None else query.where(PayeeAccount.status == status)
