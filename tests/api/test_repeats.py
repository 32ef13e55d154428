"""A value given twice is refused, never merged away: a list of choices or ids names each once,
a query parameter that takes one value is given once, and a JSON object names each key once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.oauth.models import OAuthClient
from tests import factories
from tests.api.test_single_line_fields import _token
from tests.web import WebClient


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:
    """Validation happens before any query: one engine is enough."""
    return request.param


@pytest.mark.parametrize(
    ("staff", "method", "path", "body", "errors"),
    [
        (
            False,
            "POST",
            "/api/v1/organisations/1/clients",
            {"name": "dup", "scopes": ["org:read", "org:read"]},
            {"scopes": ["Each value may be listed once: org:read is repeated."]},
        ),
        (
            False,
            "POST",
            "/api/v1/uploads/no-such-upload/parts",
            {"parts": [1, 2, 1]},
            {"parts": ["Each value may be listed once: 1 is repeated."]},
        ),
        (
            True,
            "POST",
            "/api/v1/finance/payout-batches",
            {"currency": "CNY", "organisation_ids": [2, 2]},
            {"organisation_ids": ["Each value may be listed once: 2 is repeated."]},
        ),
    ],
)
def test_a_list_of_choices_or_ids_refuses_a_repeat_naming_it(
    app, db, staff, method, path, body, errors
):
    headers = _token(app, db, staff=staff)
    response = app.test_client().open(path, method=method, headers=headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == errors


def test_a_territory_named_twice_in_licence_terms_is_refused(app, db):
    headers = _token(app, db, staff=False)
    terms = {"scenarios": ["research"], "territory": ["CN", "CN"], "cross_border": False}
    response = app.test_client().post(
        "/api/v1/provider/listings", headers=headers, json={"asset_id": 1, "terms": terms}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["terms"]["territory"] == [
        "Each value may be listed once: CN is repeated."
    ]


def test_a_page_form_naming_a_scope_twice_is_refused(app, db):
    owner = factories.user(db, "repeat-owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    web = WebClient(app)
    web.log_in("repeat-owner@example.cn", factories.PASSWORD)
    page_path = f"/organisations/{organisation.id}/clients"
    page = web.submit(
        page_path, {"name": "dup", "scopes": ["org:read", "org:read"]}, page=page_path
    )
    assert page.status_code == 422
    assert "org:read" in page.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(OAuthClient)) == 0


@pytest.mark.parametrize("query", ["page=1&page=2", "page_size=1&page_size=2"])
def test_a_query_parameter_given_twice_is_refused_naming_it(app, db, query):
    headers = _token(app, db, staff=False)
    response = app.test_client().get(f"/api/v1/orders?{query}", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {query.split("=")[0]: ["Given more than once."]}


def test_a_list_query_parameter_may_be_given_once_per_item(app, db):
    headers = _token(app, db, staff=False)
    response = app.test_client().get(
        "/api/v1/listings/search?category=transport&category=meteorology", headers=headers
    )
    assert response.status_code == 200, response.get_json()


def test_a_json_key_given_twice_is_refused_naming_it(app, db):
    headers = _token(app, db, staff=False)
    response = app.test_client().post(
        "/api/v1/orders",
        headers=headers,
        data='{"plan_id": 1, "usage_scenario": "research", "plan_id": 2}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["plan_id"]


@pytest.mark.parametrize("body", ["terms=港铁&terms=地铁", "terms=港铁"])
def test_a_form_sent_to_a_json_operation_is_told_to_send_json(app, db, body):
    # A repeated field used to be named as given twice, as if a form were read there at all.
    headers = _token(app, db, staff=True)
    response = app.test_client().post(
        "/api/v1/search/synonyms",
        headers=headers,
        data=body.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415, response.get_json()
    assert response.get_json()["errors"] == {
        "Content-Type": ["Send the body as JSON (Content-Type: application/json)."]
    }
