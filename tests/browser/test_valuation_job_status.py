"""The report page waits for a queued profile in a real browser: the static poller asks for the
job's status and reloads the page once the worker has done it; no inline script is needed."""

from __future__ import annotations

import re

import pytest

from market.db import utcnow
from market.identity.models import StaffRole
from market.valuation import services
from market.valuation import tasks as valuation_tasks
from tests import factories
from tests.browser.helpers import sign_in
from tests.registry import factories as rf

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the status endpoint's tests cover PostgreSQL."""
    return request.param


@pytest.fixture
def queued(live_app):
    """``(appraiser e-mail, report id)``: a taken valuation with a profile waiting in the queue."""
    store = live_app.extensions["files"]
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        asset = rf.asset(session, organisation, owner)
        rf.version(session, store, asset, owner, {"stations.csv": b"id,name\n1,a\n2,b\n"})
        appraiser = factories.user(session, staff=(StaffRole.APPRAISER,))
        now = utcnow()
        report = services.request(
            session, [organisation.id], owner, {"asset_id": asset.id, "purpose": "trading"}, now
        )
        services.take(session, report, appraiser, now)
        services.request_profile(session, report, appraiser, {"file": "stations.csv"}, now)
        return appraiser.email, report.id


def test_the_page_reloads_when_the_profile_is_done(browser, live_app, queued):
    email, report_id = queued
    context = browser.new_context(locale="en", base_url=live_app.url)
    context.set_default_timeout(30000)
    page = context.new_page()
    failures = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and failures.append(response.url)
        ),
    )
    try:
        sign_in(page, email)
        page.goto(f"/valuations/{report_id}")
        status = page.locator("[data-testid=profile-job]")
        assert "Queued" in status.inner_text()
        page.wait_for_selector("[data-testid=poll-note]")  # the script runs under the CSP

        assert valuation_tasks.run_profile_jobs(live_app) == 1
        # No click: the poller sees the job done and reloads the page.
        page.locator("[data-testid=profile-job]", has_text=re.compile(r": Done\b")).wait_for()
        assert page.locator("[data-poll]").count() == 0
        assert failures == []
    finally:
        context.close()
