"""The right action by the wrong kind of actor is a 403 naming the action refused."""

from tests.trading.helpers import order_body


def test_a_provider_buying_its_own_listing_is_refused_the_action(exchange, listing):
    response = exchange.api(
        "POST",
        "/orders",
        exchange.provider_api,
        json=order_body(listing),
        extra_headers={"Idempotency-Key": "own-listing"},
    )
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["errors"] == {"action": ["buy"]}
