"""Refusals that say what was wrong: a list field sent a string, a bidirectional control or a
lone surrogate named as such, an Authorization header in another scheme than Bearer, a JSON
body declared in a charset other than UTF-8."""

import json

import pytest

from tests.api.test_hostile_input import caller  # noqa: F401 (a fixture)

ASSET = {"kind": "dataset", "title_zh": "测试", "title_en": "Test", "industry": "transport"}


def test_a_list_sent_as_a_string_is_refused_naming_it(caller):  # noqa: F811
    api, headers, _organisation = caller
    response = api.post("/api/v1/assets", json=ASSET | {"keywords": "traffic"}, headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["keywords"]
    assert api.get("/api/v1/assets", headers=headers).get_json() == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a\u202eb", "bidirectional"),
        ("a\u2067b", "bidirectional"),
        ("a\ud800b", "lone surrogates"),
        ("a\x00b", "control characters"),
    ],
)
def test_a_forbidden_character_is_named_for_what_it_is(caller, text, said):  # noqa: F811
    api, headers, _organisation = caller
    body = json.dumps(ASSET | {"title_en": text})  # ASCII escapes: a lone surrogate survives
    response = api.post(
        "/api/v1/assets", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["title_en"]
    assert said in message
    if said == "lone surrogates":
        return  # a query is bytes: a lone surrogate's are not UTF-8, refused as such
    query = api.get("/api/v1/listings/search", query_string={"q": text})
    assert query.status_code == 422
    assert said in query.get_json()["errors"]["q"][0]


def test_another_authorization_scheme_is_told_to_send_a_bearer_token(caller):  # noqa: F811
    api, _headers, _organisation = caller
    response = api.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    errors = response.get_json()["errors"]
    assert list(errors) == ["Authorization"]
    assert "Bearer" in errors["Authorization"][0]


@pytest.mark.parametrize(
    "charset", ["latin-1", "ISO-8859-1", "utf-16", "gbk", "utf-8", "UTF-8", "utf8"]
)
def test_a_json_body_is_read_only_when_declared_utf8(caller, charset):  # noqa: F811
    api, headers, _organisation = caller
    response = api.post(
        "/api/v1/assets",
        data=json.dumps(ASSET),
        content_type=f"application/json; charset={charset}",
        headers=headers,
    )
    if charset.lower() in ("utf-8", "utf8"):
        assert response.status_code == 201
        return
    assert response.status_code == 415
    errors = response.get_json()["errors"]
    assert errors["charset"] == [charset]
    assert "Content-Type" in errors
    assert api.get("/api/v1/assets", headers=headers).get_json() == []


def test_two_form_parts_without_a_name_are_refused_naming_content_disposition(caller):  # noqa: F811
    api, headers, organisation = caller
    boundary = "b0undary"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="\\"\r\n\r\nx\r\n'
    body = (part * 2 + f"--{boundary}--\r\n").encode()
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.get_json()["errors"]) == ["Content-Disposition"]
