"""Requests for mailed links ("forgot your password?", "mail the link again") are limited per
address and per target mailbox, on the real limiter: 429 with Retry-After, the form again with
the reason in the reader's language, the same answer whether or not an account exists."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from market import worker
from market.app import create_app
from tests import factories
from tests.conftest import app_config
from tests.web import WebClient

EN = {"Accept-Language": "en"}
ELSEWHERE = {"REMOTE_ADDR": "10.9.8.7"}
REFUSAL = "Too many links mailed to this address"


@pytest.fixture
def strict(migrated_database_url, tmp_path):
    """An app allowing 2 mailed links per mailbox and 4 per address in 10 minutes."""
    config = app_config(
        migrated_database_url,
        tmp_path / "instance",
        MAIL_LINK_MAX_PER_EMAIL=2,
        MAIL_LINK_MAX_PER_IP=4,
        MAIL_LINK_WINDOW_SECONDS=600,
    )
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _forgot(web: WebClient, email: str, **kwargs):
    token = web.csrf_token("/password/forgot")
    form = {"email": email, "csrf_token": token}
    return web.raw.post("/password/forgot", data=form, headers=EN, **kwargs)


def _mails_to(app, to: str) -> int:
    while worker.run_once(app):
        pass
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    return sum(f"To: {to}" in path.read_text() for path in folder.glob("*.eml"))


def test_a_mailbox_gets_a_few_reset_links_then_429_from_any_address(strict):
    with strict.extensions["db"].unit_of_work() as session:
        factories.user(session, "flood@example.cn")
    web = WebClient(strict)
    assert [_forgot(web, "flood@example.cn").status_code for _ in range(2)] == [302, 302]
    refused = _forgot(WebClient(strict), "FLOOD@example.cn", environ_base=ELSEWHERE)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert REFUSAL in page
    assert 'name="email"' in page and "FLOOD@example.cn" in page  # the form again, as sent
    assert _mails_to(strict, "flood@example.cn") == 2
    # Another mailbox from the same address is still served.
    assert _forgot(web, "other@example.cn").status_code == 302


def test_the_answer_is_the_same_whether_or_not_an_account_exists(strict):
    with strict.extensions["db"].unit_of_work() as session:
        factories.user(session, "real@example.cn")
    answers = {}
    for n, email in enumerate(("real@example.cn", "ghost@example.cn")):
        web, where = WebClient(strict), {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
        statuses = [_forgot(web, email, environ_base=where).status_code for _ in range(3)]
        last = _forgot(web, email, environ_base=where)
        answers[email] = (statuses, last.status_code, last.headers.get("Retry-After") is not None)
    assert answers["real@example.cn"] == answers["ghost@example.cn"]
    assert answers["ghost@example.cn"] == ([302, 302, 429], 429, True)


def test_one_address_is_limited_across_mailboxes_and_both_doors(strict):
    web = WebClient(strict)
    web.sign_up("late@example.cn", confirm=False)  # sign-up's own mail costs nothing
    resent = web.submit("/verify-email", {}, page="/organisations")
    assert resent.status_code == 302
    assert [_forgot(web, f"p{n}@example.cn").status_code for n in range(3)] == [302, 302, 302]
    assert _forgot(web, "p9@example.cn").status_code == 429
    assert _forgot(WebClient(strict), "p9@example.cn", environ_base=ELSEWHERE).status_code == 302


def test_mail_the_confirmation_link_again_is_limited_per_mailbox(strict):
    web = WebClient(strict)
    web.sign_up("again@example.cn", confirm=False)
    for _ in range(2):
        assert web.submit("/verify-email", {}, page="/organisations").status_code == 302
    refused = web.submit("/verify-email", {}, page="/organisations", headers=EN)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert REFUSAL in page
    assert "Mail the link again" in page  # the page with its button again
    assert _mails_to(strict, "again@example.cn") == 3  # sign-up's mail and two more
    # The same mailbox through the other door is refused too.
    assert _forgot(WebClient(strict), "again@example.cn", environ_base=ELSEWHERE).status_code == 429


def test_the_refusal_is_in_chinese_by_default(strict):
    web = WebClient(strict)
    for _ in range(2):
        _forgot(web, "zh@example.cn")
    token = web.csrf_token("/password/forgot")
    refused = web.raw.post("/password/forgot", data={"email": "zh@example.cn", "csrf_token": token})
    assert refused.status_code == 429
    assert "发往此邮箱的链接过多" in refused.get_data(as_text=True)


def test_an_invalid_form_costs_nothing(strict):
    web = WebClient(strict)
    for _ in range(5):
        assert _forgot(web, "not an address").status_code == 422
    assert _forgot(web, "fine@example.cn").status_code == 302


def test_the_limits_are_settings(migrated_database_url, tmp_path):
    config = app_config(migrated_database_url, tmp_path / "instance", MAIL_LINK_MAX_PER_EMAIL=1)
    application = create_app(config)
    try:
        web = WebClient(application)
        assert _forgot(web, "one@example.cn").status_code == 302
        assert _forgot(web, "one@example.cn").status_code == 429
    finally:
        application.extensions["db"].dispose()


def test_two_apps_on_one_redis_share_a_mailbox_limit(migrated_database_url, tmp_path, redis_url):
    """Production's store: every process counts against the same mailbox budget."""
    apps = [
        create_app(
            app_config(
                migrated_database_url,
                tmp_path / f"instance{n}",
                RATELIMIT_STORAGE_URL=redis_url,
                MAIL_LINK_MAX_PER_EMAIL=2,
            )
        )
        for n in range(2)
    ]
    try:
        # Redis outlives the test: a fresh mailbox and fresh addresses start from empty counters.
        run = uuid.uuid4()
        mailbox = f"shared-{run.hex[:12]}@example.cn"
        here, there = ({"REMOTE_ADDR": f"10.{run.bytes[0]}.{run.bytes[1]}.{n}"} for n in (1, 2))
        first, second = (WebClient(app) for app in apps)
        assert _forgot(first, mailbox, environ_base=here).status_code == 302
        assert _forgot(second, mailbox, environ_base=here).status_code == 302
        refused = _forgot(first, mailbox, environ_base=there)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        for app in apps:
            app.extensions["db"].dispose()
