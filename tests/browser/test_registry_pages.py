"""Public certificate verification in a real browser, without signing in."""

import re

import pytest
from playwright.sync_api import expect

from market.registry.models import ClaimState
from tests.browser.pagecheck import LOCALES, problems
from tests.registry import factories as rf

pytestmark = pytest.mark.browser

CONTENT = "站点,客流\n福田,1200\n".encode()


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def certificate(live_app):
    """A certified claim's ``(number, fingerprint)`` in the live app's database."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        staff = rf.reviewer(session)
        claim = rf.draft(session, store, files={"flow.csv": CONTENT})
        rf.advance(session, claim, ClaimState.CERTIFIED, staff)
        return claim.certificate.number, claim.certificate.fingerprint


def test_anyone_can_verify_a_certificate_and_check_a_file(page, certificate, tmp_path):
    number, fingerprint = certificate
    page.goto("/verify")
    page.fill("#number", number.lower())
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name=f"登记证书 {number}")).to_be_visible()
    expect(page.get_by_test_id("certificate-status")).to_have_text("有效")
    expect(page.get_by_test_id("certificate-fingerprint")).to_have_text(fingerprint)
    held = tmp_path / "flow.csv"
    held.write_bytes(CONTENT)
    page.set_input_files("#file", str(held))
    page.get_by_role("button", name="核对", exact=True).click()
    expect(page.get_by_test_id("check-result")).to_contain_text("flow.csv")
    page.fill("#sha256", "f" * 64)
    page.get_by_role("button", name="核对", exact=True).click()
    expect(page.get_by_test_id("check-result")).to_have_class("error")


def test_unknown_certificate_number_shows_not_found(page):
    response = page.goto("/verify/SZDX-2026-000000")
    assert response.status == 404


@pytest.mark.parametrize("width", [375, 1280])
def test_the_printable_certificate_fits_the_screen_and_prints_on_one_a4_page(
    browser, live_app, certificate, width
):
    number, _ = certificate
    context = browser.new_context(
        locale="zh-CN", base_url=live_app.url, viewport={"width": width, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto(f"/certificates/{number}/print")
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
        pdf = page.pdf(format="A4", print_background=True)
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    finally:
        context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_printable_certificate_marks_its_two_language_title(
    browser, live_app, certificate, language
):
    number, _ = certificate
    context = browser.new_context(locale=LOCALES[language], base_url=live_app.url)
    try:
        page = context.new_page()
        page.goto(f"/certificates/{number}/print")
        # The certificate is titled in both languages; each title carries its own lang.
        assert problems(page, language) == []
    finally:
        context.close()
