"""The main pages in both languages, on a phone (375 px) and a desktop (1280 px): nothing wider
than the window, no untranslated words or raw codes, no serious accessibility violations
(axe-core), and a screenshot of each under ``build/screenshots`` for a reviewer."""

from __future__ import annotations

from datetime import date

import pytest

from market import worker
from market.db import utcnow
from market.hant import to_traditional
from market.listings import demands, featuring
from market.listings.schemas import DemandInputSchema
from tests.browser.helpers import overflow, sign_in
from tests.browser.pagecheck import ALLOWED, CHINESE, LOCALES, WIDTHS, check, visible_text
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser

# The demand's title is the buyer's own words, quoted as typed and marked with its language
# wherever it appears (a provider matched to it is told so on /notifications).
DEMAND_TITLE = "深圳公交客流"


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def exchange(live_app):
    """Two published listings, a demand and a provider to sign in as: ``(paths, email)``."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        organisation, owner = rf.provider(session)
        first = lf.published_listing(session, store, organisation, owner, staff)
        featuring.feature(session, first, staff, "本月推荐", utcnow())
        lf.published_listing(
            session, store, organisation, owner, staff, category="finance",
            title_zh="深圳公交公司信用数据", title_en="Shenzhen bus company credit data",
        )  # fmt: skip
        buyer, buyer_user = rf.provider(session)
        data = DemandInputSchema().load({
            "title": DEMAND_TITLE, "need": "逐日客流，2024年", "budget_minor": 4_800_000,
            "currency": "CNY", "deadline": date(2030, 1, 31).isoformat(),
            "usage_scenario": "research",
        })  # fmt: skip
        demand = demands.post(session, buyer.id, buyer_user, data, utcnow())
        number = first.live_revision.certificate.number
        paths = {
            "home": "/",
            "market": "/market",
            "listing": f"/market/listings/{first.id}",
            "demands": "/demands",
            "demand": f"/demands/{demand.id}",
            "verify": f"/verify/{number}",
            "notices": "/notices",
            "login": "/login",
            "signup": "/signup",
            "forgot-password": "/password/forgot",
        }
        email = owner.email
    while worker.run_once(live_app):
        pass
    return paths, email


PUBLIC = ALLOWED
PROVIDER_PAGES = {
    "provider-listings": "/provider/listings",
    "editor": "/provider/listings/new",
    "assets": "/registry/assets",
    "organisations": "/organisations",
    "claims": "/registry/claims",
    "certificates": "/registry/certificates",
    "orders": "/orders",
    "dashboard": "/provider/dashboard",
    "notifications": "/notifications",
    "account": "/account",
}


@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_fit_speak_one_language_and_pass_axe(
    browser, live_app, exchange, language, width
):
    paths, email = exchange
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url,
        viewport={"width": width, "height": 900},
    )  # fmt: skip
    context.set_default_timeout(15000)
    page = context.new_page()
    failures = []
    pages = list(paths.items())
    try:
        for name, path in pages:
            failures += check(page, path, f"{name}-{language}-{width}", language, PUBLIC)
        sign_in(page, email)
        for name, path in PROVIDER_PAGES.items():
            failures += check(page, path, f"{name}-{language}-{width}", language, PUBLIC)
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def test_on_a_phone_the_menu_opens_and_facets_are_a_drawer(browser, live_app, exchange):
    context = browser.new_context(
        locale="zh-CN", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto("/market")
    navigation = page.locator("#site-nav")
    assert not navigation.is_visible()  # the page's own script collapsed it, under the CSP
    page.get_by_role("button", name="菜单").click()
    assert navigation.is_visible() and overflow(page) == 0
    assert not page.get_by_test_id("facet-category-finance").is_visible()
    page.get_by_text("筛选", exact=True).click()
    assert page.get_by_test_id("facet-category-finance").is_visible()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_read_in_traditional_chinese_for_hong_kong(browser, live_app, exchange, width):
    """A Hong Kong browser gets 繁體中文: the same checks as the Simplified pages, and no
    Simplified word left in the interface (people's own words aside: they carry their lang)."""
    paths, email = exchange
    context = browser.new_context(
        locale="zh-HK", base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    failures = []
    try:
        for name, path in paths.items():
            failures += _traditional(page, path, f"{name}-zh_Hant-{width}")
        sign_in(page, email)
        for name, path in PROVIDER_PAGES.items():
            failures += _traditional(page, path, f"{name}-zh_Hant-{width}")
    finally:
        context.close()
    assert not failures, "\n".join(failures)


# On a Traditional page, what people typed in Simplified (organisation, asset, listing and plan
# names, a description) is shown as typed, marked lang="zh-Hans" (``typed``, ``both``): any
# Simplified word left unmarked is the interface's, or unmarked typed text.
MARKED_HANT = """() => [...document.querySelectorAll('[lang="zh-Hant"]:not(html)')]
    .map(e => e.innerText).join(' ')"""


def _traditional(page, path: str, shot: str) -> list[str]:
    found = check(page, path, shot, "zh", PUBLIC | {"简体中文"})
    if page.evaluate("document.documentElement.lang") != "zh-Hant":
        found.append(f"{path}: not marked zh-Hant")
    text = visible_text(page).replace("简体中文", "")
    words = set(CHINESE.findall(text))
    simplified = sorted(word for word in words if to_traditional(word) != word)
    if simplified:
        found.append(f"{path} [{shot}]: Simplified {simplified[:8]}")
    # Text marked Traditional inside the page must be Traditional.
    marked = set(CHINESE.findall(page.evaluate(MARKED_HANT)))
    mislabelled = sorted(word for word in marked if to_traditional(word) != word)
    if mislabelled:
        found.append(f"{path} [{shot}]: Simplified marked zh-Hant {mislabelled[:8]}")
    return found
