"""A provider sells in yuan and in Hong Kong dollars: every page that says what it is owed, and
finance's payout queue, shows each currency with its own total, never one summed into another."""

import pytest

from tests import factories
from tests.finance.factories import payee_account
from tests.listings import factories as lf
from tests.trading.helpers import pay_by_bank, place
from tests.web import WebClient, page_text


def _web(app, user):
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


@pytest.fixture
def two_currencies(exchange, listing, listing_of, drain):
    """One settled sale at ¥4,800.00 and one at HK$13,500.00 (5% fee: ¥4,560.00 and
    HK$12,825.00 owed to the provider)."""
    hkd = listing_of(plans=[lf.plan(currency="HKD", price_minor=1_350_000)])
    for item in (listing, hkd):
        order = place(exchange, item)
        assert pay_by_bank(exchange, order).status_code in (200, 201)
        accepted = exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
        assert accepted.status_code == 200, accepted.get_json()
    drain()
    return exchange


def test_the_dashboard_shows_sales_and_what_is_owed_in_each_currency(two_currencies):
    exchange = two_currencies
    html = _web(exchange.app, exchange.provider_user).get("/provider/dashboard").text
    sales = page_text(html[html.index('data-testid="sales-total"') :].split("</div>")[0])
    owed = page_text(html[html.index('data-testid="owed-total"') :].split("</div>")[0])
    assert "¥4,800.00" in sales and "HK$13,500.00" in sales
    assert "¥4,560.00" in owed and "HK$12,825.00" in owed
    # Each currency keeps its own chart: no bar adds Hong Kong dollars to yuan.
    assert html.count('data-testid="sales-chart"') == 2
    assert "¥18,300" not in html and "¥17,385" not in html


def test_the_statement_owes_each_currency_on_its_own_line(two_currencies):
    exchange = two_currencies
    html = _web(exchange.app, exchange.provider_user).get("/provider/statement").text
    owed = page_text(html[html.index('data-testid="owed"') :].split("</ul>")[0])
    assert "¥4,560.00" in owed and "HK$12,825.00" in owed


def test_finance_sees_every_currency_owed_and_can_batch_each(two_currencies, db):
    exchange = two_currencies
    payee_account(db, exchange.provider)
    db.commit()
    finance = _web(exchange.app, exchange.finance_user)
    html = finance.get("/finance/payouts").text
    cny = page_text(html[html.index('data-testid="owed-CNY"') :].split("</form>")[0])
    hkd = page_text(html[html.index('data-testid="owed-HKD"') :].split("</form>")[0])
    assert "¥4,560.00" in cny and "HK$12,825.00" not in cny
    assert "HK$12,825.00" in hkd and "港元" in hkd
    built = finance.submit("/finance/payouts/batches", {"currency": "HKD",
                           "organisation_ids": str(exchange.provider.id)}, page="/finance/payouts")  # fmt: skip
    assert built.status_code == 302
    after = finance.get("/finance/payouts").text
    assert 'data-testid="owed-HKD"' not in after and 'data-testid="owed-CNY"' in after


def test_a_provider_owed_only_yuan_sees_no_other_currency(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    html = _web(exchange.app, exchange.provider_user).get("/provider/dashboard").text
    assert "HK$" not in html and html.count('data-testid="sales-chart"') == 1


def test_a_provider_without_a_payee_account_is_told_the_exchange_needs_one(exchange):
    provider = _web(exchange.app, exchange.provider_user)
    html = provider.get("/provider/dashboard").text
    assert 'data-testid="payee-needed"' in html and "收款账户" in page_text(html)
    statement = provider.get("/provider/statement").text
    assert 'data-testid="payee-needed"' in statement


def test_a_provider_with_a_confirmed_account_sees_where_payouts_go(exchange, db):
    payee_account(db, exchange.provider)
    db.commit()
    html = _web(exchange.app, exchange.provider_user).get("/provider/dashboard").text
    assert 'data-testid="payee-needed"' not in html
    shown = page_text(html[html.index('data-testid="payee-account"') :].split("</p>")[0])
    number = f"755900{exchange.provider.id:010d}"
    assert "招商银行" in shown and number[-4:] in shown and number not in shown
