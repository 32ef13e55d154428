"""The main pages in both languages, on a phone (375 px) and a desktop (1280 px): nothing wider
than the window, no untranslated words or raw codes, no serious accessibility violations
(axe-core), and a screenshot of each under ``build/screenshots`` for a reviewer."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import axe_playwright_python
import pytest

from market import worker
from market.db import utcnow
from market.listings import demands
from market.listings.schemas import DemandInputSchema
from tests.browser.helpers import overflow, screenshot, sign_in
from tests.listings import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.browser

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WIDTHS = (375, 1280)
LOCALES = {"zh": "zh-CN", "en": "en-GB"}
# Codes and literals a reader must never see (outside <code>): snake_case identifiers, Python
# literals, bare ISO territory codes (a word inside a sentence, "None yet.", is not one).
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:True|False|None|realtime|CN)\b(?![¥ ])")
# On Chinese pages: two or more English words in a row are an untranslated phrase.
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,})+\b")
# On English pages: Chinese characters are untranslated (language names aside).
CHINESE = re.compile(r"[\u4e00-\u9fff]+")
# The demand's title is the buyer's own words, quoted as typed wherever it appears (a provider
# matched to it is told so on /notifications); everything else must be in the page's language.
DEMAND_TITLE = "深圳公交客流"
ALLOWED = {"數交", "简体中文", "English", "Shujiao", DEMAND_TITLE}


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
        }
        email = owner.email
    while worker.run_once(live_app):
        pass
    return paths, email


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


def _visible_text(page) -> str:
    return page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('code, pre, script, style, [lang]:not(html), [translate=no]').forEach(e => e.remove());
            document.body.appendChild(copy); copy.hidden = false;
            const text = copy.innerText; copy.remove(); return text;
        }"""
    )


def _problems(page, language: str) -> list[str]:
    text = _visible_text(page)
    found = [f"raw code {m!r}" for m in RAW.findall(text)]
    if language == "zh":
        found += [f"English {m!r}" for m in ENGLISH_PHRASE.findall(text) if m not in ALLOWED]
    else:
        found += [f"Chinese {m!r}" for m in CHINESE.findall(text) if m not in ALLOWED]
    return found


def _axe(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


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
            failures += _check(page, path, f"{name}-{language}-{width}", language)
        sign_in(page, email)
        for name, path in PROVIDER_PAGES.items():
            failures += _check(page, path, f"{name}-{language}-{width}", language)
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def _check(page, path: str, shot: str, language: str) -> list[str]:
    response = page.goto(path)
    page.wait_for_load_state("load")
    found = [] if response.ok else [f"HTTP {response.status}"]
    wider = overflow(page)
    if wider:
        found.append(f"{wider}px wider than the window")
    found += _problems(page, language)
    found += _axe(page)
    screenshot(page, shot)
    return [f"{path} [{shot}]: {problem}" for problem in found]


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
