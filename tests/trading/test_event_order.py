"""Stripe does not promise order: every pair of trading events, delivered in both orders.

Stripe redelivers any event answered non-2xx; :func:`deliver` does the same, so an event that
arrives before its predecessor must be answered non-2xx (and leave nothing behind) or be
applied correctly. Afterwards the order ends where the in-order story leaves it, and the ledger
verifies (the trading conftest checks it after every test). Hypothesis then draws whole
schedules — any order, any duplicates — for the chargeback stories.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.verify import verify
from market.payments.gateway import StripeGateway
from market.trading import books
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, pay_by_card, place, signed_webhook
from tests.trading.test_refunds import _order, _refund
from tests.trading.test_rules import _intent_object
from tests.trading.test_stripe_outcomes import _unreachable_port


def deliver(app, events: list[tuple[str, dict, str]], rounds: int = 6) -> list[str]:
    """Deliver ``(type, object, event id)`` in order, redelivering refused ones as Stripe does.

    Returns the outcomes of the accepted deliveries; fails if any event is still refused after
    ``rounds`` passes, or is answered with a server error.
    """
    outcomes, waiting = [], list(events)
    for _ in range(rounds):
        refused = []
        for kind, stripe_object, event_id in waiting:
            response = signed_webhook(app, kind, stripe_object, event_id)
            assert response.status_code < 500, response.get_data(as_text=True)
            if response.status_code >= 300:
                refused.append((kind, stripe_object, event_id))
            else:
                outcomes.append(response.get_json().get("outcome", "duplicate"))
        if not refused:
            return outcomes
        waiting = refused
    raise AssertionError(f"still refused after {rounds} deliveries: {waiting}")


def _chargeback_story(exchange, listing, closing: str):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    dispute = {"id": f"dp_{order['id']}", "object": "dispute", "payment_intent": intent["id"],
               "amount": PRICE, "reason": "fraudulent", "status": "needs_response", "metadata": {}}  # fmt: skip
    story = {
        "failed": (
            "payment_intent.payment_failed",
            {**intent, "status": "requires_payment_method"},
        ),
        "succeeded": ("payment_intent.succeeded", intent),
        "dispute_created": ("charge.dispute.created", dispute),
        "dispute_closed": ("charge.dispute.closed", {**dispute, "status": closing}),
    }
    return order, story


def _canceled_story(exchange, listing):
    order = place(exchange, listing)
    started = exchange.api("POST", f"/orders/{order['id']}/payments/stripe", exchange.buyer_api)
    gateway = exchange.app.extensions["payments"]
    intent = gateway.client.v1.payment_intents.retrieve(
        started.get_json()["payment_intent_id"]
    ).to_dict()
    story = {
        "failed": (
            "payment_intent.payment_failed",
            {**intent, "status": "requires_payment_method"},
        ),
        "canceled": ("payment_intent.canceled", {**intent, "status": "canceled"}),
    }
    return order, story


def _refund_story(exchange, listing):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    working = exchange.app.extensions["payments"]
    # Stripe cannot be reached when finance refunds: the refund stays pending until its events.
    exchange.app.extensions["payments"] = StripeGateway(
        "sk_test_x", api_base=f"http://127.0.0.1:{_unreachable_port()}"
    )
    refund = _refund(exchange, order["id"], 50_000).get_json()
    exchange.app.extensions["payments"] = working
    stripe_refund = {"id": f"re_{refund['id']}", "object": "refund", "amount": 50_000,
                     "currency": "cny",
                     "metadata": {"shujiao": "shujiao-test", "refund_id": str(refund["id"])}}  # fmt: skip
    story = {
        "refund_created": ("refund.created", {**stripe_refund, "status": "pending"}),
        "refund_updated": ("refund.updated", {**stripe_refund, "status": "succeeded"}),
    }
    return order, story


STORIES = {
    # story: (builder, the order's status once every event has arrived, escrow left)
    "chargeback lost": (lambda ex, li: _chargeback_story(ex, li, "lost"), "refunded", 0),
    "chargeback won": (lambda ex, li: _chargeback_story(ex, li, "won"), "accepted", PRICE),
    "payment canceled": (_canceled_story, "awaiting_payment", 0),
    "refund": (_refund_story, "delivered", PRICE - 50_000),
}

EVENTS = {
    "chargeback lost": ["failed", "succeeded", "dispute_created", "dispute_closed"],
    "chargeback won": ["failed", "succeeded", "dispute_created", "dispute_closed"],
    "payment canceled": ["failed", "canceled"],
    "refund": ["refund_created", "refund_updated"],
}

CASES = [
    pytest.param(name, first, second, id=f"{name}: {first} then {second}")
    for name, events in EVENTS.items()
    for first, second in itertools.permutations(events, 2)
]


@pytest.mark.parametrize(("story_name", "first", "second"), CASES)
def test_every_pair_of_events_in_either_order_ends_in_the_same_place(
    exchange, listing, story_name, first, second
):
    build, final_status, escrow_left = STORIES[story_name]
    order, story = build(exchange, listing)
    rest = [name for name in EVENTS[story_name] if name not in (first, second)]
    sequence = [first, second, *rest]
    events = [(*story[name], f"evt_{uuid.uuid4().hex[:12]}") for name in sequence]
    deliver(exchange.app, events)
    # Stripe may deliver any of them again later: nothing moves.
    deliver(exchange.app, [(kind, obj, f"evt_{uuid.uuid4().hex[:12]}") for kind, obj, _ in events])
    state = _order(exchange, order["id"])
    assert state["status"] == final_status
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == escrow_left


@st.composite
def deliveries(draw, names: list[str]):
    """A delivery schedule: every event at least once, some again, in any order."""
    again = draw(st.lists(st.sampled_from(names), max_size=len(names)))
    return draw(st.permutations([*names, *again]))


@pytest.mark.parametrize("story_name", ["chargeback lost", "chargeback won"])
def test_any_order_and_any_duplicates_end_in_the_same_place(exchange, listing, story_name):
    build, final_status, escrow_left = STORIES[story_name]

    @settings(
        max_examples=8,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(schedule=deliveries(EVENTS[story_name]))
    def run(schedule):
        order, story = build(exchange, listing)
        ids = {name: f"evt_{uuid.uuid4().hex[:12]}" for name in story}
        # A duplicate is the same event delivered again (same id), as Stripe retries.
        deliver(exchange.app, [(*story[name], ids[name]) for name in schedule])
        assert _order(exchange, order["id"])["status"] == final_status
        assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == escrow_left

    run()
    with exchange.app.extensions["db"].unit_of_work() as session:
        report = verify(session, settled_escrows=books.settled_escrow_accounts(session))
    assert report.ok, report.format()
