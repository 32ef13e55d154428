"""Failed sign-ins are throttled per address and per account, on the page and the token
endpoint alike: 429 with Retry-After and a message in the reader's language."""

from __future__ import annotations

import pytest

from market.app import create_app
from tests import factories
from tests.conftest import app_config
from tests.web import WebClient

ELSEWHERE = {"REMOTE_ADDR": "10.9.8.7"}


@pytest.fixture
def strict(migrated_database_url, tmp_path):
    """An app allowing 3 failed sign-ins per account and 5 per address in 10 minutes."""
    config = app_config(
        migrated_database_url,
        tmp_path / "instance",
        LOGIN_MAX_FAILURES=3,
        LOGIN_MAX_FAILURES_PER_IP=5,
        LOGIN_WINDOW_SECONDS=600,
    )
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _users(app, *emails):
    with app.extensions["db"].unit_of_work() as session:
        for email in emails:
            factories.user(session, email)


def _client(app) -> tuple[str, str]:
    with app.extensions["db"].unit_of_work() as session:
        organisation = factories.organisation(session)
        client, secret = factories.api_client(session, organisation, ["catalog:read"])
        return client.client_id, secret


def _log_in(web: WebClient, email: str, password: str, **kwargs):
    token = web.csrf_token("/login")
    form = {"email": email, "password": password, "csrf_token": token}
    return web.raw.post("/login", data=form, **kwargs)


def _token(app, client_id: str, secret: str, **kwargs):
    return app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        **kwargs,
    )


def test_an_account_is_throttled_after_its_failures_from_any_address(strict):
    _users(strict, "ann@example.cn")
    web = WebClient(strict)
    addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    for address in addresses:
        refused = _log_in(
            web, "ann@example.cn", "wrong password!", environ_base={"REMOTE_ADDR": address}
        )
        assert refused.status_code == 401
    throttled = _log_in(web, "ANN@example.cn", factories.PASSWORD, environ_base=ELSEWHERE)
    assert throttled.status_code == 429  # even the right password, from a new address, waits
    assert 0 < int(throttled.headers["Retry-After"]) <= 600
    assert "登录失败次数过多" in throttled.get_data(as_text=True)
    assert web.get("/account").status_code == 302
    # Another account from the same address is not held up by Ann's failures.
    _users(strict, "bo@example.cn")
    assert (
        _log_in(web, "bo@example.cn", factories.PASSWORD, environ_base=ELSEWHERE).status_code == 302
    )


def test_one_password_sprayed_across_accounts_is_throttled_per_address(strict):
    emails = [f"spray{n}@example.cn" for n in range(6)]
    _users(strict, *emails)
    web = WebClient(strict)
    statuses = [_log_in(web, email, "Password123!").status_code for email in emails]
    assert statuses == [401] * 5 + [429]
    # Ann's own address is not held up by the sprayer's.
    assert _log_in(web, emails[5], factories.PASSWORD, environ_base=ELSEWHERE).status_code == 302


def test_the_message_is_in_the_readers_language(strict):
    _users(strict, "cy@example.cn")
    web = WebClient(strict)
    english = {"Accept-Language": "en"}
    for _ in range(3):
        _log_in(web, "cy@example.cn", "wrong password!", headers=english)
    throttled = _log_in(web, "cy@example.cn", "wrong password!", headers=english)
    assert throttled.status_code == 429
    assert "Too many failed sign-ins. Try again in 10 minutes." in throttled.get_data(as_text=True)


def test_successful_sign_ins_do_not_count(strict):
    _users(strict, "dee@example.cn")
    for _ in range(6):
        assert _log_in(WebClient(strict), "dee@example.cn", factories.PASSWORD).status_code == 302


def test_the_token_endpoint_is_throttled_per_client_with_a_json_429(strict):
    client_id, secret = _client(strict)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        refused = _token(strict, client_id, "not the secret", environ_base={"REMOTE_ADDR": address})
        assert refused.status_code == 401
    throttled = _token(strict, client_id, secret, environ_base=ELSEWHERE)
    assert throttled.status_code == 429
    body = throttled.get_json()
    assert body["code"] == 429 and "Too many failed sign-ins" in body["message"]
    assert int(throttled.headers["Retry-After"]) > 0
    # RFC 6749 §5.2's fields, as every other refusal of the token endpoint carries them.
    assert body["error"] == "too_many_requests" == body["errors"]["oauth"][0]
    assert body["error_description"] == body["message"]


def test_the_page_and_the_token_endpoint_share_one_budget_per_address(strict):
    _users(strict, "eve@example.cn", "fay@example.cn")
    client_id, secret = _client(strict)
    web = WebClient(strict)
    assert _log_in(web, "eve@example.cn", "wrong password!").status_code == 401
    assert _log_in(web, "fay@example.cn", "wrong password!").status_code == 401
    assert _token(strict, client_id, "wrong").status_code == 401
    assert _token(strict, "no-such-client", "wrong").status_code == 401
    assert _token(strict, "another-client", "wrong").status_code == 401
    assert _token(strict, client_id, secret).status_code == 429
    assert _log_in(web, "eve@example.cn", factories.PASSWORD).status_code == 429
