"""A live server for page tests (the session's Chromium is in the root conftest)."""

from __future__ import annotations

import pytest

from market.app import create_app
from tests.browser.helpers import serving
from tests.conftest import app_config


@pytest.fixture
def live_app(migrated_database_url, tmp_path):
    """The app served on a free loopback port in a thread; ``live_app.url`` is its address."""
    application = create_app(
        app_config(migrated_database_url, tmp_path / "instance", TESTING=False)
    )
    with serving(application) as application.url:
        yield application
    application.extensions["db"].dispose()


@pytest.fixture
def page(browser, live_app):
    """A fresh browser context (no cookies) with a page, speaking Chinese by default."""
    context = browser.new_context(locale="zh-CN", base_url=live_app.url)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()
