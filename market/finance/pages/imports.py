"""The finance console's imports page: register the exchange's bank accounts, upload a bank
statement or Stripe's itemised balance report — what the API and the CLI do, on a page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from market.auth import staff_required
from market.context import current_user, db_session
from market.db import utcnow
from market.errors import DomainError, InvalidInput
from market.finance import bank, cash, schemas, statements, stripe_import
from market.finance.models import BankAccount, BankStatement
from market.forms import parse_form
from market.identity.models import StaffRole
from market.money import money
from market.text import N_

blp = Blueprint("finance_imports", __name__, url_prefix="/finance")

finance_only = staff_required(StaffRole.FINANCE)

LAYOUT_NAMES = {
    "icbc": N_("ICBC export"),
    "cmb": N_("China Merchants Bank export"),
    "ccb": N_("China Construction Bank export"),
}
FORMAT_NAMES = {"csv": N_("CSV"), "mt940": N_("SWIFT MT940"), "camt053": N_("ISO 20022 camt.053")}
ENCODING_NAMES = {"utf-8": N_("UTF-8"), "gb18030": N_("GB18030 / GBK")}
# The column mapping of a bank without a ready layout, one column title per field.
MAPPING_LABELS = {
    "value_date": N_("Value date"),
    "booking_date": N_("Booking date"),
    "amount": N_("Amount (signed)"),
    "debit": N_("Debit"),
    "credit": N_("Credit"),
    "balance": N_("Balance"),
    "reference": N_("Bank reference"),
    "counterparty_name": N_("Counterparty name"),
    "counterparty_account": N_("Counterparty account"),
    "remark": N_("Remark"),
}
ACCOUNT_FIELDS = ("name", "bank_name", "account_number", "currency", "ledger_account",
                  "csv_layout", "encoding", "csv_mapping", "is_default",
                  *(f"csv_mapping.{key}" for key in MAPPING_LABELS))  # fmt: skip
STATEMENT_FIELDS = ("bank_account_id", "format", "layout", "encoding", "opening_balance", "file")


def _page(status: int = 200, errors=None, failed: str | None = None):
    """The imports page; after a refused form, that form shows its errors and keeps what was
    typed (a file is chosen again)."""
    session = db_session()
    accounts = session.scalars(sa.select(BankAccount).order_by(BankAccount.id)).all()
    page = render_template(
        "finance/imports.html",
        accounts=accounts,
        statements=session.scalars(
            sa.select(BankStatement).order_by(BankStatement.id.desc()).limit(20)
        ).all(),
        openings={
            account.id: (
                bank.first_statement(session, account.id),
                bank.opening_booked(session, account.id),
            )
            for account in accounts
        },  # fmt: skip
        layouts=LAYOUT_NAMES,
        mapping_labels=MAPPING_LABELS,
        formats=FORMAT_NAMES,
        encodings=ENCODING_NAMES,
        currency=current_app.config.get("CURRENCY") or "CNY",
        errors=errors or {},
        form=request.form if errors else {},
        failed=failed,
    )
    return page, status


# ``lines[4]`` or ``lines[4].贷方金额``: the line of the file (and its column) a refusal names.
LINE_FIELD = re.compile(r"^lines\[([0-9]+)\](?:\.(.+))?$")
# ``lines.txn_1Abc``: a Stripe line a refusal names by its id.
NAMED_LINE = re.compile(r"^lines\.(.+)$")


def _refused(error: DomainError, shown: tuple[str, ...]) -> dict:
    """A refused import: under the form's field it names, else above the form with the line
    and column named in words ("第 4 行，贷方金额 列"), the message's figures filled in."""
    values = {key: value[0] if isinstance(value, list) and value else value
              for key, value in error.details.items()}  # fmt: skip
    try:
        message = _(error.message, **values) if values else _(error.message)
    except (KeyError, TypeError, ValueError):
        message = _(error.message)
    message += _figures(error.details)
    if error.field in shown:
        return {error.field: [message]}
    line = LINE_FIELD.match(error.field or "")
    if line and line.group(2):
        return {"form": [_("Row %(row)s, column %(column)s: %(message)s", row=line.group(1),
                           column=line.group(2), message=message)]}  # fmt: skip
    if line:
        return {"form": [_("Row %(row)s: %(message)s", row=line.group(1), message=message)]}
    named = NAMED_LINE.match(error.field or "")
    if named:
        return {"form": [_("Line %(line)s: %(message)s", line=named.group(1), message=message)]}
    # Any other field code (``closing_balance``) is the API's word: the message says it.
    return {"form": [message]}


def _figures(details: dict) -> str:
    """What a refusal's figures tell the reader to fix: the balance expected and the one found,
    the columns a layout needs and the file lacks."""
    if {"expected", "found", "currency", "first_new_line"} <= details.keys():
        return " " + _(
            "Expected %(expected)s, the last statement's closing balance; the file has "
            "%(found)s before its first new line (row %(row)s).",
            expected=money(details["expected"], details["currency"]),
            found=money(details["found"], details["currency"]),
            row=details["first_new_line"],
        )
    if details.get("missing"):
        return " " + _("Columns not found: %(columns)s.", columns="、".join(details["missing"]))
    return ""


def _upload() -> bytes:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(N_("Choose a file."), field="file")
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(N_("The file is too large."), field="file")
    return data


@blp.route("/imports")
@finance_only
def imports_page():
    """Bank accounts, statements imported, and the upload forms."""
    return _page()


@blp.route("/imports/bank-accounts", methods=["POST"])
@finance_only
def add_bank_account():
    """Register one of the exchange's bank accounts."""
    data, errors = parse_form(schemas.BankAccountFormSchema())
    if errors:
        # A column title's message under its own field (the schema nests them by key).
        mapping = errors.pop("csv_mapping", None)
        if isinstance(mapping, dict):
            for key, problem in mapping.items():
                found = problem.get("value", problem) if isinstance(problem, dict) else problem
                errors[f"csv_mapping.{key}"] = found if isinstance(found, list) else [str(found)]
        elif mapping:
            errors["csv_mapping"] = mapping
        return _page(422, errors, "account")
    try:
        account = bank.create_account(db_session(), data, current_user(), utcnow())
    except DomainError as error:
        return _page(error.status, _refused(error, ACCOUNT_FIELDS), "account")
    flash(_("Bank account %(name)s registered.", name=account.name))
    return redirect(url_for("finance_imports.imports_page"))


@blp.route("/imports/statements", methods=["POST"])
@finance_only
def import_statement():
    """Import a bank statement file into a registered account."""
    session = db_session()
    data, errors = parse_form(schemas.StatementFormSchema())
    if errors:
        return _page(422, errors, "statement")
    try:
        account = bank.account_or_404(session, data["bank_account_id"])
        opening = data["opening_balance"]
        if opening is not None:
            opening = statements.to_minor(opening, account.currency, "opening_balance")
        result = bank.import_statement(
            session, account.id, _upload(), data["format"], current_user(), utcnow(),
            encoding=data["encoding"], layout=data["layout"], opening=opening,
            file_name=request.files["file"].filename,
        )  # fmt: skip
    except DomainError as error:
        return _page(error.status, _refused(error, STATEMENT_FIELDS), "statement")
    if not result.created:
        flash(_("Every line of this file was imported before; nothing changed."))
    else:
        flash(
            _("Statement imported: %(new)s, %(known)s imported before.",
              new=_new_lines(result.new_lines), known=result.known_lines)
        )  # fmt: skip
    return redirect(url_for("finance_imports.imports_page"))


@blp.route("/imports/bank-accounts/<int:account_id>/opening-balance", methods=["POST"])
@finance_only
def book_opening_balance(account_id: int):
    """Book the account's first statement's opening balance (asked first on the page)."""
    try:
        bank.book_opening_balance(db_session(), account_id, current_user(), utcnow())
    except DomainError as error:
        return _page(error.status, _refused(error, ()), f"opening-{account_id}")
    flash(_("The opening balance of %(name)s is booked.", name=account_name(account_id)))
    return redirect(url_for("finance_imports.imports_page"))


@blp.route("/imports/bank-accounts/<int:account_id>/<any(default, close):action>",
           methods=["POST"])  # fmt: skip
@finance_only
def move_bank_account(account_id: int, action: str):
    """Make an account its currency's default, or close it (asked first on the page)."""
    session = db_session()
    try:
        if action == "default":
            cash.mark_default(session, account_id, current_user(), utcnow())
        else:
            cash.close(session, account_id, current_user(), utcnow())
    except DomainError as error:
        return _page(error.status, _refused(error, ()), f"account-{account_id}")
    name = account_name(account_id)
    if action == "default":
        flash(_("%(name)s is now the default account of its currency.", name=name))
    else:
        flash(_("%(name)s is closed: no new money may name it.", name=name))
    return redirect(url_for("finance_imports.imports_page"))


def _new_lines(count: int) -> str:
    return ngettext("%(num)s new line", "%(num)s new lines", count)


def account_name(account_id: int) -> str:
    """A bank account's name, for a message about it."""
    return bank.account_or_404(db_session(), account_id).name


@blp.route("/imports/stripe", methods=["POST"])
@finance_only
def import_stripe_report():
    """Import Stripe's itemised balance report (CSV)."""
    try:
        result = stripe_import.import_csv(
            db_session(), _upload(), current_user(), utcnow(),
            file_name=request.files["file"].filename,
        )  # fmt: skip
    except DomainError as error:
        return _page(error.status, _refused(error, ("file",)), "stripe")
    flash(
        _("Stripe report imported: %(new)s, %(unchanged)s imported before, %(matched)s.",
          new=_new_lines(result.new), unchanged=result.unchanged,
          matched=ngettext("%(num)s charge matched to its payment",
                           "%(num)s charges matched to their payments", result.matched))
    )  # fmt: skip
    return redirect(url_for("finance_imports.imports_page"))
