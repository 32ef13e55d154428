"""Finance staff's ledger pages: chart of accounts, statements, entries, trial balance, periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

import ledger
from ledger import reads
from ledger.errors import LedgerError
from market.auth import staff_required
from market.context import current_user, db_session
from market.display import when
from market.errors import DomainError
from market.finance import closing, schemas, services, web
from market.forms import parse_form
from market.identity.models import StaffRole, User
from market.text import N_

blp = Blueprint("finance", __name__, url_prefix="/finance")

finance_only = staff_required(StaffRole.FINANCE)


def _query(schema):
    """Load query parameters with ``schema``; bad ones fall back to the defaults."""
    errors = schema.validate(request.args)
    return schema.load({} if errors else request.args), errors


@blp.route("/ledger")
@finance_only
def accounts():
    """The chart of accounts with balances, optionally under a code prefix."""
    query, errors = _query(schemas.AccountQuerySchema())
    balances = reads.accounts_under(db_session(), query["prefix"])
    return render_template(
        "finance/accounts.html", balances=balances, prefix=query["prefix"], errors=errors
    )


@blp.route("/ledger/statement")
@finance_only
def statement():
    """An account statement with running balance."""
    query, errors = _query(schemas.StatementQuerySchema())
    if errors:
        return render_template(
            "error.html", status=422, message=_("Choose an account."), errors=errors
        ), 422
    found = reads.statement(
        db_session(), query["account"], query["currency"], start=query["start"], end=query["end"]
    )
    return render_template("finance/statement.html", statement=found)


@blp.route("/ledger/entries/<bigint:entry_id>")
@finance_only
def entry(entry_id: int):
    """One journal entry."""
    return render_template("finance/entry.html", entry=ledger.get_entry(db_session(), entry_id))


@blp.route("/ledger/trial-balance")
@finance_only
def trial_balance():
    """The trial balance per currency."""
    query, errors = _query(schemas.TrialBalanceQuerySchema())
    found = reads.trial_balance(db_session(), as_of=query["as_of"])
    return render_template("finance/trial_balance.html", trial=found, as_of=query["as_of"])


@blp.route("/ledger/journal")
@finance_only
def journal():
    """Download the journal as CSV or XLSX."""
    query, _errors = _query(schemas.ExportQuerySchema())
    labels = None if query["header"] == "codes" else web.column_labels()
    download = services.journal(db_session(), query["start"], query["end"], query["format"], labels)
    return Response(download.body, mimetype=download.media_type, headers=download.headers)


def _next_period(periods: list) -> dict:
    """The form's offer: the month after the latest period (this month when there is none)."""
    zone = schemas.exchange_zone()
    start = max(periods, key=lambda p: p.ends_at).ends_at if periods else datetime.now(UTC)
    first = start.astimezone(zone).date()
    if not periods:
        first = first.replace(day=1)
    following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = following - timedelta(days=1)
    # A whole month is named by it; the rest of a month after a shorter period by its days
    # (an ISO 8601 interval written with "--", since the name is a URL path segment), never by
    # a month it does not cover.
    name = first.strftime("%Y-%m") if first.day == 1 else f"{first.isoformat()}--{last.isoformat()}"
    return {"name": name, "starts_at": first.isoformat(), "ends_at": last.isoformat()}


def _periods_page(status: int = 200, errors=None):
    session, now = db_session(), datetime.now(UTC)
    periods = ledger.list_periods(session)
    limits = closing.Limits.from_config(current_app.config)
    closable = [p for p in periods if p.status != "closed" and p.ends_at <= now]
    verified = closing.verify_ledger(session) if closable else None
    page = render_template(
        "finance/periods.html",
        periods=periods,
        checklists={
            period.name: closing.checklist(session, period, now, limits, verified)
            for period in closable
        },
        now=now,
        errors=errors or {},
        form=request.form if errors else _next_period(periods),
        people=_people(session, periods),
        open_item_days=limits.open_item_days,
    )
    return page, status


def _people(session, periods: list) -> dict[str, str]:
    """The finance users the ledger names by e-mail (who requested and who closed), by name."""
    emails = {p.closed_by for p in periods} | {p.close_requested_by for p in periods}
    emails.discard(None)
    if not emails:
        return {}
    return {
        user.email: user.name
        for user in session.scalars(sa.select(User).where(User.email.in_(emails)))
    }


@blp.route("/periods")
@finance_only
def periods():
    """Accounting periods."""
    return _periods_page()


@blp.route("/periods", methods=["POST"])
@finance_only
def create_period():
    """Open a new period."""
    data, errors = parse_form(schemas.PeriodInputSchema())
    if errors:
        return _periods_page(422, errors)
    try:
        closing.open_period(
            db_session(), data["name"], data["starts_at"], data["ends_at"], current_user(),
            datetime.now(UTC),
        )  # fmt: skip
    except LedgerError as error:
        if "overlaps" in error.details:
            message = _("It overlaps period %(name)s.", name=error.details["overlaps"])
        else:
            message = _period_refusal(error)
        return _periods_page(409, {error.field or "name": [message]})
    flash(_("Period %(name)s opened.", name=data["name"]))
    return redirect(url_for("finance.periods"))


# The ledger's refusals about periods (a library: its messages are English), by the reason it
# gives, as the periods page says them.
PERIOD_REFUSALS = {
    "missing": N_("There is no period %(period)s."),
    "other_range": N_("Period %(period)s exists with another range."),
    "not_ended": N_("Period %(period)s has not ended: it runs until %(until)s."),
    "not_requested": N_("Closing period %(period)s has not been requested."),
    "same_person": N_("Closing period %(period)s needs the approval of another finance user."),
}
PERIOD_STATUS_REFUSALS = {
    "closed": N_("Period %(period)s is already closed."),
    "open": N_("Period %(period)s is open."),
}


def _period_refusal(error: LedgerError) -> str:
    """A ledger refusal about a period in the reader's language."""
    reason, period = error.details.get("reason"), error.details.get("period")
    if reason == "status" and error.details.get("status") in PERIOD_STATUS_REFUSALS:
        return _(PERIOD_STATUS_REFUSALS[error.details["status"]], period=period)
    if reason in PERIOD_REFUSALS:
        until = error.details.get("until")
        return _(PERIOD_REFUSALS[reason], period=period, until=when(until) if until else "")
    return _(error.message)


@blp.route("/periods/<name>/close-request", methods=["POST"])
@finance_only
def request_period_close(name: str):
    """Ask for an ended period to be closed; another finance user approves."""
    try:
        closing.request_close(db_session(), name, current_user(), datetime.now(UTC))
    except LedgerError as error:
        return _periods_page(409, {"close": [_period_refusal(error)]})
    flash(_("Closing period %(name)s awaits another finance user's approval.", name=name))
    return redirect(url_for("finance.periods"))


@blp.route("/periods/<name>/close", methods=["POST"])
@finance_only
def close_period(name: str):
    """Approve a requested close: the period is closed for good."""
    data, errors = parse_form(schemas.PeriodCloseSchema())
    if errors:
        return _periods_page(422, {"close": errors["override_reason"]})
    try:
        closing.close(
            db_session(), name, current_user(), datetime.now(UTC),
            closing.Limits.from_config(current_app.config), data["override_reason"],
        )  # fmt: skip
    except LedgerError as error:
        return _periods_page(409, {"close": [_period_refusal(error)]})
    except DomainError as error:
        failing = ", ".join(_(closing.CHECK_LABELS[name]) for name in error.details["failing"])
        return _periods_page(409, {"close": [f"{_(error.message)} ({failing})"]})
    flash(_("Period %(name)s closed.", name=name))
    return redirect(url_for("finance.periods"))
