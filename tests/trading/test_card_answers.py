"""The checkout page's script confirms a card at ``/orders/<id>/checkout/card`` and reads every
answer: each is JSON in the page's language, whatever is wrong with the request or address."""

import pytest

from tests import factories
from tests.trading.helpers import place
from tests.web import WebClient

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def post(exchange, listing):
    order = place(exchange, listing)
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    token = web.csrf_token(f"/orders/{order['id']}/checkout")

    def post(path=None, headers=EN, **body):
        path = path or f"/orders/{order['id']}/checkout/card"
        return web.raw.post(path, headers={"X-CSRFToken": token} | headers, **body)

    return post


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"json": {"payment_method": "pm_\x01card"}}, 422),
        ({"data": "not json", "content_type": "application/json"}, 400),
        ({"data": "payment_method=pm_x", "content_type": "text/plain"}, 400),
        ({"json": []}, 422),
    ],
    ids=["control-character", "broken-json", "not-json", "a-list"],
)
def test_a_refused_body_is_answered_in_json(post, body, status):
    for headers in (EN, ZH):
        answer = post(headers=headers, **body)
        assert answer.status_code // 100 == 4, answer.get_data(as_text=True)
        assert answer.is_json, answer.get_data(as_text=True)[:300]
        assert answer.get_json()["message"] != "The payment failed."
    assert not answer.get_json()["message"].isascii()  # the page's language, Chinese here


@pytest.mark.parametrize("order_id", ["-1", "0", "2147483648", "99999999"])
def test_an_address_naming_no_order_is_answered_in_json(post, order_id):
    answer = post(f"/orders/{order_id}/checkout/card", json={"payment_method": "pm_cardvisa"})
    assert answer.status_code == 404, answer.get_data(as_text=True)[:300]
    assert answer.is_json


def test_a_malformed_payment_method_is_refused_not_failed(post):
    answer = post(json={"payment_method": "nope"})
    assert answer.status_code == 422
    assert answer.get_json()["message"] == "The card details were refused."
    assert list(answer.get_json()["errors"]) == ["payment_method"]
