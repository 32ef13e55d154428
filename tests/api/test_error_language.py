"""API field messages follow Accept-Language like the error's message does: marshmallow's own
messages and the rules' ones, through the same table the pages use; codes stay as sent."""

import pytest

from tests import factories

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def caller(app, db):
    """(flask client, headers, organisation) for a client with org and catalog scopes."""
    organisation = factories.organisation(db, factories.user(db, "owner@language.cn"))
    client, secret = factories.api_client(
        db, organisation, ["org:read", "org:write", "catalog:read"]
    )
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret)
    return api, {"Authorization": f"Bearer {token}"}, organisation


@pytest.mark.parametrize(
    ("language", "expected"),
    [(ZH, "请输入整数。"), (EN, "Not a valid integer.")],
    ids=["zh", "en"],
)
def test_a_query_field_message_is_in_the_callers_language(caller, language, expected):
    api, headers, _organisation = caller
    response = api.get("/api/v1/listings/search?price_min=abc", headers=headers | language)
    assert response.status_code == 422
    assert response.get_json()["errors"]["price_min"] == [expected]


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("price_min=500&price_max=100", "price_max", "The end may not be before the start."),
        ("year_from=2020&year_to=2015", "year_to", "The end may not be before the start."),
    ],
    ids=["price", "year"],
)  # fmt: skip
def test_a_reversed_range_is_refused_naming_its_upper_end(caller, query, field, expected):
    api, headers, _organisation = caller
    response = api.get(f"/api/v1/listings/search?{query}", headers=headers | EN)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {field: [expected]}
    same = api.get("/api/v1/listings/search?price_min=100&price_max=100", headers=headers)
    assert same.status_code == 200  # both ends are included: one price is a range


def test_a_body_field_message_is_translated_and_keeps_the_allowed_codes(caller):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        json={"email": "a@b.cn", "role": "emperor"},
        headers=headers | ZH,
    )
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["role"]
    assert message.startswith("须为以下之一：") and "member" in message


@pytest.mark.parametrize(
    ("path", "field", "en", "zh"),
    [
        (f"/api/v1/listings/suggest?q={'a' * 101}", "q", "At most 100 characters.", "最多 100 个字符。"),
        ("/api/v1/listings/search?page_size=500", "page_size", "From 1 to 100.", "须在 1 到 100 之间。"),
        ("/api/v1/listings/search?page=0", "page", "At least 1.", "不能小于 1。"),
    ],
    ids=["length", "range", "page"],
)  # fmt: skip
def test_marshmallows_own_messages_are_sentences_in_the_callers_language(
    caller, path, field, en, zh
):
    api, headers, _organisation = caller
    for language, expected in ((EN, en), (ZH, zh)):
        response = api.get(path, headers=headers | language)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"][field] == [expected]
