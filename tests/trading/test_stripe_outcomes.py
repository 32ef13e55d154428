"""Stripe outcomes that arrive late, out of order or not at all, and chargebacks."""

import socket

import pytest

from market.payments.gateway import GatewayError, StripeGateway
from market.trading import flows
from tests import factories
from tests.listings.factories import PRICE
from tests.trading.helpers import (
    CARD,
    balance,
    card_payment_method,
    pay_by_card,
    place,
    signed_webhook,
)
from tests.trading.test_refunds import _order, _refund
from tests.trading.test_rules import _intent_object
from tests.web import WebClient


def _unreachable_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


def test_a_late_failed_attempt_does_not_hide_a_later_success(exchange, listing):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    # The second card succeeded; the first card's failure is delivered afterwards.
    failed = signed_webhook(exchange.app, "payment_intent.payment_failed", intent, "evt_f")
    assert failed.get_json()["outcome"].startswith("attempt failed")
    paid = signed_webhook(exchange.app, "payment_intent.succeeded", intent, "evt_s")
    assert paid.get_json()["outcome"] == "order paid"
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE


def test_a_refund_whose_outcome_is_unknown_stays_pending_and_is_retried(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    working = exchange.app.extensions["payments"]
    # The network to Stripe is down: a real connection error, not a refusal.
    exchange.app.extensions["payments"] = StripeGateway(
        "sk_test_x", api_base=f"http://127.0.0.1:{_unreachable_port()}"
    )
    refund = _refund(exchange, order["id"], 50_000)
    assert refund.get_json()["status"] == "pending"
    # The money stays reserved: it can neither settle nor be refunded twice meanwhile.
    escrow = f"liabilities:escrow:order:{order['id']}"
    assert balance(exchange.app, escrow) == PRICE
    exchange.app.extensions["payments"] = working
    with exchange.app.app_context(), exchange.app.extensions["db"].unit_of_work() as session:
        finished = flows.retry_pending_refunds(session, flows.collaborators(exchange.app))
    assert finished == [refund.get_json()["id"]]
    assert balance(exchange.app, escrow) == PRICE - 50_000


def _chargeback(exchange, listing, status="needs_response"):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    signed_webhook(exchange.app, "payment_intent.succeeded", intent)
    dispute = {"id": f"dp_{order['id']}", "object": "dispute", "payment_intent": intent["id"],
               "amount": PRICE, "reason": "fraudulent", "status": status, "metadata": {}}  # fmt: skip
    signed_webhook(exchange.app, "charge.dispute.created", dispute)
    return order, dispute


def test_reviewers_cannot_release_a_chargeback_stripe_has_not_decided(exchange, listing):
    order, _dispute = _chargeback(exchange, listing)
    decision = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "release", "note": "looks fine"},
    )
    assert decision.status_code == 409
    assert _order(exchange, order["id"])["status"] == "disputed"


def test_a_closed_inquiry_releases_the_money(exchange, listing, drain):
    order, dispute = _chargeback(exchange, listing, status="warning_needs_response")
    closed = signed_webhook(
        exchange.app, "charge.dispute.closed", {**dispute, "status": "warning_closed"}
    )
    assert closed.get_json()["outcome"] == "released"
    drain()
    assert _order(exchange, order["id"])["status"] == "settled"


def test_a_chargeback_lost_after_settlement_is_clawed_back(exchange, listing, drain):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    signed_webhook(exchange.app, "payment_intent.succeeded", intent)
    assert (
        exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api).status_code == 200
    )
    drain()
    assert _order(exchange, order["id"])["status"] == "settled"
    dispute = {"id": "dp_late", "object": "dispute", "payment_intent": intent["id"],
               "amount": PRICE, "reason": "fraudulent", "status": "needs_response", "metadata": {}}  # fmt: skip
    created = signed_webhook(exchange.app, "charge.dispute.created", dispute)
    assert created.get_json()["outcome"] == "recorded: order already settled"
    closed = signed_webhook(exchange.app, "charge.dispute.closed", {**dispute, "status": "lost"})
    assert closed.get_json()["outcome"] == "clawed back from the provider"
    # Stripe took the money back from our balance: the clearing account shows it.
    assert balance(exchange.app, "assets:stripe_clearing") == 0
    assert _order(exchange, order["id"])["status"] == "refunded"


def test_a_pending_refund_is_settled_by_stripes_webhook(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    before = _order(exchange, order["id"])["status"]
    working = exchange.app.extensions["payments"]
    exchange.app.extensions["payments"] = StripeGateway(
        "sk_test_x", api_base=f"http://127.0.0.1:{_unreachable_port()}"
    )
    refund = _refund(exchange, order["id"], 50_000).get_json()
    exchange.app.extensions["payments"] = working
    stripe_refund = {"id": "re_late", "object": "refund", "amount": 50_000, "currency": "cny",
                     "metadata": {"shujiao": "shujiao-test", "refund_id": str(refund["id"])}}  # fmt: skip
    failed = signed_webhook(exchange.app, "refund.updated", {**stripe_refund, "status": "failed"})
    assert failed.get_json()["outcome"] == "refund failed"
    escrow = f"liabilities:escrow:order:{order['id']}"
    assert balance(exchange.app, escrow) == PRICE
    assert _order(exchange, order["id"])["status"] == before


def test_a_chargeback_on_a_duplicate_payment_leaves_the_order_alone(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    status = _order(exchange, order["id"])["status"]
    gateway = exchange.app.extensions["payments"]
    metadata = {"shujiao": "shujiao-test", "order_id": str(order["id"])}
    duplicate = gateway.create_intent(PRICE, "CNY", metadata, f"dup-{order['id']}", ["card"])
    gateway.confirm_intent(duplicate.id, card_payment_method(exchange.app))
    raw = gateway.client.v1.payment_intents.retrieve(duplicate.id).to_dict()
    held = signed_webhook(exchange.app, "payment_intent.succeeded", raw)
    assert held.get_json()["outcome"] == "held for finance"
    assert balance(exchange.app, "liabilities:unapplied_receipts") == PRICE
    dispute = {"id": "dp_dup", "object": "dispute", "payment_intent": duplicate.id,
               "amount": PRICE, "reason": "duplicate", "status": "needs_response", "metadata": {}}  # fmt: skip
    created = signed_webhook(exchange.app, "charge.dispute.created", dispute)
    assert created.get_json()["outcome"].startswith("recorded: the disputed payment is a held")
    closed = signed_webhook(exchange.app, "charge.dispute.closed", {**dispute, "status": "lost"})
    assert closed.get_json()["outcome"] == "held receipt taken back by the chargeback"
    assert balance(exchange.app, "liabilities:unapplied_receipts") == 0
    assert _order(exchange, order["id"])["status"] == status
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE


DECLINED_CARD = "4000000000000341"  # attaches, then its charge is declined (card_declined)


def _card_on_the_page(exchange, web, order_id: int, number: str):
    return web.raw.post(
        f"/orders/{order_id}/checkout/card",
        json={"payment_method": card_payment_method(exchange.app, number)},
        headers={"X-CSRFToken": web.csrf_token(f"/orders/{order_id}/checkout")},
    )


def test_the_checkout_page_takes_a_good_card_after_a_declined_one(exchange, listing):
    order = place(exchange, listing)
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    declined = _card_on_the_page(exchange, web, order["id"], DECLINED_CARD)
    assert declined.status_code == 409
    assert "card_declined" in str(declined.get_json()), declined.get_json()
    paid = _card_on_the_page(exchange, web, order["id"], CARD)
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "succeeded"
    web.get(paid.get_json()["return_url"])
    shown = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert shown["paid_at"] is not None


def test_the_api_starts_a_fresh_intent_after_a_declined_card(exchange, listing):
    order = place(exchange, listing)
    gateway = exchange.app.extensions["payments"]
    path = f"/orders/{order['id']}/payments/stripe"
    first = exchange.api("POST", path, exchange.buyer_api).get_json()
    with pytest.raises(GatewayError):
        gateway.confirm_intent(
            first["payment_intent_id"], card_payment_method(exchange.app, DECLINED_CARD)
        )
    second = exchange.api("POST", path, exchange.buyer_api)
    assert second.status_code == 201, second.get_json()
    fresh = second.get_json()
    assert fresh["payment_intent_id"] != first["payment_intent_id"]
    assert gateway.retrieve_intent(first["payment_intent_id"]).status == "canceled"
    gateway.confirm_intent(fresh["payment_intent_id"], card_payment_method(exchange.app))
    refreshed = exchange.api("POST", f"{path}/refresh", exchange.buyer_api)
    assert refreshed.get_json()["paid_at"] is not None
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE
