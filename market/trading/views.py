"""Trading API under ``/api/v1``: orders, payments, deliveries, refunds, disputes."""

from __future__ import annotations

import functools
import io

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_smorest import Blueprint

from market import handover
from market.api import QueryPage
from market.context import acting_for, db_session, principal
from market.db import utcnow
from market.errors import NotFound
from market.finance import audit, receipts
from market.identity.models import Organisation, User
from market.listings.models import DeliveryMethod
from market.oauth.server import requires
from market.text import N_
from market.trading import (
    delivery,
    flows,
    orders,
    payments,
    refunds,
    schemas,
    settlement,
)
from market.trading.models import Order, PaymentStatus
from market.trading.settings import TradingSettings, from_config
from market.trading.states import Action, Actor

blp = Blueprint("trading_api", __name__, description="Orders, payments, delivery and settlement")


def trading_settings() -> TradingSettings:
    return from_config(current_app.config)


def collaborators() -> flows.Collaborators:
    return flows.collaborators(current_app)


def _caller() -> User:
    return db_session().get(User, principal().user_id)


def _order(order_id: int) -> Order:
    return orders.order_for(db_session(), order_id, acting_for())


def _locked_order(order_id: int) -> Order:
    _order(order_id)
    return orders.lock(db_session(), order_id)


# --- Orders ------------------------------------------------------------------------------------


@blp.route("/orders", methods=["POST"])
@requires("orders:write")
@blp.arguments(schemas.IdempotencyHeaderSchema, location="headers")
@blp.arguments(schemas.OrderInputSchema)
@blp.response(201, schemas.OrderSchema)
def place_order(headers, data):
    """Order a plan under a declared usage scenario. Send an ``Idempotency-Key``: the same key
    and body return the same order; another body under the key is a 409."""
    session = db_session()
    buyer = session.get(Organisation, principal().organisation_id)
    settings = trading_settings()
    order, _created = orders.place(
        session, buyer, _caller(), data, utcnow(), settings.fee_bps_for, headers["key"],
        vat_bps=settings.vat_bps,
    )  # fmt: skip
    return order


@blp.route("/orders")
@requires("orders:read")
@blp.arguments(schemas.OrderQuerySchema, location="query")
@blp.response(200, schemas.OrderSchema(many=True))
@blp.paginate(QueryPage)
def list_orders(query):
    """Your purchases (``role=buyer``) or sales (``role=provider``), newest first."""
    if query["role"] == "provider":
        return orders.sales(principal().organisation_id)
    return orders.purchases(principal().organisation_id)


@blp.route("/orders/<int:order_id>")
@requires("orders:read")
@blp.response(200, schemas.OrderSchema)
def get_order(order_id: int):
    """One of your orders, with its events, payments, refunds and disputes."""
    return _order(order_id)


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@requires("orders:write")
@blp.response(200, schemas.OrderSchema)
def cancel_order(order_id: int):
    """Cancel an order that is still awaiting payment (the buyer)."""
    order = _locked_order(order_id)
    orders.require_buyer(order, acting_for(), Action.CANCEL)
    orders.cancel(db_session(), order, _caller(), utcnow())
    return order


@blp.route("/orders/<int:order_id>/bank-transfer")
@requires("orders:read")
@blp.response(200, schemas.BankInstructionsSchema)
def bank_instructions(order_id: int):
    """The exchange's bank account (in the request's language, and as the bank registered it)
    and the order's unique payment reference."""
    order = payments.payable_order(db_session(), order_id, acting_for())
    settings = trading_settings()
    return {
        "reference": order.reference,
        "amount_minor": order.price_minor,
        "currency": order.currency,
        "bank_account": settings.bank_account_in(get_locale().language),
        "registered_bank_account": settings.bank_account,
    }


@blp.route("/orders/<int:order_id>/payments/stripe", methods=["POST"])
@requires("orders:write")
@blp.response(201, schemas.IntentSchema)
def start_stripe_payment(order_id: int):
    """A PaymentIntent for the order (the open one if there is one) for Stripe.js to confirm."""
    payment, intent = flows.start_stripe_payment(
        db_session(), collaborators(), order_id, acting_for()
    )
    return {
        "payment_id": payment.id,
        "id": intent.id,
        "status": intent.status,
        "client_secret": intent.client_secret,
        "publishable_key": current_app.extensions["payments"].publishable_key,
        "payment_method_types": list(trading_settings().payment_method_types),
    }


@blp.route("/orders/<int:order_id>/payments/stripe/refresh", methods=["POST"])
@requires("orders:write")
@blp.response(200, schemas.OrderSchema)
def refresh_stripe_payment(order_id: int):
    """Ask Stripe about the order's intent and apply what it says (after Stripe.js confirmed)."""
    flows.refresh_payments(db_session(), collaborators(), order_id, acting_for())
    return _order(order_id)


@blp.route("/orders/<int:order_id>/deliver", methods=["POST"])
@requires("orders:write")
@blp.arguments(schemas.DeliverySchema, required=False)
@blp.response(200, schemas.OrderSchema)
def deliver_order(data, order_id: int):
    """Mark a paid API order delivered (the provider): the buyer's entitlement starts; an
    optional ``note`` tells the buyer how to fetch the data."""
    order = _locked_order(order_id)
    orders.require_provider(order, acting_for(), Action.DELIVER)
    delivery.deliver(
        db_session(), order, trading_settings(), utcnow(), Actor.PROVIDER, _caller(),
        note=data.get("note"),
    )  # fmt: skip
    return order


@blp.route("/orders/<int:order_id>/accept", methods=["POST"])
@requires("orders:write")
@blp.response(200, schemas.OrderSchema)
def accept_order(order_id: int):
    """Accept a delivered order (the buyer); settlement follows."""
    order = _locked_order(order_id)
    orders.require_buyer(order, acting_for(), Action.ACCEPT)
    settlement.accept_by_buyer(db_session(), order, _caller(), utcnow())
    return order


@blp.route("/orders/<int:order_id>/disputes", methods=["POST"])
@requires("orders:write")
@blp.arguments(schemas.DisputeReasonSchema)
@blp.response(201, schemas.DisputeSchema)
def open_dispute(data, order_id: int):
    """Dispute a paid or delivered order (the buyer): settlement is frozen."""
    order = _locked_order(order_id)
    orders.require_buyer(order, acting_for(), Action.DISPUTE)
    return refunds.open_dispute(db_session(), order, data["reason"], utcnow(), _caller())


# --- Deliveries -------------------------------------------------------------------------------


@blp.route("/entitlements")
@requires("deliveries:read")
@blp.response(200, schemas.EntitlementSchema(many=True))
@blp.paginate(QueryPage)
def list_entitlements():
    """Your organisation's entitlements, newest first."""
    return delivery.entitlements(principal().organisation_id)


@blp.route("/entitlements/<int:entitlement_id>")
@requires("deliveries:read")
@blp.response(200, schemas.EntitlementSchema)
def get_entitlement(entitlement_id: int):
    """One entitlement."""
    return delivery.entitlement_for(db_session(), entitlement_id, acting_for())


@blp.route("/entitlements/<int:entitlement_id>/links", methods=["POST"])
@requires("deliveries:read")
@blp.response(200, schemas.DownloadLinkSchema(many=True))
def download_links(entitlement_id: int):
    """Signed download links (valid for ``DOWNLOAD_LINK_TTL`` seconds) to the files."""
    entitlement = delivery.entitlement_for(db_session(), entitlement_id, acting_for())
    delivery.check_usable(entitlement, utcnow())
    return delivery.download_links(
        db_session(),
        trading_settings(),
        entitlement,
        utcnow(),
        functools.partial(url_for, "trading_api.download"),
    )


def _stream_download(entitlement_id, file_id, query, organisation_ids, user_id, client_id):
    """Check a signed link, count and log the download, and hand over the stored file."""
    asset_file = delivery.open_download(
        db_session(),
        trading_settings(),
        entitlement_id,
        file_id,
        query["expires"],
        query["signature"],
        organisation_ids,
        utcnow(),
        user_id=user_id,
        client_id=client_id,
        remote_addr=request.remote_addr,
        resuming=handover.resuming(),
    )
    ttl = trading_settings().download_link_ttl
    return handover.file_response(current_app.extensions["files"], asset_file, ttl)


@blp.route("/entitlements/<int:entitlement_id>/manifest")
@requires("deliveries:read")
@blp.response(200, schemas.ManifestSchema)
def manifest(entitlement_id: int):
    """The delivered files (name, size, SHA-256, and the address that gets each: a signed
    download link, or for API delivery its ``records`` address) and their Merkle root."""
    session, now = db_session(), utcnow()
    entitlement = delivery.entitlement_for(session, entitlement_id, acting_for())
    delivery.check_usable(entitlement, now)
    if entitlement.delivery_method == DeliveryMethod.API:
        links = delivery.record_links(
            session, entitlement, functools.partial(url_for, "trading_api.records")
        )
    else:
        links = delivery.download_links(
            session,
            trading_settings(),
            entitlement,
            now,
            functools.partial(url_for, "trading_api.download"),
        )
    return delivery.manifest(session, entitlement, links)


@blp.route("/downloads/<int:entitlement_id>/<int:file_id>")
@requires("deliveries:read")
@blp.arguments(schemas.DownloadQuerySchema, location="query")
def download(query, entitlement_id: int, file_id: int):
    """Download a delivered file with a signed link (counted, logged with the file's hash)."""
    caller = principal()
    return _stream_download(
        entitlement_id, file_id, query, acting_for(), caller.user_id, caller.client_id
    )


@blp.route("/entitlements/<int:entitlement_id>/records")
@requires("deliveries:read")
@blp.arguments(schemas.RecordsQuerySchema, location="query")
@blp.response(200, schemas.RecordsSchema)
def records(query, entitlement_id: int):
    """API delivery: lines of a delivered file; each call is metered against the entitlement."""
    session = db_session()
    entitlement = delivery.entitlement_for(session, entitlement_id, acting_for())
    left = delivery.meter_call(session, entitlement, utcnow())
    asset_file = next(
        (f for f in delivery.files_of(session, entitlement) if f.id == query["file_id"]), None
    )
    if asset_file is None:
        raise NotFound(N_("No such file."), field="file_id")
    with current_app.extensions["files"].open(asset_file.storage_key) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace")
        lines = [
            line.rstrip("\n")
            for number, line in enumerate(text)
            if query["offset"] <= number < query["offset"] + query["limit"]
        ]
    return {"file_id": asset_file.id, "offset": query["offset"], "lines": lines, "calls_left": left}


# --- Finance and review -------------------------------------------------------------------------


@blp.route("/finance/bank-transfers")
@requires("finance:read")
@blp.response(200, schemas.OrderSchema(many=True))
@blp.paginate(QueryPage)
def awaiting_bank_transfers():
    """Orders awaiting payment (to match bank receipts against)."""
    return payments.awaiting_bank_transfer()


@blp.route("/finance/bank-receipts", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.BankReceiptInputSchema)
@blp.response(201, schemas.PaymentSchema)
def record_bank_receipt(data):
    """Record money received for an order reference: the exact amount pays the order; a short
    or excess amount is held for finance to resolve."""
    audit.through_client(db_session(), principal().client_id)
    return receipts.record(db_session(), _caller(), data, trading_settings(), utcnow())


@blp.route("/finance/held-payments")
@requires("finance:read")
@blp.response(200, schemas.PaymentSchema(many=True))
@blp.paginate(QueryPage)
def held_payments():
    """Receipts held for finance (short, excess, late or duplicate payments)."""
    return payments.payments_queue(PaymentStatus.HELD)


@blp.route("/finance/held-payments/<int:payment_id>/return", methods=["POST"])
@requires("finance:write")
@blp.response(200, schemas.PaymentSchema)
def return_held_payment(payment_id: int):
    """Pay a held receipt back to the payer."""
    audit.through_client(db_session(), principal().client_id)
    return receipts.return_held(
        db_session(), collaborators(), payment_id, principal().user_id, utcnow()
    )


@blp.route("/orders/<int:order_id>/refunds", methods=["POST"])
@requires("finance:write")
@blp.arguments(schemas.IdempotencyHeaderSchema, location="headers")
@blp.arguments(schemas.RefundInputSchema)
@blp.response(201, schemas.RefundSchema)
def refund_order(headers, data, order_id: int):
    """Refund part or all of an order (finance); ``Idempotency-Key`` makes it safe to retry."""
    orders.order_for(db_session(), order_id, (), staff=True)
    return flows.refund(
        db_session(), collaborators(), order_id, data["amount_minor"], data["reason"],
        principal().user_id, headers["key"],
    )  # fmt: skip


@blp.route("/disputes")
@requires("review:write")
@blp.response(200, schemas.DisputeSchema(many=True))
@blp.paginate(QueryPage)
def dispute_queue():
    """Open disputes, oldest first."""
    return refunds.disputes_queue()


@blp.route("/orders/<int:order_id>/dispute-decision", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.DisputeDecisionSchema)
@blp.response(200, schemas.OrderSchema)
def decide_dispute(data, order_id: int):
    """Decide an order's open dispute: release, partial refund or full refund."""
    orders.order_for(db_session(), order_id, (), staff=True)
    flows.decide_dispute(db_session(), collaborators(), order_id, principal().user_id, data)
    return db_session().get(Order, order_id)
