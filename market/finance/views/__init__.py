"""The ledger under ``/api/v1/ledger``: finance staff's clients only (``finance:*`` scopes)."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint

import ledger
from ledger import errors as ledger_errors
from ledger import reads
from market.context import db_session, principal
from market.db import utcnow
from market.finance import audit, closing, schemas, services, web
from market.identity.models import User
from market.oauth.server import requires

blp = Blueprint("ledger_api", __name__, description="The exchange's ledger (finance staff)")


@blp.route("/ledger/accounts")
@requires("finance:read")
@blp.arguments(schemas.AccountQuerySchema, location="query")
@blp.response(200, schemas.BalanceSchema(many=True))
def list_accounts(query):
    """Accounts of the chart (optionally under a code prefix) with their balances."""
    return reads.accounts_under(db_session(), query["prefix"])


@blp.route("/ledger/statement")
@requires("finance:read")
@blp.arguments(schemas.StatementQuerySchema, location="query")
@blp.response(200, schemas.StatementSchema)
def account_statement(query):
    """An account's statement with running balance for ``[start, end)``."""
    try:
        return reads.statement(
            db_session(),
            query["account"],
            query["currency"],
            start=query["start"],
            end=query["end"],
        )
    except ledger_errors.AccountNotFound as error:
        error.field = "account"  # the ledger's own name for it is ``code``; the caller's is this
        raise


@blp.route("/ledger/entries/<bigint:entry_id>")
@requires("finance:read")
@blp.response(200, schemas.EntrySchema)
def get_entry(entry_id: int):
    """One journal entry with its postings."""
    return ledger.get_entry(db_session(), entry_id)


@blp.route("/ledger/trial-balance")
@requires("finance:read")
@blp.arguments(schemas.TrialBalanceQuerySchema, location="query")
@blp.response(200, schemas.TrialBalanceSchema)
def trial_balance(query):
    """The trial balance per currency, now or as of a moment."""
    return reads.trial_balance(db_session(), as_of=query["as_of"])


@blp.route("/ledger/journal")
@requires("finance:read")
@blp.arguments(schemas.ExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
def journal_export(query):
    """The journal of ``[start, end)`` as CSV or XLSX (``format``)."""
    labels = web.column_labels() if query["header"] == "words" else None
    download = services.journal(db_session(), query["start"], query["end"], query["format"], labels)
    return Response(download.body, mimetype=download.media_type, headers=download.headers)


@blp.route("/ledger/periods")
@requires("finance:read")
@blp.response(200, schemas.PeriodSchema(many=True))
def list_periods():
    """Accounting periods, oldest first."""
    return ledger.list_periods(db_session())


@blp.route("/ledger/periods", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PeriodInputSchema)
@blp.response(201, schemas.PeriodSchema)
def create_period(data):
    """Open a period ``[starts_at, ends_at)``."""
    return closing.open_period(
        db_session(), data["name"], data["starts_at"], data["ends_at"], _caller(), utcnow()
    )


def _caller() -> User:
    """The member on whose authority the client acts (two clients of one person are one
    person); the audit trail names the client too."""
    audit.through_client(db_session(), principal().client_id)
    return db_session().get(User, principal().user_id)


@blp.route("/ledger/periods/<name>/close-request", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.PeriodSchema)
def request_period_close(name: str):
    """Ask for an ended period to be closed; another finance user approves the close."""
    return closing.request_close(db_session(), name, _caller(), utcnow())


@blp.route("/ledger/periods/<name>/checklist")
@requires("finance:read")
@blp.response(200, schemas.CloseCheckSchema(many=True))
def period_checklist(name: str):
    """What must be true before the period closes, from the balances last asserted."""
    session = db_session()
    period = closing.period_or_404(session, name)
    return closing.checklist(
        session, period, utcnow(), closing.Limits.from_config(current_app.config)
    )


@blp.route("/ledger/periods/<name>/close", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PeriodCloseSchema)
@blp.response(200, schemas.PeriodSchema)
def close_period(data, name: str):
    """Approve a requested close: the balances are asserted again and the checklist must be
    clear, or ``override_reason`` says why to close all the same; nothing can be posted inside
    the period any more."""
    session = db_session()
    return closing.close(
        session, name, _caller(), utcnow(), closing.Limits.from_config(current_app.config),
        data["override_reason"],
    )  # fmt: skip
