"""Shared steps for the browser tests: signing in, checking a page fits, screenshots."""

from __future__ import annotations

from pathlib import Path

from tests import factories

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def sign_in(page, email: str) -> None:
    """Sign in through the login form and wait until the next page has loaded."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under ``build/screenshots`` for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
