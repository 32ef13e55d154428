"""Trading pages: buying, checkout (Stripe.js or bank transfer), orders and downloads, sales,
receipts and statements, and the finance and review queues."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from market import charts, handover
from market.auth import login_required, staff_required
from market.context import acting_for, current_user, db_session
from market.db import utcnow
from market.display import currency_name, home_currency, label, territories, territory, word_list
from market.errors import DomainError, NotFound, PermissionDenied, error_body
from market.fields import int_id
from market.finance import payees, payouts
from market.finance.models import PayeeAccount, PayeeStatus
from market.forms import error_texts, parse_form
from market.identity.models import Organisation, StaffRole
from market.listings import plans as listing_plans
from market.listings import terms as licence
from market.listings.models import (
    PLAN_KIND_LABELS,
    SCENARIO_LABELS,
    Listing,
    ListingStatus,
    UsageScenario,
)
from market.money import whole_money
from market.payments import declines
from market.registry.models import AssetVersion
from market.text import N_
from market.trading import (
    books,
    delivery,
    earnings,
    flows,
    orders,
    refunds,
    schemas,
    settlement,
)
from market.trading.models import (
    DISPUTE_DECISION_LABELS,
    ORDER_STATUS_LABELS,
    PAYMENT_METHOD_LABELS,
    Order,
    OrderStatus,
    RefundTransferStatus,
)
from market.trading.settings import TradingSettings, from_config
from market.trading.states import ACTION_LABELS, Actor, allowed_actions

blp = Blueprint("trading", __name__)


def trading_settings() -> TradingSettings:
    return from_config(current_app.config)


def bank_account() -> dict:
    """The exchange's account in the page's language (``shown``) and as the bank holds it
    (``registered``, which a transfer must name)."""
    settings = trading_settings()
    shown = settings.bank_account_in(get_locale().language)
    return {"shown": shown, "registered": settings.bank_account}


def collaborators() -> flows.Collaborators:
    return flows.collaborators(current_app)


def _labels() -> dict:
    return {
        "status": ORDER_STATUS_LABELS,
        "scenario": SCENARIO_LABELS,
        "plan": PLAN_KIND_LABELS,
        "method": PAYMENT_METHOD_LABELS,
        "action": ACTION_LABELS,
        "decision": DISPUTE_DECISION_LABELS,
    }


def _is_staff() -> bool:
    return current_user().has_staff_role(StaffRole.FINANCE, StaffRole.REVIEWER)


def _order(order_id: int) -> Order:
    return orders.order_for(db_session(), order_id, acting_for(), staff=_is_staff())


def _back(order_id: int):
    return redirect(url_for("trading.order_page", order_id=order_id))


# --- Buying -----------------------------------------------------------------------------------


@blp.route("/listings/<int:listing_id>/buy", methods=["GET", "POST"])
@login_required
def buy(listing_id: int):
    """Choose a plan, the buying organisation and the usage scenario; place the order."""
    session = db_session()
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        raise NotFound(N_("No such listing."))
    mine = acting_for()
    organisations = [session.get(Organisation, organisation_id) for organisation_id in mine]
    revision = listing.live_revision
    plans = revision.plans_for(mine, utcnow())
    # Only a verified organisation may trade: the others are pointed to their verification
    # form. One registered outside the provider's jurisdiction is refused every plan whose
    # licence keeps the data at home: say so before the form rather than after it is filled in.
    standing = listing_plans.buyers(listing, organisations, plans)
    buyers = standing.verified
    context = {
        "listing": listing,
        "revision": revision,
        "plans": plans,
        "buyers": buyers,
        "unverified": standing.unverified,
        "scenarios": [s for s in UsageScenario if str(s) in revision.terms["scenarios"]],
        "terms": licence.describe(
            revision.terms,
            _,
            territory,
            word_list,
            home=listing.organisation.jurisdiction,
            territories=territories,
        ),
        "labels": _labels(),
        # What a buyer taking the data abroad accepts, and whether one of the user's
        # organisations would take it abroad by its registration alone.
        "cross_border_terms": {
            plan.id: orders.cross_border_terms(plan, _, territories) for plan in plans
        },
        "standing": standing,
        "abroad": standing.abroad,
        "barred": standing.barred,
        "territory_names": territories(revision.terms["territory"]),
    }
    if request.method == "GET" or not buyers:
        page = render_template("trading/buy.html", errors={}, form={}, **context)
        return page, 200 if request.method == "GET" else 403
    data, errors = parse_form(schemas.OrderFormSchema())
    buyer_id = data.pop("organisation_id", None)
    if errors or buyer_id not in mine:
        errors = errors or {"organisation_id": [_("Choose one of your organisations.")]}
        return render_template("trading/buy.html", errors=errors, form=request.form, **context), 422
    try:
        order, _created = orders.place(
            session,
            session.get(Organisation, buyer_id),
            current_user(),
            data,
            utcnow(),
            trading_settings().fee_bps_for,
            vat_bps=trading_settings().vat_bps,
        )
    except DomainError as error:
        failed = error.messages(_) if error.field else {"plan_id": [_(error.message)]}
        page = render_template("trading/buy.html", errors=failed, form=request.form, **context)
        return page, error.status
    return redirect(url_for("trading.checkout", order_id=order.id))


# --- Checkout ---------------------------------------------------------------------------------


@blp.route("/orders/<int:order_id>/checkout")
@login_required
def checkout(order_id: int):
    """Pay: by card or wallet through Stripe.js, or by bank transfer with the reference."""
    order = _order(order_id)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return _back(order_id)
    orders.require_buyer(order, acting_for())
    gateway = current_app.extensions["payments"]
    intent = None
    if gateway is not None:
        try:
            _payment, intent = flows.start_stripe_payment(
                db_session(), collaborators(), order_id, acting_for()
            )
        except flows.PaymentUnavailable as error:
            flash(_(error.message))
        order = _order(order_id)
    return render_template(
        "trading/checkout.html",
        order=order,
        intent=intent,
        publishable_key=gateway.publishable_key if gateway else None,
        stripe_js=_stripe_js_url(),
        declines=declines.translated(_),
        bank_account=bank_account(),
        labels=_labels(),
    )


def _stripe_js_url() -> str:
    base = current_app.config.get("STRIPE_API_BASE")
    # localstripe serves a stand-in for Stripe.js under its own address.
    return f"{base.rstrip('/')}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


@blp.route("/orders/<int:order_id>/checkout/card", methods=["POST"])
@login_required
def confirm_card(order_id: int):
    """Confirm the order's intent with the card Stripe.js tokenised (JSON in, JSON out)."""
    # The page's script reads the answer, a refusal too: JSON, in the page's language.
    try:
        data = schemas.CardConfirmSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        # Nothing was charged: what was sent is refused, not a payment.
        message = _("The card details were refused.")
        return jsonify(error_body(422, message, error_texts(error.messages))), 422
    try:
        intent = flows.confirm_card(
            db_session(), collaborators(), order_id, acting_for(), data["payment_method"]
        )
    except DomainError as error:
        body = error_body(error.status, _(error.message), error.messages(_), error.facts)
        return jsonify(body), error.status
    return jsonify(
        {
            "status": intent.status,
            "client_secret": intent.client_secret,
            "return_url": url_for("trading.checkout_return", order_id=order_id),
        }
    )


@blp.route("/orders/<int:order_id>/checkout/return")
@login_required
def checkout_return(order_id: int):
    """Back from Stripe.js: ask Stripe about the intent and move the order."""
    order = _order(order_id)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        intent = flows.refresh_payments(db_session(), collaborators(), order_id, acting_for())
        if intent.status == "succeeded":
            flash(_("Payment received. The money is held in escrow until you accept."))
        else:
            flash(_("The payment is not complete yet."))
    return _back(order_id)


# --- Orders -----------------------------------------------------------------------------------


@blp.route("/orders")
@login_required
def order_list():
    """Your organisations' purchases and sales."""
    session = db_session()
    mine = acting_for()
    bought = session.scalars(
        sa.select(Order).where(Order.buyer_organisation_id.in_(mine)).order_by(Order.id.desc())
    ).all()
    sold = session.scalars(
        sa.select(Order).where(Order.provider_organisation_id.in_(mine)).order_by(Order.id.desc())
    ).all()
    return render_template("trading/orders.html", bought=bought, sold=sold, labels=_labels())


@blp.route("/orders/<int:order_id>")
@login_required
def order_page(order_id: int):
    """An order: its status and history, payment, delivery and what you may do next."""
    return _order_page(order_id)


def _order_page(order_id: int, status: int = 200, errors=None):
    """The order page; after a refused refund, its form shows the messages and what was typed."""
    session = db_session()
    order = _order(order_id)
    mine = acting_for()
    if order.buyer_organisation_id in mine:
        role = Actor.BUYER
    elif order.provider_organisation_id in mine:
        role = Actor.PROVIDER
    else:
        role = Actor.FINANCE
    entitlement = order.entitlement
    links, fingerprint, api_files = [], None, []
    readable = (
        role == Actor.BUYER
        and entitlement is not None
        and entitlement.usable_at(utcnow())
        and order.status != OrderStatus.REFUNDED
    )
    if readable and entitlement.delivery_method == "download":
        links = delivery.download_links(
            session,
            trading_settings(),
            entitlement,
            utcnow(),
            functools.partial(url_for, "trading.download"),
        )
        fingerprint = session.get(AssetVersion, entitlement.asset_version_id).fingerprint
    elif readable and entitlement.delivery_method == "api":
        # The API's addresses: the buyer reads the data it is asked to accept through them.
        api_files = delivery.record_links(
            session, entitlement, functools.partial(url_for, "trading_api.records")
        )
    # A bank-paid order's refund is owed until finance transfers it to the buyer's account.
    transfers = [refund for refund in order.refunds if refund.transfer_status in PENDING_TRANSFER]
    return render_template(
        "trading/order.html",
        transfers=transfers,
        needs_account=role == Actor.BUYER
        and any(refund.transfer_status == RefundTransferStatus.TO_SEND for refund in transfers)
        and payees.active(session, order.buyer_organisation_id) is None,
        order=order,
        role=role,
        actions=allowed_actions(order.status, role),
        entitlement=entitlement,
        links=links,
        api_files=api_files,
        fingerprint=fingerprint,
        terms=licence.describe(
            order.terms,
            _,
            territory,
            word_list,
            home=order.provider.jurisdiction,
            territories=territories,
        ),
        window=settlement.window_left(order, utcnow()),
        acceptance_days=trading_settings().acceptance_days,
        bank_account=trading_settings().bank_account,
        escrow=books.escrow_held(session, order),
        split=settlement.price_split(order),
        refundable=refunds.refundable(session, order),
        labels=_labels(),
        errors=errors or {},
        form=request.form if errors else {},
    ), status


@blp.route(
    "/orders/<int:order_id>/<any(cancel, accept, deliver, dispute):action>", methods=["POST"]
)
@login_required
def order_action(order_id: int, action: str):
    """Cancel (buyer, unpaid), accept or dispute (buyer), mark delivered (provider)."""
    session = db_session()
    mine = acting_for()
    order = _order(order_id)
    order = orders.lock(session, order.id)
    now, user = utcnow(), current_user()
    try:
        if action == "deliver":
            orders.require_provider(order, mine)
            data, errors = parse_form(schemas.DeliverySchema())
            if errors:
                return _order_page(order_id, 422, errors)
            delivery.deliver(
                session, order, trading_settings(), now, Actor.PROVIDER, user, note=data["note"]
            )
            flash(_("Marked as delivered. The buyer's acceptance window is open."))
        else:
            orders.require_buyer(order, mine)
            if action == "cancel":
                orders.cancel(session, order, user, now)
                flash(_("Order cancelled."))
            elif action == "accept":
                settlement.accept_by_buyer(session, order, user, now)
                flash(_("Accepted. The provider will be paid."))
            else:
                data, errors = parse_form(schemas.DisputeReasonSchema())
                if errors:
                    return _order_page(order_id, 422, errors)
                refunds.open_dispute(session, order, data["reason"], now, user)
                flash(_("Dispute opened. Exchange staff will review it."))
    except DomainError as error:
        if action == "dispute":
            return _order_page(order_id, error.status, _refused(error, ("reason",)))
        flash(_(error.message))
    return _back(order_id)


@blp.route("/deliveries/<int:entitlement_id>/<int:file_id>")
@login_required
def download(entitlement_id: int, file_id: int):
    """Download a delivered file with a signed link (counted and logged)."""
    query = schemas.DownloadQuerySchema().load(
        {"expires": request.args.get("expires"), "signature": request.args.get("signature")}
    )
    asset_file = delivery.open_download(
        db_session(),
        trading_settings(),
        entitlement_id,
        file_id,
        query["expires"],
        query["signature"],
        acting_for(),
        utcnow(),
        user_id=current_user().id,
        remote_addr=request.remote_addr,
        resuming=handover.resuming(),
    )
    ttl = trading_settings().download_link_ttl
    return handover.file_response(current_app.extensions["files"], asset_file, ttl)


@blp.route("/orders/<int:order_id>/manifest")
@login_required
def order_manifest(order_id: int):
    """The delivered files as a JSON file a buyer keeps to verify them: names, sizes, SHA-256,
    signed links (this site's, valid for a few minutes) and the Merkle root."""
    session, now = db_session(), utcnow()
    order = _order(order_id)
    orders.require_buyer(order, acting_for())
    entitlement = order.entitlement
    if entitlement is None or entitlement.delivery_method != "download":
        raise NotFound(N_("This order delivers no files."))
    delivery.check_usable(entitlement, now)
    links = delivery.download_links(
        session,
        trading_settings(),
        entitlement,
        now,
        functools.partial(url_for, "trading.download", _external=True),
    )
    response = jsonify(
        schemas.ManifestSchema().dump(delivery.manifest(session, entitlement, links))
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="manifest-{order.reference or order.id}.json"'
    )
    return response


PENDING_TRANSFER = (RefundTransferStatus.TO_SEND, RefundTransferStatus.SENT)


@blp.route("/orders/<int:order_id>/receipt")
@login_required
def receipt(order_id: int):
    """A printable receipt for the buyer."""
    order = _order(order_id)
    orders.require_buyer(order, acting_for())
    if order.paid_at is None:
        raise NotFound(N_("This order has not been paid."))
    return render_template(
        "trading/receipt.html",
        order=order,
        escrow=books.escrow_held(db_session(), order),
        split=settlement.price_split(order),
        labels=_labels(),
    )


@blp.route("/provider/statement")
@login_required
def statement():
    """A printable statement for a provider: settled sales, refunds and payouts."""
    session = db_session()
    mine = acting_for()
    organisation_id = request.args.get("organisation_id", type=int_id) or (
        mine[0] if mine else None
    )
    if organisation_id not in mine:
        raise PermissionDenied(N_("You are not a member of this organisation."))
    sold = session.scalars(
        orders.sales(organisation_id).where(
            Order.status.in_([OrderStatus.SETTLED, OrderStatus.REFUNDED])
        )
    ).all()
    paid_out = session.scalars(payouts.payouts_of(organisation_id)).all()
    return render_template(
        "trading/statement.html",
        organisation=session.get(Organisation, organisation_id),
        sold=sold,
        payouts=paid_out,
        earnings=earnings.earnings(session, organisation_id, home_currency()),
        **_payee(session, organisation_id),
        now=utcnow(),
        labels=_labels(),
    )


def _payee(session, organisation_id: int) -> dict:
    """The provider's confirmed payee account, and whether one waits for confirmation."""
    pending = payees.listing(PayeeStatus.PENDING).where(
        PayeeAccount.organisation_id == organisation_id
    )
    return {
        "payee": payees.active(session, organisation_id),
        "payee_pending": session.scalars(pending.limit(1)).first() is not None,
    }


@blp.route("/provider/dashboard")
@login_required
def dashboard():
    """A provider's sales by month and payouts, as charts over the last twelve months."""
    session = db_session()
    mine = acting_for()
    organisation_id = request.args.get("organisation_id", type=int) or (mine[0] if mine else None)
    if organisation_id not in mine:
        raise PermissionDenied(N_("You are not a member of this organisation."))
    months = charts.months_back(utcnow())
    kept = earnings.earnings(session, organisation_id, home_currency())

    def chart(rows, title: str, currency: str):
        # Several currencies give several charts: each names its own.
        title = f"{title} ({currency_name(currency)})" if len(kept) > 1 else title
        return charts.bar_chart(
            charts.by_month(rows, months), title, lambda minor: whole_money(minor, currency)
        )

    return render_template(
        "trading/dashboard.html",
        organisation=session.get(Organisation, organisation_id),
        earnings=kept,
        **_payee(session, organisation_id),
        charts=[
            (
                row,
                chart(row.sales, _("Settled sales by month"), row.currency),
                chart(row.payouts, _("Payouts by month"), row.currency),
            )
            for row in kept
        ],
    )


# --- Finance and review -----------------------------------------------------------------------


@blp.route("/finance/trading")
@staff_required(StaffRole.FINANCE)
def finance_queues():
    """The bank-receipt and held-payment queues moved into the finance console."""
    return redirect(url_for("finance_console.receipts_page"), 301)


@blp.route("/finance/trading/orders/<int:order_id>/refund", methods=["POST"])
@staff_required(StaffRole.FINANCE)
def finance_refund(order_id: int):
    """Refund part or all of an order."""
    data, errors = parse_form(schemas.RefundFormSchema(_order(order_id).currency))
    if errors:
        return _order_page(order_id, 422, errors)
    user_id = current_user().id
    try:
        refund = flows.refund(
            db_session(), collaborators(), order_id, data["amount_minor"], data["reason"], user_id
        )
    except DomainError as error:
        return _order_page(order_id, error.status, _refused(error, ("amount", "reason")))
    flash(_("Refund: %(status)s.", status=label(refund.status)))
    return _back(order_id)


@blp.route("/review/disputes")
@staff_required(StaffRole.REVIEWER)
def dispute_queue():
    """Reviewers: open disputes to decide."""
    return _disputes_page()


def _disputes_page(status: int = 200, errors=None, failed: int | None = None):
    """Open disputes; after a refused decision, that order's form shows the messages and what
    was typed."""
    rows = db_session().scalars(refunds.disputes_queue()).all()
    page = render_template(
        "trading/disputes.html", disputes=rows, labels=_labels(), errors=errors or {},
        form=request.form if errors else {}, failed=failed,
    )  # fmt: skip
    return page, status


@blp.route("/review/disputes/<int:order_id>", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def decide_dispute(order_id: int):
    """Decide a dispute: release, partial refund or full refund."""
    data, errors = parse_form(schemas.DisputeDecisionFormSchema(_order(order_id).currency))
    if errors:
        return _disputes_page(422, errors, order_id)
    try:
        flows.decide_dispute(db_session(), collaborators(), order_id, current_user().id, data)
    except DomainError as error:
        shown = ("decision", "refund", "note")
        return _disputes_page(error.status, _refused(error, shown), order_id)
    flash(_("Dispute decided."))
    return redirect(url_for("trading.dispute_queue"))


RECEIPT_FIELDS = ("reference", "currency", "amount", "bank_transaction_id", "payer_name")


def _refused(error: DomainError, shown: tuple[str, ...]) -> dict:
    """A service's refusal as form errors: under the field it names when the form shows that
    field (``amount_minor`` is typed as ``amount``), else above the form."""
    field = {"amount_minor": "amount", "refund_minor": "refund"}.get(error.field, error.field)
    return {field if field in shown else "form": [_(error.message)]}


@blp.app_template_filter("masked_account")
def masked_account(number: str) -> str:
    """An account number with all but its last four characters hidden."""
    return payees.masked(number)


@blp.app_template_filter("order_title")
def order_title(order: Order) -> str:
    """The ordered listing's title in the reader's language."""
    return order.title(get_locale().language)
