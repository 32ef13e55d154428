"""The order page says where the money is: in escrow until acceptance, then on its way to the
provider, then nowhere to show; and the buyer is told how to get money back."""

from tests import factories
from tests.listings import factories as listing_factories
from tests.trading.helpers import pay_by_bank, place
from tests.web import WebClient, page_text

EN = {"Accept-Language": "en"}


def _page(exchange, order_id: int) -> str:
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    return web.get(f"/orders/{order_id}", headers=EN).get_data(as_text=True)


def test_accepted_money_is_not_said_to_be_in_escrow(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    paid = _page(exchange, order["id"])
    assert "In escrow" in paid and 'data-testid="refund-route"' in paid
    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.status_code == 200, accepted.get_json()
    page = _page(exchange, order["id"])
    assert "In escrow" not in page and "Being paid to the provider" in page
    drain()
    settled = _page(exchange, order["id"])
    assert 'data-testid="escrow"' not in settled


def _cell(page: str, testid: str) -> str:
    return page_text(page.split(f'data-testid="{testid}">', 1)[1].split("</td>", 1)[0])


def test_once_accepted_the_provider_is_said_to_get_its_share_not_the_escrow(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.status_code == 200, accepted.get_json()
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    receipt = web.get(f"/orders/{order['id']}/receipt", headers=EN).get_data(as_text=True)
    share = _cell(receipt, "split-provider")
    assert share != _cell(receipt, "split-total")
    for page in (_page(exchange, order["id"]), receipt):
        said = _cell(page, "escrow")
        assert said.startswith(f"{share} (") and "less the exchange's fee" in said, said


def test_the_delivered_order_asks_and_heads_in_plain_english(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    page = _page(exchange, order["id"])
    assert "Why are you disputing the delivery?" in page
    assert "<h2>Access to the data</h2>" in page and "<h2>Entitlement</h2>" not in page


def test_the_buy_page_calls_the_usage_scenario_the_intended_use(exchange, listing):
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = web.get(f"/listings/{listing.id}/buy", headers=EN).get_data(as_text=True)
    assert "Intended use (written into the order)" in page


def test_a_paid_order_tells_the_buyer_the_provider_delivers_next(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=5, name_en="5 calls")
    order = place(exchange, listing_of(delivery_method="api", plans=[package]))
    pay_by_bank(exchange, order)
    page = _page(exchange, order["id"])
    said = page_text(page.split('data-testid="awaiting-delivery">', 1)[1].split("</p>", 1)[0])
    days = exchange.app.config["ACCEPTANCE_DAYS"]
    assert "The provider now delivers the data" in said
    assert f"told here and by mail when it is delivered, and then have {days} days" in said


def test_the_receipt_says_where_the_money_is_as_the_order_page_does(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert accepted.status_code == 200, accepted.get_json()
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    for path in (f"/orders/{order['id']}", f"/orders/{order['id']}/receipt"):
        page = web.get(path, headers=EN).get_data(as_text=True)
        assert "Being paid to the provider" in page and "Settled" not in page_text(page), path
    drain()
    receipt = web.get(f"/orders/{order['id']}/receipt", headers=EN).get_data(as_text=True)
    assert 'data-testid="escrow"' not in receipt and "Being paid" not in receipt


def test_the_checkout_is_called_paying_not_settlement_in_chinese(exchange, listing):
    order = place(exchange, listing)
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = web.get(f"/orders/{order['id']}/checkout", headers={"Accept-Language": "zh-CN"}).text
    assert f"<title>付款 · {order['reference']}" in page and "结算" not in page_text(page)


def test_call_counts_are_grouped_and_said_once(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=100000, name_en="100,000 calls")
    # A name holding other digits does not hide the package's calls.
    other = listing_factories.plan(kind="usage_package", calls=100, name_en="Pack 1000")
    listing = listing_of(delivery_method="api", plans=[package, other])
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    buy = web.get(f"/listings/{listing.id}/buy", headers=EN).get_data(as_text=True)
    choice = page_text(buy.split('data-testid="plan-choice">', 1)[1].split("</label>", 1)[0])
    assert choice.count("100,000") == 1, choice
    assert "Pack 1000" in buy and "100 calls" in page_text(buy)
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    delivered = exchange.api("POST", f"/orders/{order['id']}/deliver", exchange.provider_api)
    assert delivered.status_code == 200, delivered.get_json()
    assert "API calls used: 0 of 100,000" in page_text(_page(exchange, order["id"]))
