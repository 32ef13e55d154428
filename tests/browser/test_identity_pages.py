"""Sign-up, sign-in and language switching in a real browser."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import overflow, register_organisation, screenshot, sign_in
from tests.web import confirmation_link

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the same code paths run on PostgreSQL in the API tests."""
    return request.param


def test_sign_up_then_register_an_organisation(page, live_app):
    page.goto("/signup")
    page.fill("#name", "李雷")
    page.fill("#email", "lilei@example.cn")
    page.fill("#password", factories.PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="我的机构")).to_be_visible()
    expect(page.get_by_test_id("confirm-email")).to_be_visible()
    page.goto(confirmation_link(live_app, "lilei@example.cn"))
    expect(page.get_by_test_id("confirm-email")).to_have_count(0)
    page.click("text=登记机构")
    page.fill("#name_zh", "深圳浏览器测试数据有限公司")
    page.fill("#name_en", "Shenzhen Browser Test Data Co., Ltd.")
    page.fill("#credit_code", factories.credit_code())
    page.click("main button[type=submit]")
    expect(
        page.get_by_role(
            "heading", name="深圳浏览器测试数据有限公司 · Shenzhen Browser Test Data Co., Ltd."
        )
    ).to_be_visible()


def test_sign_up_errors_are_shown_next_to_the_fields(page):
    page.goto("/signup")
    page.fill("#name", "韩梅梅")
    page.fill("#email", "hanmeimei@example.cn")
    page.fill("#password", "short")
    page.click("main button[type=submit]")
    expect(page.locator("#password-error")).to_be_visible()


def test_login_and_logout(page, live_app):
    with live_app.extensions["db"].unit_of_work() as session:
        factories.user(session, "wang@example.cn", name="王五")
    page.goto("/login")
    page.fill("#email", "wang@example.cn")
    page.fill("#password", "wrong password!")
    page.click("main button[type=submit]")
    expect(page.locator("#password-error")).to_contain_text("电子邮箱或密码错误")
    page.fill("#email", "wang@example.cn")
    page.fill("#password", factories.PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("header")).to_contain_text("王五")
    page.click("text=退出")
    expect(page.locator("header")).to_contain_text("登录")


def test_language_switch_follows_the_choice(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="数交数据交易平台")).to_be_visible()
    page.click("[data-testid=language-en]")
    expect(page.get_by_role("heading", name="Shujiao Data Exchange")).to_be_visible()
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.click("[data-testid=language-zh]")
    expect(page.get_by_role("heading", name="创建账户")).to_be_visible()


def test_accept_language_picks_english_for_english_browsers(browser, live_app):
    context = browser.new_context(locale="en-GB", base_url=live_app.url)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Shujiao Data Exchange")).to_be_visible()
    context.close()


VERIFY_LINK = {
    "zh-CN": "提交认证材料",
    "zh-HK": "提交認證材料",
    "en-GB": "Submit verification evidence",
}


@pytest.mark.parametrize("locale", sorted(VERIFY_LINK))
def test_registering_an_organisation_links_to_its_verification_wherever_it_lands(
    browser, live_app, locale
):
    for width in (375, 1280):
        with live_app.extensions["db"].unit_of_work() as session:
            email = factories.user(session).email
        context = browser.new_context(
            locale=locale, base_url=live_app.url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, email)
        # Sent from another page (the demand board), the user goes back there.
        page.goto("/organisations/new?next=/demands")
        page.select_option("#jurisdiction", "CN")
        register_organisation(page)
        page.wait_for_url("**/demands**")
        link = page.get_by_test_id("flash-verify")
        expect(link).to_have_text(VERIFY_LINK[locale])
        assert overflow(page) == 0, (locale, width)
        screenshot(page, f"organisation-registered-{locale}-{width}")
        link.click()
        page.wait_for_url("**/organisations/*/verification")
        context.close()
