"""A refund of a bank-paid order is owed to the buyer until finance transfers it: the buyer's
pages and notice say so, not "refunded", and ask for the bank account it is to go to."""

import sqlalchemy as sa

from market.listings.models import Notification
from tests import factories
from tests.finance.factories import payee_account
from tests.trading.helpers import pay_by_bank, place, scalars
from tests.web import WebClient, page_text


def _web(app, user):
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


def _refunded_by_reviewer(exchange, listing, drain) -> dict:
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": "数据缺失"}
    )
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "partial_refund", "refund_minor": 90_000, "note": "已核实"},
    )
    assert decided.status_code == 200, decided.get_json()
    drain()
    return order


def test_the_buyer_sees_a_bank_refund_as_to_send_and_is_asked_for_its_account(
    exchange, listing, drain
):
    order = _refunded_by_reviewer(exchange, listing, drain)
    buyer = _web(exchange.app, exchange.buyer_user)
    html = buyer.get(f"/orders/{order['id']}").text
    text = page_text(html)
    assert 'data-testid="refund-to-send"' in html and "待汇出" in text and "¥900.00" in text
    assert 'data-testid="refund-needs-account"' in html and "收款账户" in text
    assert "已退款 ¥900.00" not in text
    listed = buyer.get("/orders").text
    assert 'data-testid="refund-to-send"' in listed and "待汇出" in page_text(listed)
    receipt = page_text(buyer.get(f"/orders/{order['id']}/receipt").text)
    assert "待汇出" in receipt
    told = scalars(
        exchange.app,
        sa.select(Notification.subject).where(
            Notification.organisation_id == exchange.buyer.id,
            Notification.kind == "order.refunded",
        ),
    )
    assert len(told) == 1 and "待交易所汇出" in told[0]["zh"] and "已退款" not in told[0]["zh"]
    assert "bank account" in told[0]["en"]


def test_once_the_buyer_has_an_account_it_is_not_asked_and_sees_the_transfer_move_on(
    exchange, listing, drain, db
):
    payee_account(db, exchange.buyer)
    db.commit()
    order = _refunded_by_reviewer(exchange, listing, drain)
    buyer = _web(exchange.app, exchange.buyer_user)
    html = buyer.get(f"/orders/{order['id']}").text
    assert 'data-testid="refund-to-send"' in html
    assert 'data-testid="refund-needs-account"' not in html
    refund_id = exchange.api("GET", "/finance/refunds-to-send", exchange.finance_api).get_json()[0][
        "id"
    ]
    sent = exchange.api("POST", f"/finance/refunds-to-send/{refund_id}/sent", exchange.finance_api)
    assert sent.status_code == 200, sent.get_json()
    text = page_text(buyer.get(f"/orders/{order['id']}", headers={"Accept-Language": "en"}).text)
    assert "Sent to your bank account" in text
