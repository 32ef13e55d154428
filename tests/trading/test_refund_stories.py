"""Hypothesis drives orders through random stories of payment, cancellation, partial and full
refunds (before and after settlement) and acceptance: every answer is the one the rules call
for, no refund ever exceeds what was paid, escrow always holds exactly what is still owed, and
the books verify after every story (the trading conftest checks again after the test)."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger.verify import verify
from market import worker
from market.trading import books
from tests.listings.factories import PRICE
from tests.trading.helpers import balance, pay_by_bank, pay_by_card, place

# Orders whose escrow is empty whatever was paid: never paid, or finished.
EMPTY_ESCROW = {"awaiting_payment", "cancelled", "refunded", "settled"}


def _machine(exchange, listing):
    app = exchange.app

    def api(method, path, headers, **kwargs):
        response = exchange.api(method, path, headers, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response

    class RefundStories(RuleBasedStateMachine):
        """Each order's model: what was paid and refunded, as the rules say it must be."""

        orders = Bundle("orders")

        @initialize()
        def start(self):
            self.model: dict[int, dict] = {}

        @rule(target=orders)
        def place_order(self):
            order = place(exchange, listing)
            self.model[order["id"]] = {"order": order, "paid": 0, "refunded": 0}
            return order["id"]

        def _state(self, order_id: int) -> dict:
            return api("GET", f"/orders/{order_id}", exchange.buyer_api).get_json()

        @rule(order_id=orders, by_card=st.booleans())
        def pay(self, order_id, by_card):
            model = self.model[order_id]
            if model["paid"] or self._state(order_id)["status"] != "awaiting_payment":
                return
            if by_card:
                pay_by_card(exchange, order_id)
            else:
                assert pay_by_bank(exchange, model["order"]).status_code == 201
            model["paid"] = PRICE

        @rule(order_id=orders)
        def cancel(self, order_id):
            before = self._state(order_id)["status"]
            response = api("POST", f"/orders/{order_id}/cancel", exchange.buyer_api)
            if before == "awaiting_payment":
                assert response.status_code == 200, response.get_json()
            else:
                assert response.status_code == 409, response.get_json()

        @rule(order_id=orders, share=st.sampled_from([1, 3, 10, 2, 1_000]), whole=st.booleans())
        def refund(self, order_id, share, whole):
            model = self.model[order_id]
            owed = model["paid"] - model["refunded"]
            amount = owed if whole and owed else max(1, PRICE // share)
            status = self._state(order_id)["status"]
            response = api(
                "POST",
                f"/orders/{order_id}/refunds",
                exchange.finance_api,
                json={"amount_minor": amount, "reason": "测试退款"},
                extra_headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            if response.status_code == 201:
                assert amount <= owed, "refunded more than was paid"
                model["refunded"] += amount
            allowed = model["paid"] and status not in ("refunded", "cancelled")
            if allowed and amount <= owed and response.status_code != 201:
                raise AssertionError(f"refund refused in {status}: {response.get_json()}")
            if amount > owed or not allowed:
                assert response.status_code in (409, 422), response.get_json()

        @rule(order_id=orders)
        def accept_and_settle(self, order_id):
            status = self._state(order_id)["status"]
            response = api("POST", f"/orders/{order_id}/accept", exchange.buyer_api)
            if status == "delivered":
                assert response.status_code == 200, response.get_json()
            else:
                assert response.status_code == 409, response.get_json()
            while worker.run_once(app):
                pass

        @precondition(lambda self: self.model)
        @invariant()
        def money_is_where_it_should_be(self):
            for order_id, model in self.model.items():
                state = self._state(order_id)
                assert state["refunded_minor"] == model["refunded"]
                escrow = balance(app, f"liabilities:escrow:order:{order_id}")
                owed = model["paid"] - model["refunded"]
                expected = 0 if state["status"] in EMPTY_ESCROW else owed
                assert escrow == expected, (state["status"], escrow, expected)
                if model["paid"] and model["refunded"] == model["paid"]:
                    assert state["status"] == "refunded"

        def teardown(self):
            with app.extensions["db"].unit_of_work() as session:
                report = verify(session, settled_escrows=books.settled_escrow_accounts(session))
            assert report.ok, report.format()

    return RefundStories


def test_random_refund_and_cancellation_stories_lose_no_money(exchange, listing):
    run_state_machine_as_test(
        _machine(exchange, listing),
        settings=settings(
            max_examples=10,
            stateful_step_count=16,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
