"""Shared steps for the browser tests: signing in, registering an organisation, checking a page
fits, screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from tests import factories

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def sign_in(page, email: str) -> None:
    """Sign in through the login form and wait until the next page has loaded."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def register_organisation(page) -> None:
    """Fill and send the organisation form the page is on (a mainland company)."""
    page.fill("#name_zh", "火星数据（深圳）有限公司")
    page.fill("#name_en", "Mars Data")
    page.fill("#credit_code", factories.credit_code())
    page.locator("main form button[type=submit]").click()


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under ``build/screenshots`` for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served on a free loopback port in a thread, for as long as the block runs;
    gives its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
