"""API rate limits: per IP without a token, per client with one; 429 with Retry-After."""

from __future__ import annotations

import pytest

from market.app import create_app
from tests import factories
from tests.conftest import app_config


@pytest.fixture
def limited(migrated_database_url, tmp_path):
    """An app allowing anonymous callers 3 requests a minute and clients 5."""
    config = app_config(
        migrated_database_url,
        tmp_path / "instance",
        RATELIMIT_ANONYMOUS="3/minute",
        RATELIMIT_CLIENT="5/minute",
    )
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _headers(app, db_scopes=("catalog:read",)):
    with app.extensions["db"].unit_of_work() as session:
        organisation = factories.organisation(session, factories.user(session))
        client, secret = factories.api_client(session, organisation, list(db_scopes))
        client_id = client.client_id
    token = factories.token(app.test_client(), client_id, secret)
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_callers_are_limited_per_ip_with_retry_after(limited):
    api = limited.test_client()
    statuses = [api.get("/api/v1/organisations").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/organisations")
    assert refused.get_json()["code"] == 429
    assert "Retry-After" in refused.get_json()["message"]  # not the limiter's "3 per 1 minute"
    chinese = api.get("/api/v1/organisations", headers={"Accept-Language": "zh-CN"}).get_json()
    assert chinese["message"] == "请求过多。请按 Retry-After 头给出的秒数等待后再试。"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address has its own allowance.
    other = api.get("/api/v1/organisations", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_a_token_gets_its_own_higher_limit_per_client(limited):
    api = limited.test_client()
    for _ in range(3):
        api.get("/api/v1/organisations")
    assert api.get("/api/v1/organisations").status_code == 429
    first, second = _headers(limited), _headers(limited)
    statuses = [api.get("/api/v1/organisations", headers=first).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert api.get("/api/v1/organisations", headers=second).status_code == 200


def test_retry_after_is_sent_only_with_a_refusal(limited):
    # RFC 9110 §10.2.3: Retry-After means something on 429 and 503 (and redirects); on a 200
    # a client's generic retry helper would wait for nothing.
    api = limited.test_client()
    headers = _headers(limited)
    answered = api.get("/api/v1/organisations", headers=headers)
    assert answered.status_code == 200
    assert "X-RateLimit-Remaining" in answered.headers
    assert "Retry-After" not in answered.headers
    assert "Retry-After" not in api.get("/api/v1/organisations/2147483647").headers  # a 404
    for _ in range(5):
        api.get("/api/v1/organisations", headers=headers)
    assert int(api.get("/api/v1/organisations", headers=headers).headers["Retry-After"]) > 0
