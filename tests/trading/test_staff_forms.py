"""Staff's trading forms (a refund, a dispute decision) refused: the page comes back with the
field's message in the page's language and what was typed, and nothing moves."""

from tests import factories
from tests.trading.helpers import pay_by_bank, place
from tests.web import WebClient


def _web(app, user):
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


def test_a_refund_over_what_is_refundable_keeps_the_reason(exchange, listing):
    order = place(exchange, listing)  # ¥4,800.00
    pay_by_bank(exchange, order)
    before = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    finance = _web(exchange.app, exchange.finance_user)
    page = f"/orders/{order['id']}"
    refused = finance.submit(
        f"/finance/trading/orders/{order['id']}/refund",
        {"amount": "48,000", "reason": "重复付款"}, page=page,
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code in (409, 422), html
    assert 'value="重复付款"' in html and 'value="48,000"' in html
    assert 'data-testid="form-error"' in html or 'id="amount-error"' in html
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] == before["status"] and final.get("refunds") == before.get("refunds")


def test_a_partial_refund_decision_without_an_amount_names_the_field(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    buyer = _web(exchange.app, exchange.buyer_user)
    buyer.submit(
        f"/orders/{order['id']}/dispute", {"reason": "文件损坏"}, page=f"/orders/{order['id']}"
    )
    reviewer = _web(exchange.app, exchange.staff)
    refused = reviewer.submit(
        f"/review/disputes/{order['id']}",
        {"decision": "partial_refund", "refund": "12.345", "note": "退一部分"},
        page="/review/disputes",
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "该币种最多允许 2 位小数" in html and 'value="12.345"' in html
    assert 'value="partial_refund" selected' in html and 'value="退一部分"' in html
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] == "disputed"
