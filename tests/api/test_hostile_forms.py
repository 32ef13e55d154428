"""Form posts (pages' urlencoded forms and the API's multipart operations) refuse what they
cannot read faithfully: bytes that are not UTF-8, a field given twice."""

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from market.listings.models import Demand
from tests import factories
from tests.web import WebClient

NOT_UTF8 = [b"ab\xed\xa0\x80cd", b"ab\xffcd", b"ab\xc0\xafcd"]
NOT_UTF8_IDS = ["surrogate", "ff", "overlong"]


@pytest.fixture
def caller(app, db):
    """(flask client, headers, organisation) for a client with the organisation scopes."""
    organisation = factories.organisation(db, factories.user(db, "owner@forms.cn"))
    scopes = ["org:read", "org:write"]
    client, secret = factories.api_client(db, organisation, scopes)
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret, " ".join(scopes))
    return api, {"Authorization": f"Bearer {token}"}, organisation


def _multipart(parts: list[tuple[str, bytes]]) -> bytes:
    body = b""
    for name, value in parts:
        body += b'--B\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        body += value + b"\r\n"
    return body + b"--B--\r\n"


EVIDENCE = [
    ("legal_representative", "张三".encode()),
    ("registered_address", "深圳市福田区".encode()),
    ("contact_name", "李四".encode()),
    ("contact_email", b"li@forms.cn"),
    ("contact_phone", b"+86 755 1234 5678"),
]


@pytest.mark.parametrize("raw", NOT_UTF8, ids=NOT_UTF8_IDS)
def test_a_multipart_field_that_is_not_utf8_is_refused_naming_it(caller, raw):
    api, headers, organisation = caller
    parts = [*EVIDENCE[:2], ("contact_name", raw), *EVIDENCE[3:]]
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=_multipart(parts),
        headers=headers | {"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"contact_name": ["The text is not valid UTF-8."]}


def _demand_form(web: WebClient, title: bytes) -> bytes:
    token = web.csrf_token("/demands")
    fields = {"need": "保留这段需求文字", "budget": "1,000", "currency": "CNY",
              "deadline": "2030-01-31", "usage_scenario": "research"}  # fmt: skip
    body = b"csrf_token=" + quote(token).encode() + b"&title=" + title
    for name, value in fields.items():
        body += b"&" + name.encode() + b"=" + quote(value).encode()
    return body


@pytest.mark.parametrize(
    "title",
    [b"ab%ED%A0%80cd", b"ab%FFcd", b"ab\xffcd", b"ab\xed\xa0\x80cd"],
    ids=["escaped-surrogate", "escaped-ff", "raw-ff", "raw-surrogate"],
)
def test_a_page_form_that_is_not_utf8_is_refused_beside_the_field(app, db, title):
    factories.organisation(db, factories.user(db, "utf8@forms.cn"))
    db.commit()
    web = WebClient(app)
    web.log_in("utf8@forms.cn", factories.PASSWORD)
    page = web.raw.post(
        "/demands",
        data=_demand_form(web, title),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "保留这段需求文字" in text  # the form again, with what was typed
    assert "不是有效的 UTF-8 文本" in text  # beside the field
    assert db.scalar(sa.select(sa.func.count()).select_from(Demand)) == 0


def test_a_multipart_field_given_twice_is_refused_naming_it(caller):
    # The second value would be dropped unseen: which one the sender meant is not ours to guess.
    api, headers, organisation = caller
    parts = [*EVIDENCE, ("contact_name", "王五".encode())]
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=_multipart(parts),
        headers=headers | {"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"contact_name": ["Given more than once."]}


def test_a_file_given_twice_where_one_is_taken_is_refused_naming_it(caller):
    api, headers, organisation = caller
    body = _multipart(EVIDENCE)[: -len(b"--B--\r\n")]
    for name in ("a.pdf", "b.pdf"):
        body += b'--B\r\nContent-Disposition: form-data; name="licence"; filename="'
        body += name.encode() + b'"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n'
    body += b"--B--\r\n"
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=body,
        headers=headers | {"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == {"licence": ["Given more than once."]}


@pytest.mark.parametrize(
    ("form", "field", "error", "said"),
    [
        ({"client_id": "sj_abc\x00"}, "client_id", "invalid_request", "control characters"),
        (
            {"client_id": "sj_abc", "scope": "org:read\u202e"},
            "scope",
            "invalid_scope",
            "bidirectional",
        ),
        (
            {"client_id": "sj_abc", "client_secret": "a\x07b"},
            "client_secret",
            "invalid_request",
            "control characters",
        ),
    ],
    ids=["nul-in-client-id", "bidi-in-scope", "bell-in-secret"],
)
def test_the_token_endpoint_refuses_a_control_character_the_oauth_way(
    app, form, field, error, said
):
    # RFC 6749 §5.2: a malformed token request is a 400 with `error`; OAuth client libraries
    # read that field, not the API's `errors`.
    response = app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials"} | form
    )
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["error"] == error and body["errors"]["oauth"] == [error]
    (message,) = body["errors"][field]
    assert message.startswith(f"Text may not hold {said}")
    assert body["error_description"] == body["message"]


@pytest.mark.parametrize(
    "query",
    ["q=%FF", "q=\xff", "q=%ED%A0%80", "q=ab%C0%AFcd"],
    ids=["ff", "raw-ff", "surrogate", "overlong"],
)
def test_a_query_that_is_not_utf8_is_refused_naming_the_argument(app, query):
    # The query as a WSGI server hands it over: its bytes, one character each.
    response = app.test_client().get(
        "/api/v1/listings/search", environ_overrides={"QUERY_STRING": query}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"] == {"q": ["The text is not valid UTF-8."]}


@pytest.mark.parametrize("body", [b'{"contact_name": "json"}', b"contact_name=text"])
def test_a_body_that_is_no_form_sent_to_a_form_operation_is_the_wrong_media_type(caller, body):
    # Read as a form, the JSON would be an empty one: "contact_name is missing", though sent.
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=body,
        headers=headers | {"Content-Type": "application/json" if b"{" in body else "text/plain"},
    )
    assert response.status_code == 415, response.get_json()
    assert list(response.get_json()["errors"]) == ["Content-Type"]
