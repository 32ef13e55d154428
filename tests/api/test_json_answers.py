"""The API's JSON: text in UTF-8, not ``\\u`` escapes, under ``application/json``; a list
argument of the query string refused for one of its values names that value at its level."""

from __future__ import annotations

import pytest

from tests.api.test_single_line_fields import _token


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:
    """Arguments are judged before any query: one engine is enough."""
    return request.param


def _search(app, headers, query: str, language: str = "en"):
    return app.test_client().get(
        f"/api/v1/listings/search?{query}", headers=headers | {"Accept-Language": language}
    )


@pytest.mark.parametrize(
    ("query", "name", "value"),
    [
        ("region=atlantis", "region", "atlantis"),
        ("region=shenzhen&region=atlantis", "region", "atlantis"),
        ("category=transport&category=nope", "category", "nope"),
        ("currency=XYZ", "currency", "XYZ"),
        ("provider=abc", "provider", "abc"),
    ],
)
def test_a_refused_value_of_a_list_argument_is_named_at_its_level(app, db, query, name, value):
    response = _search(app, _token(app, db, staff=False), query)
    assert response.status_code == 422
    messages = response.get_json()["errors"][name]
    assert isinstance(messages, list) and len(messages) == 1, messages
    assert messages[0].startswith(f"“{value}”: ")


def test_a_refused_region_lists_the_codes_in_the_callers_language(app, db):
    response = _search(app, _token(app, db, staff=False), "region=atlantis", "zh-CN")
    (message,) = response.get_json()["errors"]["region"]
    assert message.startswith("“atlantis”：须为以下之一：") and "shenzhen" in message


def test_chinese_text_is_sent_as_utf8_under_application_json(app, db):
    response = _search(app, _token(app, db, staff=False), "region=atlantis", "zh-CN")
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_data()
    assert b"\\u" not in body
    assert "须为以下之一".encode() in body
    assert response.get_json()["errors"]["region"]


def test_an_error_page_of_the_api_names_its_text_in_utf8(app):
    response = app.test_client().get("/api/v1/no-such-thing", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert b"\\u" not in response.get_data() and response.get_json()["message"].isascii() is False
