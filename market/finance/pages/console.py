"""The finance console's pages: payee accounts, payouts, reconciliation (finance staff only)."""

from __future__ import annotations

from datetime import datetime

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
from flask_babel import ngettext
from marshmallow import ValidationError

from ledger.currencies import format_amount
from market import charts
from market.auth import login_required, staff_required
from market.context import acting_for, current_user, db_session
from market.db import utcnow
from market.display import home_currency
from market.errors import DomainError, InvalidInput, PermissionDenied
from market.finance import (
    assertions,
    audit,
    bankfile,
    cash,
    exceptions,
    inputs,
    payees,
    payouts,
    receipts,
    refund_transfers,
    report_builds,
    reports,
    schemas,
    web,
)
from market.finance.models import (
    ASSERTION_STATUS_LABELS,
    PAYEE_STATUS_LABELS,
    AssertionStatus,
    AuditEvent,
    BalanceAssertion,
    BankAccount,
    BankLine,
    Correction,
    PayeeStatus,
    ReportBuild,
    StripeBalanceTransaction,
)
from market.finance.pages import trail
from market.forms import parse_form, safe_next
from market.identity.models import Organisation, StaffRole, User
from market.money import money, whole_money
from market.oauth.models import OAuthClient
from market.text import N_
from market.trading import books, flows
from market.trading import payments as trading_payments
from market.trading import schemas as trading_schemas
from market.trading.models import (
    Order,
    Payment,
    PaymentStatus,
    Payout,
    Refund,
    RefundTransferStatus,
)
from market.trading.settings import from_config

blp = Blueprint("finance_console", __name__, url_prefix="/finance")

finance_only = staff_required(StaffRole.FINANCE)

# What the reconciliation page calls the matcher's exception kinds, the things a line can be
# matched to, and the actions in its audit trail.
EXCEPTION_KIND_LABELS = {
    "amount_differs": N_("Amount differs"),
    "duplicate": N_("Duplicate receipt"),
    "ambiguous": N_("Several candidates fit"),
    "missing_in_ledger": N_("Not in the books"),
    "missing_at_bank": N_("Not on the bank statement yet"),
    "unmatched": N_("Nothing matches"),
    "missing_at_stripe": N_("Not at Stripe"),
    "before_submission": N_("Dated before the payout was sent"),
    "other_account": N_("Counterpart booked on another bank account"),
    "balance_difference": N_("Balance differs"),
    "hand_match_difference": N_("Matched by hand, difference not explained"),
}
TARGET_LABELS = trail.TARGET_LABELS
AUDIT_ACTION_LABELS = {code: label for code, (_kind, label) in audit.ACTIONS.items()}


def _refused(error: DomainError, shown: tuple[str, ...] = ()) -> dict:
    """A service's refusal as the errors of the form that asked, in the reader's language:
    under the field it names when the form shows that field, else above the form."""
    return {error.field if error.field in shown else "form": [_(error.message)]}


def _flashed(error: DomainError) -> str:
    """A refusal as one sentence, the field it names in brackets before its full stop."""
    message = _(error.message)
    if not error.field:
        return message
    stop = message[-1] if message.endswith((".", "。")) else ""
    return f"{message.removesuffix(stop)} ({error.field}){stop}"


def _payouts_page(status: int = 200, errors=None, failed: str | None = None):
    """The payouts page; after a refused form, that form (``failed``) shows its errors and
    keeps what was typed."""
    session = db_session()
    query = schemas.RefundsPageQuerySchema()
    shown = query.load({} if query.validate(request.args) else request.args)["refunds"]
    # Every currency anyone is owed in, each with its own total and batch form; the
    # exchange's own currency always, so an empty queue says so.
    by_currency = books.payables_by_currency(session)
    home = home_currency()
    owed = {home: by_currency.pop(home, {}), **dict(sorted(by_currency.items()))}
    owed_ids = {org for amounts in owed.values() for org in amounts}
    organisations = {
        org.id: org
        for org in session.scalars(sa.select(Organisation).where(Organisation.id.in_(owed_ids)))
    }
    accounts = {org: payees.active(session, org) for org in owed_ids}
    page = render_template(
        "finance/payouts.html",
        batches=session.scalars(payouts.batches().limit(30)).all(),
        owed=owed,
        organisations=organisations,
        accounts=accounts,
        with_account=[org for org, account in accounts.items() if account is not None],
        allowed=payouts.allowed_actions,
        refunds=session.scalars(_refunds_shown(shown).limit(100)).all(),
        refunds_shown=shown,
        refund_payee=lambda refund: refund_transfers.payee_of(session, refund),
        refund_actions=refund_transfers.allowed_actions,
        bank_accounts=session.scalars(cash.open_accounts()).all(),
        errors=errors or {},
        form=request.form if errors else {},
        failed=failed,
    )
    return page, status


def _refunds_shown(shown: str) -> sa.Select:
    """The bank refunds the payouts page lists: ``open`` (to send or sent), ``paid`` or
    ``all``."""
    query = refund_transfers.listing()
    if shown == "open":
        return query.where(Refund.transfer_status != RefundTransferStatus.PAID)
    if shown == "paid":
        return query.where(Refund.transfer_status == RefundTransferStatus.PAID)
    return query


@blp.route("/payouts")
@finance_only
def payouts_page():
    """Payout batches, what providers are owed, and the forms that move batches on."""
    return _payouts_page()


@blp.route("/payouts/batches", methods=["POST"])
@finance_only
def build_batch():
    """Build a batch for the providers ticked."""
    data, errors = parse_form(schemas.PayoutBatchInputSchema())
    if errors:
        return _payouts_page(422, errors, "batch")
    try:
        batch = payouts.build_batch(
            db_session(), current_user(), data["currency"], utcnow(), data["organisation_ids"]
        )
    except DomainError as error:
        return _payouts_page(error.status, _refused(error), "batch")
    flash(_("Payout batch %(id)s built.", id=batch.id))
    return redirect(url_for("finance_console.payouts_page"))


@blp.route("/payouts/batches/<int:batch_id>/<any(submit, cancel):action>", methods=["POST"])
@finance_only
def move_batch(batch_id: int, action: str):
    """Submit or cancel a batch."""
    data, errors = parse_form(schemas.BankAccountChoiceSchema())
    if errors:
        return _payouts_page(422, errors, f"batch-{batch_id}")
    try:
        if action == "submit":
            payouts.submit_batch(
                db_session(), batch_id, current_user(), utcnow(), data["bank_account_id"]
            )
        else:
            payouts.cancel_batch(db_session(), batch_id, current_user(), utcnow())
    except DomainError as error:
        return _payouts_page(
            error.status, _refused(error, ("bank_account_id",)), f"batch-{batch_id}"
        )
    if action == "submit":
        flash(
            _("Payout batch %(id)s submitted to the bank; its payouts are in transit.", id=batch_id)
        )
    else:
        flash(_("Payout batch %(id)s cancelled; its payouts are released.", id=batch_id))
    return redirect(url_for("finance_console.payouts_page"))


@blp.route("/payouts/batches/<int:batch_id>/bank-file")
@finance_only
def bank_file(batch_id: int):
    """The batch's bank file in the chosen encoding."""
    encoding = "utf-8" if request.args.get("encoding") == "utf-8" else "gbk"
    batch = payouts.batch_or_404(db_session(), batch_id)
    return Response(
        bankfile.bank_file(batch, encoding),
        content_type=f"text/csv; charset={encoding}",
        headers={"Content-Disposition": f"attachment; filename=payouts-{batch.id}.csv"},
    )


@blp.route("/payouts/refunds/<int:refund_id>/sent", methods=["POST"])
@finance_only
def refund_sent(refund_id: int):
    """Finance sent a bank refund to the buyer's confirmed payee account."""
    data, errors = parse_form(schemas.BankAccountChoiceSchema())
    if errors:
        return _payouts_page(422, errors, f"refund-{refund_id}")
    try:
        refund_transfers.send(
            db_session(), refund_id, current_user(), utcnow(), data["bank_account_id"]
        )
    except DomainError as error:
        return _payouts_page(
            error.status, _refused(error, ("bank_account_id",)), f"refund-{refund_id}"
        )
    flash(_("Refund %(reference)s marked as sent.", reference=f"SJ-REFUND-{refund_id}"))
    return redirect(url_for("finance_console.payouts_page"))


@blp.route("/payouts/<int:payout_id>/paid", methods=["POST"])
@finance_only
def payout_paid(payout_id: int):
    """Record the bank line that paid a payout."""
    data, errors = parse_form(schemas.PayoutPaidSchema())
    if errors:
        return _payouts_page(422, errors, f"paid-{payout_id}")
    try:
        payouts.mark_paid(
            db_session(),
            payout_id,
            data["value_date"],
            data["bank_reference"],
            utcnow(),
            user=current_user(),
        )
    except DomainError as error:
        return _payouts_page(
            error.status, _refused(error, ("value_date", "bank_reference")), f"paid-{payout_id}"
        )
    flash(_("Payout %(id)s recorded as paid.", id=payout_id))
    return redirect(url_for("finance_console.payouts_page"))


@blp.route("/payouts/<int:payout_id>/returned", methods=["POST"])
@finance_only
def payout_returned(payout_id: int):
    """Record that the bank returned a payout."""
    data, errors = parse_form(schemas.PayoutReturnedSchema())
    if errors:
        return _payouts_page(422, errors, f"returned-{payout_id}")
    try:
        payouts.mark_returned(
            db_session(),
            payout_id,
            data["reason"],
            data["value_date"],
            utcnow(),
            user=current_user(),
        )
    except DomainError as error:
        return _payouts_page(
            error.status, _refused(error, ("reason", "value_date")), f"returned-{payout_id}"
        )
    flash(_("Payout %(id)s recorded as returned.", id=payout_id))
    return redirect(url_for("finance_console.payouts_page"))


def _payees_page(status: int = 200, errors=None, failed: str | None = None):
    """The payee accounts page; after a refused form, that form shows its errors."""
    session = db_session()
    page = render_template(
        "finance/payees.html",
        accounts=session.scalars(payees.listing().limit(200)).all(),
        organisations=session.scalars(
            sa.select(Organisation)
            .where(Organisation.is_operator.is_(False))
            .order_by(Organisation.id)
        ).all(),
        labels=PAYEE_STATUS_LABELS,
        pending=PayeeStatus.PENDING,
        me=current_user(),
        errors=errors or {},
        form=request.form if errors else {},
        failed=failed or ("enter" if errors else None),
    )
    return page, status


@blp.route("/payees")
@finance_only
def payees_page():
    """Payee accounts: enter one, confirm or refuse another user's entry."""
    return _payees_page()


@blp.route("/payees", methods=["POST"])
@finance_only
def enter_payee():
    """Enter a payee account (pending a second finance user)."""
    data, errors = parse_form(schemas.PayeeAccountInputSchema())
    if errors:
        return _payees_page(422, errors)
    try:
        payees.request_change(db_session(), data["organisation_id"], current_user(), data, utcnow())
    except DomainError as error:
        return _payees_page(error.status, {error.field or "organisation_id": [_(error.message)]})
    flash(_("Payee account entered; another finance user must confirm it."))
    return redirect(url_for("finance_console.payees_page"))


@blp.route("/payees/<int:payee_id>/<any(confirm, reject):action>", methods=["POST"])
@finance_only
def decide_payee(payee_id: int, action: str):
    """Confirm or refuse a pending payee account."""
    failed = f"{action}-{payee_id}"
    try:
        if action == "confirm":
            payees.confirm(db_session(), payee_id, current_user(), utcnow())
        else:
            data, errors = parse_form(schemas.PayeeDecisionSchema())
            if errors:
                return _payees_page(422, errors, failed)
            payees.reject(db_session(), payee_id, current_user(), utcnow(), data["note"])
    except DomainError as error:
        return _payees_page(error.status, _refused(error, ("note",)), failed)
    flash(_("Payee account updated."))
    return redirect(url_for("finance_console.payees_page"))


@blp.route("/reconciliation")
@finance_only
def reconciliation_page():
    """The exception queue with candidates, and the forms that resolve it."""
    return _reconciliation_page()


def _reconciliation_page(status: int = 200, errors=None, failed: str | None = None):
    """The reconciliation page; after a refused form, that form shows its errors and keeps
    what was typed."""
    session = db_session()
    queue = session.scalars(exceptions.queue().limit(200)).all()
    page = render_template(
        "finance/reconciliation.html",
        exceptions=queue,
        days=_assertions_of(session, queue),
        described=_described(session, queue),
        explained=_explained(session, queue),
        receipt_links=_receipt_links(session, queue),
        accounts=sorted(
            exceptions.NAMED_ACCOUNTS | set(session.scalars(sa.select(BankAccount.ledger_account)))
        ),
        currency=current_app.config.get("CURRENCY") or "CNY",
        corrections=session.scalars(
            sa.select(Correction).where(Correction.status == "proposed").order_by(Correction.id)
        ).all(),
        trail=(
            trail_events := session.scalars(
                audit.trail(kind=("reconciliation", "periods")).limit(30)
            ).all()
        ),
        trail_people=_people_of(session, {event.user_id for event in trail_events}),
        balances=session.scalars(assertions.listing().limit(60)).all(),
        asserted_at=session.scalar(
            sa.select(AuditEvent.at)
            .where(AuditEvent.action == "assert_balances")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ),
        balance_labels=ASSERTION_STATUS_LABELS,
        me=current_user(),
        kind_labels=EXCEPTION_KIND_LABELS,
        target_labels=TARGET_LABELS,
        action_labels=AUDIT_ACTION_LABELS,
        trail_subject=trail.subject,
        trail_details=lambda event: trail.details(session, event),
        errors=errors or {},
        form=request.form if errors else {},
        failed=failed,
    )
    return page, status


def _receipt_links(session, queue) -> dict[tuple[int, int], str]:
    """For a bank line with an order awaiting a transfer as candidate, by ``(exception id,
    order id)``: the receipts form filled from the line (the order's reference, the amount, the
    bank's reference and value date, the payer), coming back here. Recorded, the receipt is
    matched to the line by the next run (its bank transaction id is the line's reference)."""
    wanted = {
        candidate["id"]
        for item in queue
        if item.bank_line_id
        for candidate in item.candidates or []
        if candidate["kind"] == "order"
    }
    if not wanted:
        return {}
    orders = {order.id: order for order in _rows(session, Order, wanted)}
    lines = {line.id: line for line in _rows(
        session, BankLine, {item.bank_line_id for item in queue if item.bank_line_id})}  # fmt: skip
    links = {}
    for item in queue:
        line = lines.get(item.bank_line_id)
        for candidate in item.candidates or []:
            order = orders.get(candidate["id"]) if candidate["kind"] == "order" else None
            if line is None or order is None:
                continue
            links[item.id, order.id] = url_for(
                "finance_console.receipts_page",
                reference=order.reference,
                currency=line.currency,
                amount=format_amount(line.amount_minor, line.currency),
                bank_transaction_id=line.bank_reference,
                value_date=line.value_date.isoformat(),
                payer_name=line.counterparty_name or "",
                next=url_for("finance_console.reconciliation_page"),
            )
    return links


def _assertions_of(session, queue) -> dict[int, BalanceAssertion]:
    """The days behind the queue's ``balance_difference`` exceptions, shown from their
    figures in the reader's language rather than the stored detail."""
    ids = [item.assertion_id for item in queue if item.assertion_id]
    if not ids:
        return {}
    rows = session.scalars(sa.select(BalanceAssertion).where(BalanceAssertion.id.in_(ids)))
    return {row.id: row for row in rows}


def _described(session, queue) -> dict[tuple[str, int], tuple]:
    """What a finance user needs to pick a candidate: its day and its reference, by
    ``(kind, id)``."""
    wanted: dict[str, set[int]] = {}
    for item in queue:
        for candidate in item.candidates or []:
            wanted.setdefault(candidate["kind"], set()).add(candidate["id"])
    found = {}
    for payment in _rows(session, Payment, wanted.get("payment")):
        day = payment.value_date or payment.created_at.date()
        found["payment", payment.id] = (day, payment.reference or payment.bank_transaction_id)
    for refund in _rows(session, Refund, wanted.get("refund")):
        found["refund", refund.id] = (refund.created_at.date(), refund.reason)
    for payout in _rows(session, Payout, wanted.get("payout")):
        found["payout", payout.id] = (
            payout.value_date or payout.created_at.date(), f"SJ-PAYOUT-{payout.id}",
        )  # fmt: skip
    for line in _rows(session, StripeBalanceTransaction, wanted.get("stripe_payout")):
        found["stripe_payout", line.id] = (line.created.date(), line.payout_id or line.stripe_id)
    for order in _rows(session, Order, wanted.get("order")):
        found["order", order.id] = (order.created_at.date(), order.reference)
    return found


# Stripe's reporting categories an exception may name (others are shown as Stripe gives them).
STRIPE_CATEGORY_LABELS = {
    "charge": N_("the card charge"),
    "refund": N_("the card refund"),
    "payout": N_("the payout"),
    "dispute": N_("the chargeback"),
    "fee": N_("the fee"),
}


def _explained(session, queue) -> dict[int, str]:
    """What each exception is about, in the reader's language, from its figures (the stored
    ``detail`` is the matcher's English note); a bank line nothing matches keeps its own
    words (the counterparty and the remark the bank gave)."""
    lines = {line.id: line for line in _rows(
        session, StripeBalanceTransaction,
        {item.stripe_line_id for item in queue if item.stripe_line_id})}  # fmt: skip
    payments = {payment.id: payment for payment in _rows(
        session, Payment, {item.payment_id for item in queue if item.payment_id})}  # fmt: skip
    found = {}
    for item in queue:
        if item.kind == "missing_in_ledger" and item.stripe_line_id in lines:
            line = lines[item.stripe_line_id]
            found[item.id] = _(
                "Stripe reports %(what)s %(source)s, which is not in the books.",
                what=_(STRIPE_CATEGORY_LABELS[line.reporting_category])
                if line.reporting_category in STRIPE_CATEGORY_LABELS
                else line.reporting_category,
                source=line.source_id or line.stripe_id,
            )  # fmt: skip
        elif item.kind == "missing_at_bank" and item.stripe_line_id in lines:
            line = lines[item.stripe_line_id]
            found[item.id] = _(
                "Stripe paid out %(payout)s on %(day)s, booked as in transit; no bank statement "
                "line shows it arriving. Match the bank's line to it when it comes, or explain it.",
                payout=line.source_id or line.stripe_id,
                day=line.created.astimezone(payouts.CHINA_STANDARD_TIME).date().isoformat(),
            )
        elif item.kind == "missing_at_stripe" and item.payment_id in payments:
            found[item.id] = _(
                "Card payment %(charge)s is in no Stripe line imported.",
                charge=payments[item.payment_id].stripe_charge_id,
            )
        elif item.kind == "amount_differs" and item.candidates:
            other = item.candidates[0]
            found[item.id] = _(
                "The counterpart was found with another amount: difference %(difference)s.",
                difference=money(abs(item.amount_minor) - abs(other["amount_minor"]),
                                 item.currency),
            )  # fmt: skip
        elif item.kind == "duplicate":
            found[item.id] = _("The receipts quoting this reference are already matched.")
        elif item.kind == "ambiguous":
            found[item.id] = _("Several Stripe payouts fit.")
        elif item.kind == "before_submission":
            found[item.id] = _("The line is dated before its payout was sent to the bank.")
        elif item.kind == "other_account":
            found[item.id] = _(
                "Its counterpart is booked on the ledger account of another bank account: "
                "move it with a correcting entry, or explain it."
            )
    return found


def _rows(session, model, ids):
    if not ids:
        return []
    return session.scalars(sa.select(model).where(model.id.in_(ids)))


@blp.route("/reconciliation/corrections", methods=["POST"])
@finance_only
def propose_correction():
    """Propose a two-leg correcting entry; another finance user approves it."""
    data, errors = parse_form(schemas.CorrectionFormSchema())
    if errors:
        # Every mistake in one pass: an account the chart does not have is said beside the
        # form's other errors, not only once they are put right.
        for field in ("debit_account", "credit_account"):
            typed = request.form.get(field, "").strip()
            if typed and field not in errors and exceptions.unknown_accounts(db_session(), [typed]):
                errors[field] = [_("There is no such account in the chart of accounts.")]
        return _reconciliation_page(422, errors, "correction")
    legs = [
        {"side": "debit", "account": data["debit_account"], "amount_minor": data["amount"],
         "currency": data["currency"]},
        {"side": "credit", "account": data["credit_account"], "amount_minor": data["amount"],
         "currency": data["currency"]},
    ]  # fmt: skip
    try:
        correction = exceptions.propose_correction(
            db_session(), data["exception_id"], legs, data["reason"], current_user(), utcnow()
        )
    except DomainError as error:
        field = {"legs.0.account": "debit_account", "legs.1.account": "credit_account",
                 "legs.0.amount_minor": "amount", "legs.1.amount_minor": "amount",
                 "legs.0.currency": "currency"}.get(error.field, error.field)  # fmt: skip
        error.field = field
        return _reconciliation_page(
            error.status,
            _refused(error, tuple(schemas.CorrectionFormSchema().fields)),
            "correction",
        )
    flash(_("Correction %(id)s proposed; another finance user must approve it.",
            id=correction.id))  # fmt: skip
    return redirect(url_for("finance_console.reconciliation_page"))


@blp.route("/reconciliation/assert", methods=["POST"])
@finance_only
def assert_balances():
    """Assert every reconciled account's balance for every day its statements cover."""
    rows = exceptions.assert_balances(db_session(), current_user(), utcnow())
    differs = sum(1 for row in rows if row.status == AssertionStatus.DIFFERS)
    flash(_("%(days)s days asserted, %(differs)s with a difference nothing explains.",
            days=len(rows), differs=differs))  # fmt: skip
    return redirect(url_for("finance_console.reconciliation_page"))


@blp.route("/reconciliation/assertions/<int:assertion_id>")
@finance_only
def assertion_page(assertion_id: int):
    """One day of one account: the balances and the items open at its end."""
    row = assertions.assertion_or_404(db_session(), assertion_id)
    return render_template(
        "finance/assertion.html",
        row=row,
        items=assertions.open_items(db_session(), row),
        labels=ASSERTION_STATUS_LABELS,
    )


@blp.route("/reconciliation/run", methods=["POST"])
@finance_only
def run_reconciliation():
    """Match everything open now."""
    result = exceptions.run(db_session(), current_user(), utcnow())
    flash(
        _(
            "%(matched)s; %(opened)s, %(closed)s closed.",
            matched=ngettext("%(num)s line matched", "%(num)s lines matched",
                             sum(result.matched.values())),
            opened=ngettext("%(num)s exception opened", "%(num)s exceptions opened",
                            result.opened),
            closed=result.closed,
        )
    )  # fmt: skip
    return redirect(url_for("finance_console.reconciliation_page"))


@blp.route("/reconciliation/<int:exception_id>/<any(match, mark):how>", methods=["POST"])
@finance_only
def resolve_exception(exception_id: int, how: str):
    """Resolve an exception by hand or with a reason."""
    chosen = how == "match" and request.form.get("candidate", "").strip()
    if chosen:
        schema = schemas.CandidateChoiceSchema()
    else:
        schema = schemas.ManualMatchSchema() if how == "match" else schemas.MarkSchema()
    data, errors = parse_form(schema)
    failed = f"{how}-{exception_id}"
    if errors:
        return _reconciliation_page(422, errors, failed)
    if chosen:
        kind, _colon, target = data["candidate"].partition(":")
        data = {"kind": kind, "target_id": int(target), "note": data["note"],
                "accept_difference": data["accept_difference"]}  # fmt: skip
    try:
        if how == "match":
            match = exceptions.match_by_hand(
                db_session(), exception_id, data["kind"], data["target_id"], current_user(),
                utcnow(), data["note"], data["accept_difference"],
            )  # fmt: skip
            if match.difference_minor:
                flash(_("Matched; the exception stays in the queue until its difference is "
                        "explained by a correction or a reason."))  # fmt: skip
                return redirect(url_for("finance_console.reconciliation_page"))
        else:
            exceptions.mark(db_session(), exception_id, data["reason"], current_user(), utcnow())
    except DomainError as error:
        refused = _refused(error, tuple(schema.fields))
        if error.field == "accept_difference":
            refused = {"accept_difference": [_(
                "The amounts differ by %(difference)s. Tick “Accept the difference” to match "
                "anyway: the item stays in the queue until the difference is explained.",
                difference=money(error.details["difference_minor"][0],
                                 error.details["currency"][0]),
            )]}  # fmt: skip
        elif "matched_line_id" in error.details:
            shown = error.details
            refused = {"candidate" if chosen else "target_id": [_(
                "This is already matched to the line %(reference)s of %(day)s (%(amount)s): "
                "it cannot explain this line too. Choose another.",
                reference=shown["matched_reference"][0], day=shown["matched_date"][0],
                amount=money(shown["matched_amount_minor"][0], shown["matched_currency"][0]),
            )]}  # fmt: skip
        return _reconciliation_page(error.status, refused, failed)
    flash(_("Exception resolved."))
    return redirect(url_for("finance_console.reconciliation_page"))


@blp.route(
    "/reconciliation/corrections/<int:correction_id>/<any(approve, reject):decision>",
    methods=["POST"],
)
@finance_only
def decide_correction(correction_id: int, decision: str):  # fmt: skip
    """Approve or refuse another finance user's correcting entry."""
    data, errors = parse_form(schemas.CorrectionDecisionSchema())
    if errors:
        return _reconciliation_page(422, errors, f"correction-{correction_id}")
    try:
        exceptions.decide_correction(
            db_session(), correction_id, decision == "approve", current_user(), utcnow(),
            data["note"],
        )  # fmt: skip
    except DomainError as error:
        return _reconciliation_page(error.status, _refused(error), f"correction-{correction_id}")
    flash(_("Correction approved.") if decision == "approve" else _("Correction refused."))
    return redirect(url_for("finance_console.reconciliation_page"))


REPORT_NAMES = {
    "trial_balance": N_("Trial balance"),
    "general_ledger": N_("General ledger"),
    "payables": N_("Payables"),
    "escrow_ageing": N_("Escrow ageing"),
    "revenue": N_("Platform revenue"),
    "volume": N_("Trading volume"),
    "provider_statement": N_("Provider statement"),
}


@blp.route("/reports")
@finance_only
def reports_page():
    """Revenue and volume by month as charts, escrow by age, downloads and background builds."""
    session = db_session()
    currency = request.args.get("currency", "CNY")
    months = charts.months_back(utcnow())
    start = datetime.fromisoformat(f"{months[0]}-01T00:00:00+08:00")
    revenue = [row for row in reports.revenue(session, start).rows if row[2] == currency]
    volume = [row for row in reports.volume(session, start).rows if row[2] == currency]
    ageing = [row for row in reports.escrow_ageing(session).rows if row[0] == "total"]

    def monthly(rows, column):
        totals = dict.fromkeys(months, 0)
        for row in rows:
            if row[0] in totals:
                totals[row[0]] += row[column]
        return list(totals.items())

    def amount(minor: int) -> str:
        return whole_money(minor, currency)

    return render_template(
        "finance/reports.html",
        names=REPORT_NAMES,
        revenue_chart=charts.bar_chart(
            monthly(revenue, 3), _("Platform revenue net of VAT by month"), amount
        ),
        volume_chart=charts.bar_chart(monthly(volume, 4), _("Trading volume by month"), amount),
        ageing=[row for row in ageing if row[3] == currency],
        builds=session.scalars(sa.select(ReportBuild).order_by(ReportBuild.id.desc()).limit(20)),
        currency=currency,
        providers=session.scalars(
            sa.select(Organisation)
            .where(Organisation.is_operator.is_(False))
            .order_by(Organisation.id)
        ).all(),
    )


@blp.route("/reports/<name>/download")
@finance_only
def download_report(name: str):
    """A report as CSV or XLSX, as the API gives it."""
    schema = schemas.ReportQuerySchema()
    errors = schema.validate(request.args)
    if errors:
        flash(_("The report has invalid fields: %(fields)s.", fields=", ".join(errors)))
        return redirect(url_for("finance_console.reports_page"))
    query = schema.load(request.args)
    try:
        return web.report_download(name, query, words=True)
    except DomainError as error:
        flash(_flashed(error))
        return redirect(url_for("finance_console.reports_page"))


@blp.route("/reports/builds", methods=["POST"])
@finance_only
def queue_report_build():
    """Have the worker build a report; it is listed here when ready."""
    data, errors = parse_form(schemas.ReportBuildInputSchema())
    if errors:
        flash(_("The report has invalid fields: %(fields)s.", fields=", ".join(errors)))
        return redirect(url_for("finance_console.reports_page"))
    try:
        build = report_builds.request(
            db_session(), data["name"], data["format"], current_user(), utcnow(),
            data["start"], data["end"], data["organisation_id"],
        )  # fmt: skip
    except DomainError as error:
        flash(_flashed(error))
        return redirect(url_for("finance_console.reports_page"))
    flash(_("Report %(id)s is being built; it appears below when ready.", id=build.id))
    return redirect(url_for("finance_console.reports_page"))


@blp.route("/reports/builds/<int:build_id>/file")
@finance_only
def report_build_file(build_id: int):
    """A report the worker built."""
    return web.built_report(build_id)


RECEIPT_FIELDS = (
    "reference",
    "currency",
    "amount",
    "bank_transaction_id",
    "payer_name",
    "value_date",
    "bank_account_id",
)


@blp.route("/receipts")
@finance_only
def receipts_page():
    """Orders awaiting a bank transfer, the form that records a receipt, and held receipts."""
    return _receipts_page()


def _receipts_page(status: int = 200, errors=None):
    """The receipts page; after a refused receipt, its form shows the messages and what was
    typed."""
    session = db_session()
    page = render_template(
        "finance/receipts.html",
        awaiting=session.scalars(trading_payments.awaiting_bank_transfer().limit(200)).all(),
        held=session.scalars(trading_payments.payments_queue(PaymentStatus.HELD)).all(),
        recent=session.scalars(cash.recent_receipts().limit(20)).all(),
        bank_accounts=session.scalars(cash.open_accounts()).all(),
        errors=errors or {},
        # The statement's day is what the books date the receipt by; today until changed. A
        # link from a bank line's order candidate fills the form from the line.
        form=request.form
        if errors
        else {"value_date": inputs.today().isoformat()}
        | {key: request.args[key][:200] for key in RECEIPT_FIELDS if key in request.args},
        back=safe_next(""),
    )
    return page, status


@blp.route("/receipts", methods=["POST"])
@finance_only
def record_bank_receipt():
    """Record a bank receipt against an order reference."""
    data, errors = parse_form(trading_schemas.BankReceiptFormSchema())
    if errors:
        return _receipts_page(422, errors)
    session = db_session()
    try:
        payment = receipts.record(
            session, current_user(), data, from_config(current_app.config), utcnow()
        )
    except DomainError as error:
        if error.field == "amount_minor":
            error.field = "amount"  # typed as ``amount`` on the form
        return _receipts_page(error.status, _refused(error, RECEIPT_FIELDS))
    if payment.status == PaymentStatus.HELD and payment.order_id is None:
        flash(_("No order has this reference: the receipt is held for resolution."))
    elif payment.status == PaymentStatus.HELD:
        flash(_("The amount does not match: the receipt is held for resolution."))
    else:
        flash(_("Receipt recorded; the order is paid."))
    return redirect(safe_next(url_for("finance_console.receipts_page")))


@blp.route("/receipts/held/<int:payment_id>/return", methods=["POST"])
@finance_only
def return_held_receipt(payment_id: int):
    """Pay a held receipt back to the payer."""
    receipts.return_held(
        db_session(), flows.collaborators(current_app), payment_id, current_user().id, utcnow()
    )
    flash(_("The held receipt is marked as returned."))
    return redirect(url_for("finance_console.receipts_page"))


@blp.route("/provider-statement")
@login_required
def provider_statement():
    """A provider's own statement of account (its payable in the ledger: opening, every
    settlement, payout, return and claw-back, closing) as CSV or XLSX, for its members."""
    schema = schemas.ReportQuerySchema()
    errors = schema.validate(request.args)
    if errors:
        raise InvalidInput(N_("The statement has invalid fields."), field=sorted(errors)[0])
    query = schema.load(request.args)
    mine = acting_for()
    organisation_id = query["organisation_id"] or (mine[0] if mine else None)
    if organisation_id not in mine:
        raise PermissionDenied(N_("You are not a member of this organisation."))
    return web.report_download(
        "provider_statement", {**query, "organisation_id": organisation_id}, words=True
    )


def _people_of(session, user_ids: set) -> dict[int, str]:
    """The names of the staff who acted in the audit trail, by user id."""
    user_ids.discard(None)
    if not user_ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids))).all())


@blp.route("/audit")
@finance_only
def audit_page():
    """The finance audit trail: every action, who took it (and through which API client),
    when and on what, by kind of action and by date."""
    session = db_session()
    schema = schemas.AuditQuerySchema()
    try:
        query, errors = schema.load(request.args.to_dict()), {}
    except ValidationError as error:
        query, errors = {}, error.normalized_messages()
    events = session.scalars(
        audit.trail(kind=query.get("kind"), start=query.get("start"), end=query.get("end")).limit(
            AUDIT_PAGE_ROWS
        )
    ).all()
    clients = {event.client_id for event in events} - {None}
    page = render_template(
        "finance/audit.html",
        trail=events,
        trail_people=_people_of(session, {event.user_id for event in events}),
        clients=dict(
            session.execute(
                sa.select(OAuthClient.client_id, OAuthClient.name).where(
                    OAuthClient.client_id.in_(clients)
                )
            ).all()
        )
        if clients
        else {},
        kinds=audit.KINDS,
        action_labels=AUDIT_ACTION_LABELS,
        trail_subject=trail.subject,
        trail_details=lambda event: trail.details(session, event),
        limit=AUDIT_PAGE_ROWS,
        errors=errors,
        form=request.args,
    )
    return page, 422 if errors else 200


AUDIT_PAGE_ROWS = 200
