"""The finance audit trail as a reader sees it: each event's subject and details as labelled
lines in the reader's language, never the stored JSON."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from market.display import home_currency, typed
from market.finance.closing import CHECK_LABELS
from market.finance.models import BankAccount, ReconException, StripeBalanceTransaction
from market.identity.models import Organisation
from market.money import money
from market.text import N_
from market.trading.models import Payment, Payout, Refund

# The matcher's rules (``market/finance/matching.py``), as counted by a run.
RULE_LABELS = {
    "stripe_charge": N_("Stripe charges"),
    "stripe_refund": N_("Stripe refunds"),
    "stripe_dispute_lost": N_("Disputes lost at Stripe"),
    "bank_transaction": N_("Bank receipts by transaction number"),
    "payout_reference": N_("Payouts by reference"),
    "stripe_payout": N_("Stripe payouts arrived"),
    "order_reference": N_("Receipts by order reference"),
    "amount_window": N_("Stripe payouts by amount and date"),
    "refund_reference": N_("Bank refunds by reference"),
}
DETAIL_LABELS = {
    "matched": N_("Lines matched"),
    "days": N_("Days asserted"),
    "differs": N_("Days with a difference nothing explains"),
    "kind": N_("Matched to"),
    "target_id": N_("Number"),
    "difference": N_("Difference"),
    "reason": N_("Reason"),
    "exception_id": N_("Exception"),
    "entry_id": N_("Ledger entry"),
    "checks": N_("Checks"),
    "failing": N_("Checks failing"),
    "override_reason": N_("Reason for closing all the same"),
    "opened": N_("Exceptions opened"),
    "closed": N_("Exceptions closed"),
    "start": N_("From day"),
    "end": N_("To day"),
    "name": N_("Name"),
    "bank_name": N_("Bank"),
    "account_name": N_("Account name"),
    "account_number": N_("Account number"),
    "cnaps_code": N_("CNAPS code"),
    "swift_bic": N_("SWIFT code"),
    "currency": N_("Currency"),
    "ledger_account": N_("Ledger account"),
    "csv_layout": N_("Statement layout"),
    "csv_mapping": N_("Column mapping"),
    "encoding": N_("Encoding"),
    "statement_id": N_("Statement"),
    "file_name": N_("File"),
    "format": N_("Format"),
    "period_start": N_("Statement from"),
    "period_end": N_("Statement to"),
    "lines": N_("Lines in the file"),
    "new_lines": N_("Lines imported"),
    "duplicates": N_("Lines imported before (skipped)"),
    "opening": N_("Opening balance"),
    "closing": N_("Closing balance"),
    "amount": N_("Amount"),
    "value_date": N_("Value date"),
    "source": N_("Source"),
    "sync_id": N_("Pull"),
    "pages": N_("Pages"),
    "outcome": N_("Outcome"),
    "charges_matched": N_("Charges matched to their payments"),
    "reference": N_("Payment reference"),
    "bank_transaction_id": N_("Bank transaction number"),
    "payer_name": N_("Payer"),
    "order_id": N_("Order"),
    "organisation_id": N_("Organisation"),
    "note": N_("Note"),
    "replaces": N_("Replaces payee account"),
    "payouts": N_("Payouts"),
    "chosen": N_("Providers chosen"),
    "batch_id": N_("Payout batch"),
    "by_matching": N_("Read off the bank statement by a matching run"),
    "bank_reference": N_("Bank reference"),
    "payee_id": N_("Payee account"),
    "method": N_("Paid by"),
    "stripe_refund_id": N_("Stripe refund"),
    "bank_account_id": N_("Exchange bank account"),
    "is_default": N_("Default account of its currency"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
}
# Details that are money: their currency is the event's ``currency`` detail.
MONEY_DETAILS = {"amount", "opening", "closing"}
OUTCOME_LABELS = {
    "held": N_("Held for resolution"),
    "paid": N_("Order paid"),
    "succeeded": N_("Order paid"),
}
SOURCE_LABELS = {"csv": N_("Itemised balance report (CSV)"), "api": N_("Stripe API")}
METHOD_LABELS = {"bank_transfer": N_("Bank transfer"), "stripe": N_("Card (Stripe)")}
SUBJECT_LABELS = {
    "exception": N_("Exception %(number)s"),
    "correction": N_("Correction %(number)s"),
    "period": N_("Period %(number)s"),
    "bank_account": N_("Bank account %(number)s"),
    "payee": N_("Payee account %(number)s"),
    "batch": N_("Payout batch %(number)s"),
    "payout": N_("Payout %(number)s"),
    "refund": N_("Refund %(number)s"),
    "payment": N_("Receipt %(number)s"),
}
TARGET_LABELS = {
    "payment": N_("Payment"),
    "refund": N_("Refund"),
    "payout": N_("Payout"),
    "stripe_payout": N_("Stripe payout"),
}


def subject(code: str) -> str:
    """``exception:12`` → 对账异常 #12; ``recon`` → the reconciliation as a whole."""
    kind, _sep, number = code.partition(":")
    if kind in SUBJECT_LABELS and number:
        return _(SUBJECT_LABELS[kind], number=f"#{number}" if number.isdigit() else number)
    if kind == "stripe":
        return _("Stripe balance")
    return _("Reconciliation") if kind == "recon" else code


def _joined(parts: list[str], chinese: str, english: str) -> str:
    """Parts joined with the reader's language's punctuation (；/、 or ; / ,)."""
    return (chinese if get_locale().language == "zh" else english).join(parts)


def _colon() -> str:
    return "：" if get_locale().language == "zh" else ": "


def _yes_no(ok: bool) -> str:
    return _("Yes") if ok else _("No")


def _value(session: Session, event, key: str, value) -> Markup | str:
    if key == "matched":
        counts = [
            f"{_(RULE_LABELS[rule]) if rule in RULE_LABELS else rule} {count}"
            for rule, count in sorted(value.items())
        ]
        return _joined(counts, "；", "; ") if counts else _("nothing")
    if key == "kind":
        return _(TARGET_LABELS[value]) if value in TARGET_LABELS else str(value)
    if key == "difference":
        kind, _sep, number = event.subject.partition(":")
        found = session.get(ReconException, int(number)) if kind == "exception" else None
        return money(value, found.currency if found else home_currency())
    if key == "checks":
        checks = [
            f"{_(CHECK_LABELS[name]) if name in CHECK_LABELS else name}{_colon()}{_yes_no(ok)}"
            for name, ok in value.items()
        ]
        return _joined(checks, "；", "; ")
    if key == "failing":
        names = [_(CHECK_LABELS[name]) if name in CHECK_LABELS else name for name in value]
        return _joined(names, "、", ", ")
    if key == "entry_id":
        link = url_for("finance.entry", entry_id=value)
        return Markup('<a href="{}">#{}</a>').format(link, value)
    if key == "target_id":
        return _target(session, (event.details or {}).get("kind"), value)
    if key == "exception_id":
        found = session.get(ReconException, value) if isinstance(value, int) else None
        if found is None:
            return f"#{value}"
        return _joined([f"#{value}", _exception_kind(found.kind),
                        money(found.amount_minor, found.currency)], " · ", " · ")  # fmt: skip
    if key in ("reason", "override_reason", "note", "payer_name", "account_name", "file_name",
               "name", "bank_name"):  # fmt: skip
        return typed(value)
    return _more_value(session, event, key, value)


def _more_value(session: Session, event, key: str, value) -> Markup | str:
    """The details of actions beyond reconciliation: money, organisations, payouts, codes."""
    currency = (event.details or {}).get("currency") or home_currency()
    if key in MONEY_DETAILS and isinstance(value, int):
        return money(value, currency)
    if key == "organisation_id":
        return _organisation(session, value)
    if key == "bank_account_id":
        account = session.get(BankAccount, value) if isinstance(value, int) else None
        return typed(account.name) if account is not None else f"#{value}"
    if key == "payouts" and isinstance(value, dict):
        parts = [
            f"#{number} {_organisation(session, pair[0])} {money(pair[1], currency)}"
            for number, pair in value.items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        return _joined(parts, "；", "; ") if parts else _("none")
    if key == "chosen" and isinstance(value, list):
        return _joined([_organisation(session, number) for number in value], "、", ", ")
    if key == "csv_mapping" and isinstance(value, dict):
        return _joined([f"{field}={column}" for field, column in value.items()], "；", "; ")
    if key == "csv_layout":
        from market.finance.pages.imports import LAYOUT_NAMES

        return _(LAYOUT_NAMES[value]) if value in LAYOUT_NAMES else str(value)
    if key == "format":
        from market.finance.pages.imports import FORMAT_NAMES

        return _(FORMAT_NAMES[value]) if value in FORMAT_NAMES else str(value)
    labels = {"outcome": OUTCOME_LABELS, "source": SOURCE_LABELS, "method": METHOD_LABELS}
    if key in labels:
        return _(labels[key][value]) if value in labels[key] else str(value)
    if key in ("by_matching", "is_default"):
        return _yes_no(bool(value))
    if key in ("statement_id", "batch_id", "order_id", "payee_id", "replaces", "sync_id"):
        return f"#{value}"
    return str(value)


def _organisation(session: Session, number) -> str:
    """An organisation as a reader knows it: its name beside its number."""
    found = session.get(Organisation, number) if isinstance(number, int) else None
    if found is None:
        return f"#{number}"
    return f"#{number} {found.display_name(get_locale().language)}"


def _exception_kind(kind: str) -> str:
    from market.finance.pages.console import EXCEPTION_KIND_LABELS

    return _(EXCEPTION_KIND_LABELS[kind]) if kind in EXCEPTION_KIND_LABELS else kind


def _target(session: Session, kind: str | None, number) -> str:
    """What a hand match was matched to, as a reader knows it: the order's reference or the
    payout's, and the amount, beside the number."""
    model = {"payment": Payment, "refund": Refund, "payout": Payout,
             "stripe_payout": StripeBalanceTransaction}.get(kind or "")  # fmt: skip
    found = session.get(model, number) if model and isinstance(number, int) else None
    if found is None:
        return f"#{number}"
    if isinstance(found, StripeBalanceTransaction):
        parts = [found.payout_id or found.stripe_id, money(-found.amount, found.currency)]
    elif isinstance(found, Payout):
        parts = [f"SJ-PAYOUT-{found.id}", money(found.amount_minor, found.currency)]
    else:
        order = found.order
        reference = order.reference if order is not None else getattr(found, "reference", None)
        parts = [reference or "", money(found.amount_minor, found.currency)]
    return _joined([f"#{number}", *[part for part in parts if part]], " · ", " · ")


def details(session: Session, event) -> list[tuple[str, Markup | str]]:
    """``(label, value)`` for each detail an event recorded (empty ones left out)."""
    lines = []
    for key, value in (event.details or {}).items():
        if value is None or (value in ([], {}) and key != "matched"):
            continue  # a run that matched nothing says so; other empty details say nothing
        label = _(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key
        lines.append((label, _value(session, event, key, value)))
    return lines
