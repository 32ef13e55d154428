"""Reconciliation under ``/api/v1/finance``: imports, matching runs, the exception queue and
its resolution, corrections with a second approver, the audit trail (finance staff only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import db_session, principal
from market.db import utcnow
from market.errors import InvalidInput
from market.finance import (
    assertions,
    audit,
    bank,
    cash,
    exceptions,
    report_builds,
    schemas,
    stripe_import,
    web,
)
from market.finance.models import BankAccount, ReconException, ReportBuild
from market.identity.models import User
from market.oauth.server import requires
from market.text import N_

blp = Blueprint("recon_api", __name__, description="Reconciliation (finance staff)")


def _caller() -> User:
    """The member the client acts for; the audit trail names the client too."""
    audit.through_client(db_session(), principal().client_id)
    return db_session().get(User, principal().user_id)


def _read(upload) -> bytes:
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(N_("The file is too large."), field="file")
    return data


@blp.route("/finance/stripe-imports", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.StatementUploadSchema, location="files")
@blp.response(201, schemas.StripeImportSchema)
def import_stripe_report(files):
    """Import Stripe's itemised balance report (CSV, multipart ``file``); again changes nothing."""
    upload = files["file"]
    return stripe_import.import_csv(
        db_session(), _read(upload), _caller(), utcnow(), file_name=upload.filename
    )


@blp.route("/finance/bank-accounts")
@requires("finance:read")
@blp.response(200, schemas.BankAccountSchema(many=True))
@blp.paginate(QueryPage)
def bank_accounts():
    """The exchange's bank accounts."""
    return sa.select(BankAccount).order_by(BankAccount.id)


@blp.route("/finance/bank-accounts", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.BankAccountInputSchema)
@blp.response(201, schemas.BankAccountSchema)
def add_bank_account(data):
    """Register a bank account with its CSV layout or column mapping."""
    return bank.create_account(db_session(), data, _caller(), utcnow())


@blp.route("/finance/bank-accounts/<int:account_id>/default", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.BankAccountSchema)
def mark_default_bank_account(account_id: int):
    """Make the account its currency's default: receipts, payout batches and bank refunds
    that name no account go through it."""
    return cash.mark_default(db_session(), account_id, _caller(), utcnow())


@blp.route("/finance/bank-accounts/<int:account_id>/close", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.BankAccountSchema)
def close_bank_account(account_id: int):
    """Close the account: no new receipt, payout batch or refund may name it; its
    statements are still imported and matched."""
    return cash.close(db_session(), account_id, _caller(), utcnow())


@blp.route("/finance/bank-accounts/<int:account_id>/opening-balance", methods=["POST"])
@requires("finance:write")
@blp.response(201, schemas.OpeningBalanceSchema)
def book_opening_balance(account_id: int):
    """Book the account's first statement's opening balance against
    ``equity:opening_balances``, once; again answers the same entry."""
    entry = bank.book_opening_balance(db_session(), account_id, _caller(), utcnow())
    leg = next(leg for leg in entry.postings if leg.account != "equity:opening_balances")
    return {"key": entry.key, "amount_minor": leg.amount, "currency": leg.currency,
            "effective_at": entry.effective_at}  # fmt: skip


@blp.route("/finance/bank-accounts/<int:account_id>/statements", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.StatementOptionsSchema, location="form")
@blp.arguments(schemas.StatementUploadSchema, location="files")
@blp.response(201, schemas.StatementImportSchema)
def import_statement(options, files, account_id: int):
    """Import a statement (CSV, MT940 or camt.053); balances are checked, nothing is kept
    from a refused file, the same file again changes nothing."""
    return bank.import_statement(
        db_session(), account_id, _read(files["file"]), options["format"], _caller(), utcnow(),
        encoding=options["encoding"], layout=options["layout"], opening=options["opening_balance"],
        file_name=files["file"].filename,
    )  # fmt: skip


@blp.route("/finance/recon/runs", methods=["POST"])
@requires("finance:write")
@blp.response(201, schemas.RunSchema)
def run_matching():
    """Match everything open by the rules, and refresh the exception queue."""
    return exceptions.run(db_session(), _caller(), utcnow())


@blp.route("/finance/recon/exceptions")
@requires("finance:read")
@blp.arguments(schemas.ExceptionQuerySchema, location="query")
@blp.response(200, schemas.ExceptionSchema(many=True))
@blp.paginate(QueryPage)
def exception_queue(query):
    """The exception queue with suggested candidates, oldest first."""
    return exceptions.queue(query["status"])


@blp.route("/finance/recon/exceptions/<int:exception_id>/match", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.ManualMatchSchema)
@blp.response(200, schemas.ExceptionSchema)
def match_by_hand(data, exception_id: int):
    """Match an exception's item by hand; a difference is kept and shown."""
    exceptions.match_by_hand(
        db_session(), exception_id, data["kind"], data["target_id"], _caller(), utcnow(),
        data["note"], data["accept_difference"],
    )  # fmt: skip
    return db_session().get(ReconException, exception_id)


@blp.route("/finance/recon/exceptions/<int:exception_id>/mark", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.MarkSchema)
@blp.response(200, schemas.ExceptionSchema)
def mark_exception(data, exception_id: int):
    """Explain an exception with a reason; its item is archived."""
    return exceptions.mark(db_session(), exception_id, data["reason"], _caller(), utcnow())


@blp.route("/finance/recon/corrections", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.CorrectionInputSchema)
@blp.response(201, schemas.CorrectionSchema)
def propose_correction(data):
    """Propose a correcting entry; another finance user approves it."""
    return exceptions.propose_correction(
        db_session(), data["exception_id"], data["legs"], data["reason"], _caller(), utcnow()
    )


@blp.route("/finance/recon/corrections/<int:correction_id>/approve", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.CorrectionDecisionSchema)
@blp.response(200, schemas.CorrectionSchema)
def approve_correction(data, correction_id: int):
    """Approve (post) a correction proposed by another finance user, with an optional
    ``note``."""
    return exceptions.decide_correction(
        db_session(), correction_id, True, _caller(), utcnow(), data["note"]
    )


@blp.route("/finance/recon/corrections/<int:correction_id>/reject", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.CorrectionDecisionSchema)
@blp.response(200, schemas.CorrectionSchema)
def reject_correction(data, correction_id: int):
    """Refuse a correction proposed by another finance user; ``note`` says why (kept on the
    correction and in the audit trail)."""
    return exceptions.decide_correction(
        db_session(), correction_id, False, _caller(), utcnow(), data["note"]
    )


@blp.route("/finance/recon/audit")
@requires("finance:read")
@blp.arguments(schemas.AuditQuerySchema, location="query")
@blp.response(200, schemas.AuditEventSchema(many=True))
@blp.paginate(QueryPage)
def audit_trail(query):
    """Every finance action (who, through which client, when, what), newest first; by
    ``kind`` or ``action`` and by date."""
    return audit.trail(
        kind=query["kind"], action=query["action"], start=query["start"], end=query["end"]
    )


@blp.route("/finance/recon/assertions")
@requires("finance:read")
@blp.arguments(schemas.AssertionQuerySchema, location="query")
@blp.response(200, schemas.AssertionSchema(many=True))
@blp.paginate(QueryPage)
def balance_assertions(query):
    """Daily balance assertions, newest day first."""
    return assertions.listing(query["account_key"], query["status"], query["start"], query["end"])


@blp.route("/finance/recon/assertions", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.AssertionRangeSchema)
@blp.response(201, schemas.AssertionSchema(many=True))
def assert_balances(data):
    """Assert every reconciled account for every day in the range (again replaces)."""
    return exceptions.assert_balances(db_session(), _caller(), utcnow(), data["start"], data["end"])


@blp.route("/finance/recon/assertions/<int:assertion_id>")
@requires("finance:read")
@blp.response(200, schemas.AssertionDetailSchema)
def balance_assertion(assertion_id: int):
    """One day of one account, with the items open at its end."""
    row = assertions.assertion_or_404(db_session(), assertion_id)
    items = [item.as_dict() for item in assertions.open_items(db_session(), row)]
    return {**{column.key: getattr(row, column.key) for column in row.__table__.c},
            "open_items": items}  # fmt: skip


@blp.route("/finance/reports/<name>")
@requires("finance:read")
@blp.arguments(schemas.ReportQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
def report(query, name: str):
    """A report (``trial_balance``, ``general_ledger``, ``payables``, ``provider_statement``
    with ``organisation_id``, ``escrow_ageing``, ``revenue``, ``volume``) as CSV or XLSX,
    streamed; a large one is better built in the background (``…/builds``)."""
    return web.report_download(name, query)


@blp.route("/finance/reports/<name>/builds", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.ReportQuerySchema)
@blp.response(202, schemas.ReportBuildSchema)
def build_report(data, name: str):
    """Queue a report for the worker; poll ``/finance/report-builds/<id>``."""
    return report_builds.request(
        db_session(), name, data["format"], _caller(), utcnow(), data["start"], data["end"],
        data["organisation_id"],
    )  # fmt: skip


@blp.route("/finance/report-builds")
@requires("finance:read")
@blp.response(200, schemas.ReportBuildSchema(many=True))
@blp.paginate(QueryPage)
def report_build_list():
    """Reports built or being built, newest first."""
    return sa.select(ReportBuild).order_by(ReportBuild.id.desc())


@blp.route("/finance/report-builds/<int:build_id>")
@requires("finance:read")
@blp.response(200, schemas.ReportBuildSchema)
def report_build(build_id: int):
    """Where a build stands (``queued``, ``done``, ``failed``)."""
    return report_builds.build_or_404(db_session(), build_id)


@blp.route("/finance/report-builds/<int:build_id>/file")
@requires("finance:read")
@blp.response(200, content_type="application/octet-stream")
def report_build_file(build_id: int):
    """The built file; 409 until the build is done."""
    return web.built_report(build_id)
