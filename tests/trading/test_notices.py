"""Both sides of an order are told what happens to it, in the app and by mail in the reader's
language: a sale and its payment, a dispute opened and decided, a refund."""

from datetime import UTC
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.numbers import format_currency

from market.listings.models import Notification
from market.trading.models import Order
from tests import factories
from tests.trading.helpers import pay_by_bank, pay_by_card, place, scalars
from tests.web import WebClient, page_text


def _kinds(app, organisation_id: int) -> list[str]:
    """What the organisation was told about orders (its claim and listing news left aside)."""
    kinds = scalars(
        app,
        sa.select(Notification.kind)
        .where(Notification.organisation_id == organisation_id)
        .order_by(Notification.id),
    )
    return [kind for kind in kinds if kind.startswith(("order.", "dispute."))]


def _mails(app, to: str) -> list:
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return [message for message in messages if message["To"].lower() == to.lower()]


def test_a_sale_its_payment_a_dispute_and_its_refund_are_told_to_both_sides(
    exchange, listing, drain, db
):
    exchange.buyer_user.locale = "en"
    db.commit()
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    disputed = exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": "数据缺失"}
    )
    assert disputed.status_code == 201
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "partial_refund", "refund_minor": 120_000, "note": "已核实"},
    )
    assert decided.status_code == 200, decided.get_json()
    drain()
    provider, buyer = exchange.provider.id, exchange.buyer.id
    assert _kinds(exchange.app, provider) == [
        "order.placed", "order.paid", "dispute.opened", "dispute.decided",
        "order.refunded",
    ]  # fmt: skip
    assert _kinds(exchange.app, buyer) == [
        "order.paid", "order.delivered", "dispute.opened", "dispute.decided", "order.refunded",
    ]  # fmt: skip
    to_provider = [m["Subject"] for m in _mails(exchange.app, exchange.provider_user.email)]
    assert any(s.startswith(f"新订单 {order['reference']}") for s in to_provider)
    assert any("争议已裁决：退款 ¥1,200.00" in s for s in to_provider)
    to_buyer = [m["Subject"] for m in _mails(exchange.app, exchange.buyer_user.email)]
    assert any(s.startswith("Payment of CN¥4,800.00 for order") for s in to_buyer)
    assert any("CN¥1,200.00 of order" in s for s in to_buyer)


def test_a_file_order_paid_tells_the_buyer_it_is_delivered_and_until_when_to_accept(
    exchange, listing, drain
):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    drain()
    due = scalars(exchange.app, sa.select(Order.acceptance_due_at))[0]
    due_china = due.replace(tzinfo=due.tzinfo or UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    told = {
        row.organisation_id: row.subject
        for row in scalars(
            exchange.app, sa.select(Notification).where(Notification.kind.like("order.%"))
        )
        if row.kind in ("order.paid", "order.delivered")
        and (row.kind == "order.delivered" or row.organisation_id == exchange.provider.id)
    }
    # The files were delivered by the exchange on payment: the provider has nothing to deliver.
    provider = told[exchange.provider.id]
    assert "请交付" not in provider["zh"] and "已由交易所交付" in provider["zh"]
    assert "please deliver" not in provider["en"]
    buyer = told[exchange.buyer.id]
    assert due_china.strftime("%Y-%m-%d %H:%M") in buyer["zh"] and "验收" in buyer["zh"]
    assert "accept" in buyer["en"]


def test_a_short_bank_payment_is_told_to_the_buyer_and_shown_on_its_order(exchange, listing, drain):
    order = place(exchange, listing)
    held = pay_by_bank(exchange, order, amount=400_000)
    assert held.status_code in (200, 201), held.get_json()
    drain()
    told = [
        row.subject
        for row in scalars(
            exchange.app,
            sa.select(Notification).where(
                Notification.organisation_id == exchange.buyer.id,
                Notification.kind == "order.payment_held",
            ),
        )
    ]
    assert len(told) == 1
    assert "¥4,000.00" in told[0]["zh"] and "¥4,800.00" in told[0]["zh"] and "退回" in told[0]["zh"]
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/orders/{order['id']}").text
    assert 'data-testid="held-payment"' in html and "¥4,000.00" in page_text(html)


def test_a_reviewers_note_reaches_a_traditional_reader_as_typed_and_on_its_lines(
    exchange, listing, drain, db
):
    # The reviewer types Simplified; the Hong Kong provider reads Traditional. The exchange's
    # words are converted, the reviewer's are quoted and left alone, line breaks and all.
    exchange.provider_user.locale = "zh_Hant"
    db.commit()
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api,
        json={"reason": "数据缺失\n字段为空"},
    )  # fmt: skip
    decided = exchange.api(
        "POST", f"/orders/{order['id']}/dispute-decision", exchange.review_api,
        json={"decision": "release", "note": "已核实数据"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.get_json()
    drain()
    mails = _mails(exchange.app, exchange.provider_user.email)
    decision = next(m for m in mails if "爭議已裁決" in m["Subject"])
    body = decision.get_content()
    assert "審核員附言：「已核实数据」" in body
    assert "「数据缺失\n字段为空」" in next(
        m.get_content() for m in mails if "有爭議" in m["Subject"]
    )
    web = WebClient(exchange.app)
    web.log_in(exchange.provider_user.email, factories.PASSWORD)
    page = web.get("/notifications").get_data(as_text=True)
    assert '<li class="lines">' in page


def test_a_traditional_reader_is_told_amounts_in_yuan_as_the_traditional_pages_write_them(
    exchange, listing, drain, db
):
    # Simplified writes yuan ¥; Traditional writes CN¥ (¥ alone is the yen there).
    exchange.buyer_user.locale = "zh_Hant"
    db.commit()
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    drain()
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    traditional = {"Accept-Language": "zh-HK"}
    page = page_text(web.get(f"/orders/{order['id']}", headers=traditional).text)
    amount = format_currency(order["price_minor"] / 100, "CNY", locale="zh_Hant")
    assert amount in page
    (paid,) = [m for m in _mails(exchange.app, exchange.buyer_user.email) if "付款" in m["Subject"]]
    chinese = paid.get_content().splitlines()[0]  # the English line below writes CN¥ too
    assert amount in chinese and amount in paid["Subject"]
    notices = page_text(web.get("/notifications", headers=traditional).text)
    assert amount in notices
