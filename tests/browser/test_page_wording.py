"""Pages a customer meets, in Chromium: a demand's details on several lines, territories picked
from checkboxes on a phone, a draft edited from the list of listings, an invitation opened while
signed out, a listing's states in the exchange's words, the chart of accounts by name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import ledger
from market.db import utcnow
from market.finance import audit
from market.identity import services as identity
from market.identity.models import MemberRole, StaffRole
from market.listings.models import Listing
from tests import factories
from tests.browser.helpers import overflow, screenshot, sign_in
from tests.browser.pagecheck import LOCALES, check
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser

BUTTONS = {
    "zh": {"post": "发布求购", "save": "保存草稿", "signup": "注册", "accept": "接受邀请"},
    "en": {"post": "Post demand", "save": "Save draft", "signup": "Sign up", "accept": "Accept"},
}


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


def _context(browser, live_app, language: str, width: int):
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15000)
    return context


@pytest.fixture
def draft(live_app):
    """``(owner e-mail, listing id)`` of a draft listing."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        listing = lf.draft_listing(session, store, organisation, owner, rf.reviewer(session))
        return owner.email, listing.id


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_a_demand_is_written_on_several_lines_on_a_phone(browser, live_app, language):
    with live_app.extensions["db"].unit_of_work() as session:
        _organisation, owner = rf.provider(session)
        email = owner.email
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        sign_in(page, email)
        page.goto("/demands")
        need = page.locator("#need")
        assert need.evaluate("box => box.tagName") == "TEXTAREA"
        assert need.get_attribute("maxlength") == "4000"
        assert page.locator("#title").get_attribute("maxlength") == "200"
        page.fill("#title", "深圳公交客流数据")
        need.fill("2024年全年逐日客流\n按线路分列\n含换乘")
        page.fill("#budget", "48,000")
        page.fill("#deadline", "2030-01-31")
        page.select_option("#usage_scenario", "research")
        page.get_by_role("button", name=BUTTONS[language]["post"]).click()
        page.wait_for_url("**/demands/*")
        shown = page.get_by_test_id("need")
        assert shown.inner_text().splitlines() == ["2024年全年逐日客流", "按线路分列", "含换乘"]
        assert overflow(page) == 0
        screenshot(page, f"demand-lines-{language}-375")
    finally:
        context.close()


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_territories_are_ticked_on_a_phone(browser, live_app, draft, language):
    email, listing_id = draft
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        sign_in(page, email)
        page.goto(f"/provider/listings/{listing_id}/edit")
        territories = page.get_by_test_id("territory")
        assert territories.locator("select").count() == 0  # no Ctrl-click list
        territories.locator("input[value=HK]").check()
        others = territories.locator("details")
        expect(others.locator("input[value=SG]")).to_be_hidden()  # folded until asked for
        others.locator("summary").click()
        box = others.locator("input[value=SG]")
        box.scroll_into_view_if_needed()
        box.check()
        page.locator("input[name=cross_border]").check()  # outside the mainland
        assert overflow(page) == 0
        screenshot(page, f"territories-{language}-375")
        page.get_by_role("button", name=BUTTONS[language]["save"]).click()
        page.wait_for_url(f"**/provider/listings/{listing_id}")
        with live_app.extensions["db"].unit_of_work() as session:
            terms = session.get(Listing, listing_id).latest_revision.terms
            assert {"HK", "SG"} <= set(terms["territory"])
        # Back in the editor the chosen ones are ticked, the folded list open on its choice.
        page.goto(f"/provider/listings/{listing_id}/edit")
        expect(territories.locator("input[value=SG]")).to_be_checked()
        expect(territories.locator("input[value=SG]")).to_be_visible()
    finally:
        context.close()


def test_a_draft_is_edited_from_my_listings(page, draft):
    email, listing_id = draft
    sign_in(page, email)
    page.goto("/provider/listings")
    page.get_by_test_id(f"edit-draft-{listing_id}").click()
    page.wait_for_url(f"**/provider/listings/{listing_id}/edit")
    expect(page.locator("#title_zh")).to_have_attribute("maxlength", "200")
    expect(page.locator("#description_zh")).to_have_attribute("maxlength", "8000")


def test_a_published_listing_says_one_word_for_its_state(page, live_app):
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        listing = lf.published_listing(session, store, organisation, owner, rf.reviewer(session))
        email, listing_id = owner.email, listing.id
    sign_in(page, email)
    page.goto("/provider/listings")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("已挂牌")
    assert "上架" not in row.inner_text() and "在售" not in row.inner_text()
    page.goto(f"/provider/listings/{listing_id}")
    main = page.locator("main").inner_text()
    assert "已挂牌" in main and not any(word in main for word in ("上架", "在售", "下架"))
    confirm = page.locator("[data-confirm]").filter(has_text="摘牌")
    assert "摘牌" in confirm.first.get_attribute("data-confirm")


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_an_invitation_opened_signed_out_leads_back_to_itself(browser, live_app, language):
    with live_app.extensions["db"].unit_of_work() as session:
        owner = factories.user(session)
        organisation = factories.organisation(
            session, owner, name_zh="深圳试用数据科技有限公司", name_en="Shenzhen Trial Data Co."
        )
        _invitation, token = identity.invite(
            session,
            organisation,
            owner,
            f"new-{language}@example.cn",
            MemberRole.MEMBER,
            "http://x",
        )
    name = {"zh": "深圳试用数据科技有限公司", "en": "Shenzhen Trial Data Co."}[language]
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        page.goto(f"/invitations/{token}")
        card = page.get_by_test_id("invitation")
        expect(card).to_contain_text(name)
        assert overflow(page) == 0
        screenshot(page, f"invitation-signed-out-{language}-375")
        card.get_by_role("link").nth(1).click()  # create an account to accept
        expect(page.locator("#email")).to_have_value(f"new-{language}@example.cn")
        page.fill("#name", "新成员")
        page.fill("#password", factories.PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"**/invitations/{token}")
        page.get_by_role("button", name=BUTTONS[language]["accept"]).click()
        flash = page.get_by_test_id("flash")
        expect(flash).to_contain_text(name)
        other = {"zh": "Shenzhen Trial", "en": "深圳"}[language]
        assert other not in flash.inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_the_chart_of_accounts_names_accounts_in_the_readers_language(browser, live_app, language):
    with live_app.extensions["db"].unit_of_work() as session:
        email = factories.user(session, staff=(StaffRole.FINANCE,)).email
        ledger.post(
            session,
            "pay:1",
            [
                ledger.debit("assets:bank", 4_800_000, "CNY"),
                ledger.credit("liabilities:escrow:order:1", 4_800_000, "CNY"),
            ],
            description="order 1 paid by bank transfer",
        )
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        sign_in(page, email)
        failures = check(page, "/finance/ledger", f"chart-of-accounts-{language}-375", language)
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def _fonts_of(page, selector: str) -> set[str]:
    """The fonts Chromium really drew a node's text with (DevTools' *Rendered fonts*)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"] for font in fonts}


def test_an_emoji_in_a_name_is_drawn_not_boxed(page, live_app):
    with live_app.extensions["db"].unit_of_work() as session:
        email = factories.user(session, name="数据提供方 张三 🚀").email
    sign_in(page, email)
    page.goto("/organisations")
    name = page.locator("header span[translate=no]").first
    expect(name).to_have_text("数据提供方 张三 🚀")
    assert "Noto Color Emoji" in _fonts_of(page, "header span[translate=no]")
    screenshot(page, "emoji-name-zh-1280")


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_the_reconciliation_trail_reads_without_codes(browser, live_app, language):
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.FINANCE,))
        email, now = staff.email, utcnow()
        audit.record(session, "run", "recon", staff, now, matched={"stripe_charge": 2})
        audit.record(session, "assert_balances", "recon", staff, now, days=3, differs=0)
        audit.record(
            session, "close_period", "period:2026-11", staff, now,
            failing=["balances"], override_reason="银行回单已核对",
            checks={"balances": False, "ledger": True},
        )  # fmt: skip
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        sign_in(page, email)
        failures = check(page, "/finance/reconciliation", f"recon-trail-{language}-375", language)
        details = page.get_by_test_id("trail-details")
        shown = " ".join(details.all_inner_texts())
    finally:
        context.close()
    assert not failures, "\n".join(failures)
    assert "{" not in shown and "stripe_charge" not in shown
    expected = {
        "zh": ("Stripe 收款 2", "已核对天数：3", "未通过的检查项：每日余额一致或差额已解释"),
        "en": ("Stripe charges 2", "Days asserted: 3", "Checks failing: Daily balances agree"),
    }[language]
    for text in expected:
        assert text in shown, text


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_the_finance_audit_page_reads_without_codes(browser, live_app, language):
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(session, staff=(StaffRole.FINANCE,))
        email, now = staff.email, utcnow()
        audit.record(session, "bank_account_registered", "bank_account:1", staff, now,
                     name="工行基本户", bank_name="中国工商银行", currency="CNY",
                     csv_layout="icbc", account_number="4000021009200000001")  # fmt: skip
        audit.record(session, "statement_imported", "bank_account:1", staff, now,
                     file_name="工行11月.csv", format="csv", lines=12, new_lines=10,
                     duplicates=2, closing=120_000, currency="CNY")  # fmt: skip
        audit.record(session, "payout_paid", "payout:3", None, now, amount=123_456,
                     currency="CNY", by_matching=True, bank_reference="ICBC0001")  # fmt: skip
    context = _context(browser, live_app, language, 375)
    try:
        page = context.new_page()
        sign_in(page, email)
        failures = check(page, "/finance/audit", f"finance-audit-{language}-375", language)
        shown = " ".join(page.get_by_test_id("trail").all_inner_texts())
    finally:
        context.close()
    assert not failures, "\n".join(failures)
    for code in ("{", "statement_imported", "new_lines", "bank_account:", "icbc", "by_matching"):
        assert code not in shown, code
    expected = {
        "zh": ("导入对账单", "此前已导入（跳过）行数：2", "工商银行", "¥1,234.56"),
        "en": ("Statement imported", "Lines imported before (skipped): 2", "ICBC", "1,234.56"),
    }[language]
    for text in expected:
        assert text in shown, text
