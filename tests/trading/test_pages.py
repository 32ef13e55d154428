"""The trading pages: buying by form, orders, receipts, statements, finance and review queues."""

import re

import pytest
import sqlalchemy as sa

from market.display import money
from market.trading.models import Order
from tests import factories
from tests.finance.factories import payee_account
from tests.listings import factories as lf
from tests.trading.helpers import pay_by_bank, place, scalars
from tests.web import WebClient, page_text


def _web(app, user):
    client = WebClient(app)
    client.log_in(user.email, factories.PASSWORD)
    return client


def test_buyer_orders_by_form_and_sees_bank_instructions(exchange, listing):
    web = _web(exchange.app, exchange.buyer_user)
    page = f"/listings/{listing.id}/buy"
    response = web.submit(
        page,
        {
            "plan_id": str(listing.live_revision.plans[0].id),
            "organisation_id": str(exchange.buyer.id),
            "usage_scenario": "research",
        },
        page=page,
    )
    assert response.status_code == 302
    checkout = web.get(response.headers["Location"]).get_data(as_text=True)
    reference = scalars(exchange.app, sa.select(Order.reference))[0]
    assert reference in checkout and "card-element" in checkout


def test_a_plan_named_as_its_kind_shows_the_kind_once_in_traditional(exchange, listing):
    # The plan's name is the provider's (一次性授权); its kind is ours, in the page's script.
    web = _web(exchange.app, exchange.buyer_user)
    buy = web.get(f"/listings/{listing.id}/buy", headers={"Accept-Language": "zh-HK"})
    html = buy.get_data(as_text=True)
    assert "一次性授权" in html and "· 一次性授權" not in html


def test_a_user_without_a_verified_organisation_is_told_how_to_get_one(exchange, listing, db):
    user = factories.user(db)
    pending = factories.organisation(db, user, verified=False)
    db.commit()
    web = _web(exchange.app, user)
    page = f"/listings/{listing.id}/buy"
    html = web.get(page).get_data(as_text=True)
    assert 'id="organisation_id"' not in html
    assert 'data-testid="buy-needs-organisation"' in html
    assert f'href="/organisations/{pending.id}/verification"' in html
    # Registered already: told to send its verification, not to register (a second one).
    assert 'data-testid="buy-needs-verification"' in html and "请先登记机构" not in html
    assert 'href="/organisations/new">登记另一家机构<' in html
    plan = listing.live_revision.plans[0].id
    form = {"plan_id": str(plan), "organisation_id": str(pending.id), "usage_scenario": "research"}
    refused = web.submit(page, form, page=page)
    assert refused.status_code == 403 and "buy-needs-organisation" in refused.get_data(as_text=True)
    assert not scalars(exchange.app, sa.select(Order.id))


def test_receipt_statement_and_staff_queues(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    buyer = _web(exchange.app, exchange.buyer_user)
    assert order["reference"] in buyer.get(f"/orders/{order['id']}/receipt").get_data(as_text=True)
    assert buyer.get("/orders").status_code == 200
    provider = _web(exchange.app, exchange.provider_user)
    statement = provider.get("/provider/statement").get_data(as_text=True)
    assert order["reference"] in statement
    finance = _web(exchange.app, exchange.finance_user)
    assert finance.get("/finance/receipts").status_code == 200
    moved = finance.get("/finance/trading")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/finance/receipts")
    assert finance.get("/finance/payouts").status_code == 200
    # nobody has a confirmed payee account yet: the page says so, in place
    refused = finance.submit(
        "/finance/payouts/batches", {"currency": "CNY"}, page="/finance/payouts"
    )
    assert refused.status_code == 409 and 'data-testid="form-error"' in refused.get_data(
        as_text=True
    )
    reviewer = _web(exchange.app, exchange.staff)
    assert reviewer.get("/review/disputes").status_code == 200
    assert buyer.get("/finance/receipts").status_code == 403


def test_buyer_disputes_and_reviewer_refunds_in_full_by_form(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    buyer = _web(exchange.app, exchange.buyer_user)
    page = f"/orders/{order['id']}"
    buyer.submit(f"{page}/dispute", {"reason": "文件损坏"}, page=page)
    reviewer = _web(exchange.app, exchange.staff)
    queue = reviewer.get("/review/disputes").get_data(as_text=True)
    assert "部分退款（人民币）" in queue and "（CNY）" not in queue
    decided = reviewer.submit(
        f"/review/disputes/{order['id']}",
        {"decision": "full_refund", "refund": "", "note": "同意退款"},
        page="/review/disputes",
    )
    assert decided.status_code == 302
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] == "refunded"


def test_finance_records_a_bank_receipt_typed_in_yuan(exchange, listing):
    order = place(exchange, listing)  # ¥4,800.00
    finance = _web(exchange.app, exchange.finance_user)
    form = {"reference": order["reference"], "currency": "CNY", "amount": "4,800.00",
            "bank_transaction_id": "CMB-20260302-1", "payer_name": "买方"}  # fmt: skip
    recorded = finance.submit("/finance/receipts", form, page="/finance/receipts")
    assert recorded.status_code == 302
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] != "awaiting_payment" and final["paid_at"]


def test_a_receipt_with_fractions_of_a_fen_is_refused_with_its_reason(exchange, listing):
    order = place(exchange, listing)
    finance = _web(exchange.app, exchange.finance_user)
    form = {"reference": order["reference"], "currency": "CNY", "amount": "4800.001",
            "bank_transaction_id": "CMB-20260302-2"}  # fmt: skip
    refused = finance.submit("/finance/receipts", form, page="/finance/receipts")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="amount-error"' in page
    assert "该币种最多允许 2 位小数" in page and 'value="4800.001"' in page
    assert 'value="CMB-20260302-2"' in page
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["paid_at"] is None


def test_a_new_providers_dashboard_says_why_its_charts_are_empty(exchange):
    provider = _web(exchange.app, exchange.provider_user)
    html = provider.get("/provider/dashboard", headers={"Accept-Language": "en"}).text
    assert 'data-testid="no-sales"' in html and 'data-testid="no-payouts"' in html
    assert "once the buyer accepts the delivery" in html


def test_provider_dashboard_charts_settled_sales_and_payouts(exchange, listing, drain, db):
    payee_account(db, exchange.provider)
    db.commit()
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    finance = _web(exchange.app, exchange.finance_user)
    built = finance.submit("/finance/payouts/batches", {"currency": "CNY"}, page="/finance/payouts")
    assert built.status_code == 302
    provider = _web(exchange.app, exchange.provider_user)
    html = provider.get("/provider/dashboard").get_data(as_text=True)
    sales = html[
        html.index('data-testid="sales-chart"') : html.index('data-testid="payouts-chart"')
    ]
    assert "<svg" in sales and sales.count('class="bar"') == 12
    assert "¥4,800</text>" in sales  # the month's bar is labelled with its total
    assert 'data-testid="sales-total"><span class="money">¥4,800.00</span><' in html
    payouts = html[html.index('data-testid="payouts-chart"') :]
    assert payouts.count("</text>") > 12  # a bar with a value label besides the month ticks
    assert 'data-testid="no-sales"' not in html and 'data-testid="no-payouts"' not in html


def test_provider_dashboard_counts_a_sale_net_of_its_partial_refund(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": "数据缺失"}
    )
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "partial_refund", "refund_minor": 80_000, "note": "已核实"},
    )
    assert decided.status_code == 200, decided.get_json()
    drain()
    html = (
        _web(exchange.app, exchange.provider_user).get("/provider/dashboard").get_data(as_text=True)
    )
    # ¥4,800 less the ¥800 refunded
    assert 'data-testid="sales-total"><span class="money">¥4,000.00</span><' in html


def _checkout(exchange, listing, language: str) -> str:
    web = _web(exchange.app, exchange.buyer_user)
    page = f"/listings/{listing.id}/buy"
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(exchange.buyer.id),
        "usage_scenario": "research",
    }
    response = web.submit(page, form, page=page)
    html = web.get(response.headers["Location"], headers={"Accept-Language": language}).text
    start = html.index('data-testid="bank-transfer"')
    return html[start : html.index("</table>", start)]


def test_the_english_checkout_names_the_bank_account_in_english(exchange, listing):
    bank = _checkout(exchange, listing, "en")
    assert "China Merchants Bank, Shenzhen Branch" in bank
    # A transfer must name the payee as the bank registered it, so that stays beside it.
    assert "As registered with the bank" in bank and "深圳数据交易所有限公司" in bank


def test_the_chinese_checkout_names_the_bank_account_once(exchange, listing):
    bank = _checkout(exchange, listing, "zh")
    assert bank.count("招商银行深圳分行") == 1 and "China Merchants" not in bank


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "From 1 to 4000 characters."),
        ("长" * 4001, "From 1 to 4000 characters."),
        ("    ", "May not be empty or only spaces."),
        ("\u3000 \n\t ", "May not be empty or only spaces."),
    ],
)
def test_a_dispute_reason_that_cannot_be_taken_is_named_at_the_field_and_kept(
    exchange, listing, reason, message
):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    buyer = _web(exchange.app, exchange.buyer_user)
    page = f"/orders/{order['id']}"
    refused = buyer.submit(
        f"{page}/dispute", {"reason": reason}, page=page, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 422
    html = refused.text
    assert 'id="reason-error"' in html and 'aria-invalid="true"' in html
    assert f">{reason}</textarea>" in html and message in html
    status = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert status["status"] != "disputed"


def test_the_order_lists_show_an_amount_net_of_its_refund(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api(
        "POST", f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": "数据缺失"}
    )
    decided = exchange.api(
        "POST",
        f"/orders/{order['id']}/dispute-decision",
        exchange.review_api,
        json={"decision": "partial_refund", "refund_minor": 80_000, "note": "已核实"},
    )
    assert decided.status_code == 200, decided.get_json()
    for user in (exchange.provider_user, exchange.buyer_user):
        html = _web(exchange.app, user).get("/orders").get_data(as_text=True)
        shown = page_text(html)
        assert "¥4,800.00 ¥800.00 refunded" not in shown
        assert "已退款 ¥800.00，净额 ¥4,000.00" in shown, shown


def test_an_entitlement_says_its_period_once_and_its_status_by_name(exchange, listing_of):
    subscription = lf.plan(kind="subscription", period="month", periods=12, price_minor=1_200_000)
    listing = listing_of(plans=[subscription])
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    html = (
        _web(exchange.app, exchange.buyer_user).get(f"/orders/{order['id']}").get_data(as_text=True)
    )
    period = page_text(html.split('data-testid="entitlement-period"')[1].split("</p>")[0])
    assert period.startswith(">") and "有效期 " in period and " 至 " in period, period
    assert "起有效" not in period and "状态：" in period
    members = (
        _web(exchange.app, exchange.provider_user)
        .get(f"/organisations/{exchange.provider.id}")
        .get_data(as_text=True)
    )
    assert "<th>姓名</th>" in members  # a person's name, not a thing's 名称


def test_the_buy_page_says_what_happens_after_the_order(exchange, listing):
    web = _web(exchange.app, exchange.buyer_user)
    page = f"/listings/{listing.id}/buy"
    days = exchange.app.config["ACCEPTANCE_DAYS"]
    zh = page_text(web.get(page).get_data(as_text=True))
    assert f"款项由交易所托管；数据交付后，您有 {days} 天验收或提出争议" in zh
    en = page_text(web.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert f"you have {days} days to accept it or open a dispute" in en


def _cell(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</td>', html, re.DOTALL)
    assert match, testid
    return page_text(match.group(1))


def test_the_receipt_names_the_plan_and_splits_the_tax_as_settlement_booked_it(
    exchange, listing, drain
):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    [settled] = scalars(exchange.app, sa.select(Order).where(Order.id == order["id"]))
    assert settled.vat_minor > 0  # the split below is worth checking
    buyer = _web(exchange.app, exchange.buyer_user)
    en = {"Accept-Language": "en"}
    with exchange.app.test_request_context(headers=en):
        expected = {
            "split-provider": money(settled.provider_minor, "CNY"),
            "split-fee-net": money(settled.fee_minor - settled.vat_minor, "CNY"),
            "split-vat": money(settled.vat_minor, "CNY"),
            "split-total": money(settled.paid_minor, "CNY"),
        }
    html = buyer.get(f"/orders/{order['id']}/receipt", headers=en).get_data(as_text=True)
    assert {testid: _cell(html, testid) for testid in expected} == expected
    assert settled.plan_snapshot["name_en"] in _cell(html, "receipt-plan")
    provider = _web(exchange.app, exchange.provider_user)
    statement = provider.get("/provider/statement", headers=en).get_data(as_text=True)
    assert _cell(statement, "statement-vat") == expected["split-vat"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-CN", "请选择使用场景，即数据的用途。"),
        ("zh-TW", "請選擇使用場景，即數據的用途。"),
        ("en", "Choose the usage scenario: what the data is for."),
    ],
)
def test_the_buy_pages_usage_scenario_starts_unchosen_and_must_be_chosen(
    exchange, listing, language, message
):
    web = _web(exchange.app, exchange.buyer_user)
    page = f"/listings/{listing.id}/buy"
    blank = web.get(page).get_data(as_text=True)
    select = blank.split('<select id="usage_scenario"', 1)[1].split("</select>", 1)[0]
    assert " required" in select.split(">", 1)[0]
    assert select.split(">", 1)[1].strip().startswith('<option value="">')
    assert " selected" not in select
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(exchange.buyer.id),
        "usage_scenario": "",
        "usage_note": "模型训练",
    }
    refused = web.submit(page, form, page=page, headers={"Accept-Language": language})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    error = html.split('id="usage_scenario-error"', 1)[1].split("</", 1)[0]
    assert message in page_text(error)
    assert "模型训练" in html
    assert not scalars(exchange.app, sa.select(Order.id))


def test_the_buy_page_names_the_uses_the_licence_permits_when_refusing_another(exchange, listing):
    web = _web(exchange.app, exchange.buyer_user)
    page = f"/listings/{listing.id}/buy"
    form = {
        "plan_id": str(listing.live_revision.plans[0].id),
        "organisation_id": str(exchange.buyer.id),
        "usage_scenario": "marketing",
    }
    refused = web.submit(page, form, page=page, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    error = refused.get_data(as_text=True).split('id="usage_scenario-error"', 1)[1]
    assert "it permits only internal analytics and scientific research." in page_text(
        error.split("</", 1)[0]
    )


@pytest.mark.parametrize(
    ("language", "name"), [("zh-HK", "一次性授權"), ("en", "One-time licence")]
)
def test_an_unnamed_plan_is_named_by_its_kind_on_the_order_and_receipt(
    exchange, listing_of, drain, language, name
):
    plan = {key: value for key, value in lf.plan().items() if not key.startswith("name_")}
    order = place(exchange, listing_of(plans=[plan]))
    pay_by_bank(exchange, order)
    exchange.api("POST", f"/orders/{order['id']}/accept", exchange.buyer_api)
    drain()
    buyer = _web(exchange.app, exchange.buyer_user)
    headers = {"Accept-Language": language}
    for page in (f"/orders/{order['id']}", f"/orders/{order['id']}/receipt"):
        html = buyer.get(page, headers=headers).get_data(as_text=True)
        assert name in html and "None" not in html, page


def test_a_plan_named_as_its_kind_shows_the_kind_once_on_the_traditional_receipt(exchange, listing):
    # Named 一次性授权 by its provider: the receipt adds no 一次性授權 beside it.
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    buyer = _web(exchange.app, exchange.buyer_user)
    receipt = buyer.get(f"/orders/{order['id']}/receipt", headers={"Accept-Language": "zh-HK"})
    plan = page_text(receipt.text.split('data-testid="receipt-plan">', 1)[1].split("</td>")[0])
    assert plan == "一次性授权"
