"""API rate limits: per IP without a token, per client with one; 429 with Retry-After."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from market.app import create_app
from market.ratelimit import SweptMemoryStorage, storage_uri
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


def test_counting_a_request_starts_no_thread(limited, monkeypatch):
    # The library's memory storage started a timer thread on nearly every hit, and the request
    # waited to see it running: milliseconds on a loaded machine.
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(
        threading.Thread, "start", lambda thread: started.append(thread) or real_start(thread)
    )
    api = limited.test_client()
    headers = _headers(limited)
    started.clear()  # the token request above may sweep; the timed ones must not thread
    for _ in range(3):
        assert api.get("/api/v1/organisations", headers=headers).status_code == 200
        assert api.get("/api/v1/organisations").status_code == 200
    assert started == []
    assert isinstance(limited.extensions["limiter"].storage, SweptMemoryStorage)


def test_a_moving_window_frees_its_entries_on_time_with_no_sweep_between():
    storage = SweptMemoryStorage("shujiao-memory://")
    storage.SWEEP_SECONDS = 3600.0
    window = MovingWindowRateLimiter(storage)
    limit = parse("2/second")
    assert [window.hit(limit, "client:a") for _ in range(3)] == [True, True, False]
    assert window.hit(limit, "client:b")  # its own bucket
    time.sleep(1.05)
    assert window.hit(limit, "client:a")  # the window moved on though nothing was swept
    assert len(storage.events[limit.key_for("client:a")]) == 3  # the two expired ones still held


def test_expired_entries_are_swept_by_a_later_hit():
    storage = SweptMemoryStorage("shujiao-memory://")
    window = MovingWindowRateLimiter(storage)
    limit = parse("5/second")
    assert window.hit(limit, "client:a")
    time.sleep(1.05)  # past both the entry's second and the sweep's
    assert window.hit(limit, "client:b")
    assert not storage.events.get(limit.key_for("client:a"))
    assert len(storage.events[limit.key_for("client:b")]) == 1


def test_memory_storage_is_the_swept_one_and_others_are_left_alone():
    assert storage_uri("memory://") == "shujiao-memory://"
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
