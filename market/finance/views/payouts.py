"""Finance operations under ``/api/v1/finance``: payee accounts and payout batches
(``finance:read`` / ``finance:write``; finance staff's clients only)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import db_session, principal
from market.db import utcnow
from market.finance import audit, bankfile, payees, payouts, refund_transfers, schemas
from market.identity.models import User
from market.oauth.server import requires
from market.trading.models import RefundTransferStatus
from market.trading.schemas import IdempotencyHeaderSchema

blp = Blueprint("finance_api", __name__, description="Payee accounts and payouts (finance staff)")


def _caller() -> User:
    """The member the client acts for; the audit trail names the client too."""
    audit.through_client(db_session(), principal().client_id)
    return db_session().get(User, principal().user_id)


@blp.route("/finance/payee-accounts")
@requires("finance:read")
@blp.response(200, schemas.PayeeAccountSchema(many=True))
@blp.paginate(QueryPage)
def payee_accounts():
    """Payee accounts, newest first."""
    return payees.listing()


@blp.route("/finance/payee-accounts", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PayeeAccountInputSchema)
@blp.response(201, schemas.PayeeAccountSchema)
def enter_payee_account(data):
    """Enter an organisation's new payee account; a second finance user must confirm it, and
    the organisation's owners are mailed."""
    return payees.request_change(db_session(), data["organisation_id"], _caller(), data, utcnow())


@blp.route("/finance/payee-accounts/<int:payee_id>/confirm", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.PayeeAccountSchema)
def confirm_payee_account(payee_id: int):
    """Confirm a pending payee account (not the user who entered it)."""
    return payees.confirm(db_session(), payee_id, _caller(), utcnow())


@blp.route("/finance/payee-accounts/<int:payee_id>/reject", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PayeeDecisionSchema)
@blp.response(200, schemas.PayeeAccountSchema)
def reject_payee_account(data, payee_id: int):
    """Refuse a pending payee account."""
    return payees.reject(db_session(), payee_id, _caller(), utcnow(), data["note"])


@blp.route("/finance/payout-batches")
@requires("finance:read")
@blp.response(200, schemas.PayoutBatchSchema(many=True))
@blp.paginate(QueryPage)
def payout_batches():
    """Payout batches, newest first."""
    return payouts.batches()


@blp.route("/finance/payout-batches", methods=["POST"])
@requires("finance:write")
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(schemas.PayoutBatchInputSchema)
@blp.response(201, schemas.PayoutBatchSchema)
def build_payout_batch(headers, data):
    """Reserve what the chosen providers (all owed ones, by default) are owed in a currency;
    ``Idempotency-Key`` makes it safe to retry."""
    return payouts.build_batch(
        db_session(), _caller(), data["currency"], utcnow(), data["organisation_ids"],
        idempotency_key=headers["key"],
    )  # fmt: skip


@blp.route("/finance/payout-batches/<int:batch_id>")
@requires("finance:read")
@blp.response(200, schemas.PayoutBatchSchema)
def payout_batch(batch_id: int):
    """One payout batch with its payouts."""
    return payouts.batch_or_404(db_session(), batch_id)


@blp.route("/finance/payout-batches/<int:batch_id>/submit", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.BankAccountChoiceSchema)
@blp.response(200, schemas.PayoutBatchSchema)
def submit_payout_batch(data, batch_id: int):
    """The bank file was uploaded to the portal of the exchange's bank account
    (``bank_account_id``, the currency's default if not given): the money is in transit."""
    return payouts.submit_batch(
        db_session(), batch_id, _caller(), utcnow(), data["bank_account_id"]
    )


@blp.route("/finance/payout-batches/<int:batch_id>/cancel", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.PayoutBatchSchema)
def cancel_payout_batch(batch_id: int):
    """Drop a batch that was not submitted; the payables are free again."""
    return payouts.cancel_batch(db_session(), batch_id, _caller(), utcnow())


@blp.route("/finance/payout-batches/<int:batch_id>/bank-file")
@requires("finance:read")
@blp.arguments(schemas.BankFileQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
def payout_bank_file(query, batch_id: int):
    """The batch's bulk-transfer file (CSV, GBK or UTF-8) for the bank's corporate portal."""
    batch = payouts.batch_or_404(db_session(), batch_id)
    body = bankfile.bank_file(batch, query["encoding"])
    return Response(
        body,
        content_type=f"text/csv; charset={query['encoding']}",
        headers={"Content-Disposition": f"attachment; filename=payouts-{batch.id}.csv"},
    )


@blp.route("/finance/payouts/<int:payout_id>/paid", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PayoutPaidSchema)
@blp.response(200, schemas.PayoutSchema)
def payout_paid(data, payout_id: int):
    """The bank statement shows the payout paid, on its value date."""
    return payouts.mark_paid(
        db_session(), payout_id, data["value_date"], data["bank_reference"], utcnow(),
        bank_account_id=data["bank_account_id"], user=_caller(),
    )  # fmt: skip


@blp.route("/finance/payouts/<int:payout_id>/returned", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PayoutReturnedSchema)
@blp.response(200, schemas.PayoutSchema)
def payout_returned(data, payout_id: int):
    """The bank returned the payout: the provider is owed it again."""
    return payouts.mark_returned(
        db_session(), payout_id, data["reason"], data["value_date"], utcnow(), user=_caller()
    )


@blp.route("/finance/refunds-to-send")
@requires("finance:read")
@blp.arguments(schemas.RefundTransferQuerySchema, location="query")
@blp.response(200, schemas.RefundTransferSchema(many=True))
@blp.paginate(QueryPage)
def refunds_to_send(query):
    """Bank refunds owed to buyers (``status=to_send``, the default), or sent, paid, all."""
    status = query["status"]
    return refund_transfers.listing(None if status == "all" else RefundTransferStatus(status))


@blp.route("/finance/refunds-to-send/<int:refund_id>/sent", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.BankAccountChoiceSchema)
@blp.response(200, schemas.RefundTransferSchema)
def refund_sent(data, refund_id: int):
    """Finance sent the refund to the buyer's confirmed payee account from the exchange's bank
    account (``bank_account_id``, the currency's default if not given): it is in transit."""
    return refund_transfers.send(
        db_session(), refund_id, _caller(), utcnow(), data["bank_account_id"]
    )


@blp.route("/finance/refunds-to-send/<int:refund_id>/paid", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.PayoutPaidSchema)
@blp.response(200, schemas.RefundTransferSchema)
def refund_paid(data, refund_id: int):
    """The bank statement shows the refund paid, on its value date."""
    return refund_transfers.mark_paid(
        db_session(), refund_id, data["value_date"], data["bank_reference"], utcnow(),
        bank_account_id=data["bank_account_id"], user=_caller(),
    )  # fmt: skip
