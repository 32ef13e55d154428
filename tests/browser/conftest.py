"""A live server and headless Chromium (Debian's, driven by Playwright) for page tests."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from market.app import create_app
from tests.conftest import app_config

CHROMIUM = os.environ.get("SHUJIAO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(migrated_database_url, tmp_path):
    """The app served on a free loopback port in a thread; ``live_app.url`` is its address."""
    application = create_app(
        app_config(migrated_database_url, tmp_path / "instance", TESTING=False)
    )
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    application.url = f"http://127.0.0.1:{server.server_port}"
    yield application
    server.shutdown()
    thread.join(timeout=10)
    application.extensions["db"].dispose()


@pytest.fixture
def page(browser, live_app):
    """A fresh browser context (no cookies) with a page, speaking Chinese by default."""
    context = browser.new_context(locale="zh-CN", base_url=live_app.url)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()
