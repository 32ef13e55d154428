"""Authentication comes first: a request to a protected operation without a valid token is a
401 whatever its query or body holds, so an anonymous caller learns nothing of the fields an
operation accepts; and a token without the scope is a 403 before its input is judged."""

from __future__ import annotations

import pytest

from tests.api.test_single_line_fields import _token


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:
    """Authentication happens before any input is read: one engine is enough."""
    return request.param


PROBES = [
    ("GET", "/api/v1/finance/recon/audit?bogus=1", {}),
    ("GET", "/api/v1/orders?page=1&page=2", {}),
    ("POST", "/api/v1/finance/recon/runs", {"json": {"bogus": 1}}),
    ("PATCH", "/api/v1/organisations/7", {"json": {"description": "a\u202eb"}}),
    ("POST", "/api/v1/orders/1/disputes", {"json": {"reason": "a\u0001b"}}),
    ("POST", "/api/v1/orders", {"data": "{not json", "content_type": "application/json"}),
    ("POST", "/api/v1/orders/1/cancel", {"json": {"reason": "x"}}),
]


@pytest.mark.parametrize(("method", "path", "request_kwargs"), PROBES)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_a_caller_without_a_valid_token_gets_401_whatever_it_sends(
    app, method, path, request_kwargs, authorization
):
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().open(path, method=method, headers=headers, **request_kwargs)
    assert response.status_code == 401, response.get_json()
    assert list(response.get_json()["errors"]) == ["reason"]


def test_a_token_without_the_scope_is_403_before_its_input_is_judged(app, db):
    headers = _token(app, db, staff=False)
    response = app.test_client().get("/api/v1/finance/recon/audit?bogus=1", headers=headers)
    assert response.status_code == 403
    assert "scope" in response.get_json()["errors"]


def test_a_public_operation_still_judges_the_input_of_an_anonymous_caller(app):
    response = app.test_client().get("/api/v1/listings/search?bogus=1")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["bogus"]
