"""Hostile input answers 4xx, never 5xx: huge integers, bodies that are not JSON objects, deep
nesting, oversized bodies; and the settings that guard the session cookie take effect."""

import io
import json

import pytest
import sqlalchemy as sa

from market.app import ONE_REQUEST_LIMITS, create_app
from market.listings.models import Demand
from tests import factories
from tests.conftest import app_config
from tests.web import WebClient

HUGE = 2**64 + 1
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def caller(app, db):
    """(flask client, headers, organisation) for a client with every organisation scope."""
    organisation = factories.organisation(db, factories.user(db, "owner@hostile.cn"))
    scopes = ["org:read", "org:write", "catalog:read", "registry:read", "registry:write"]
    scopes += ["orders:read", "orders:write", "catalog:write"]
    client, secret = factories.api_client(db, organisation, scopes)
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret, " ".join(scopes))
    return api, {"Authorization": f"Bearer {token}"}, organisation


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/organisations/{HUGE}",
        f"/api/v1/organisations/{2**31}",
        f"/api/v1/assets/{HUGE}",
        f"/api/v1/orders/{2**40}",
        f"/api/v1/listings/{HUGE}",
        f"/demands/{HUGE}",
        f"/market/listings/{2**40}",
    ],
)
def test_ids_beyond_their_column_are_not_found(caller, path):
    api, headers, _organisation = caller
    assert api.get(path, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (f"page={2**31 - 1}", 404),
        (f"page={2**31}", 422),
        (f"page={HUGE}", 422),
        (f"page={2**62}", 422),
        ("page=99999999999999999999", 422),
        ("page=1.5", 422),
        ("page_size=2.0", 422),
    ],
)
def test_no_page_number_makes_the_database_overflow(caller, query, status):
    api, headers, _organisation = caller
    response = api.get(f"/api/v1/organisations?{query}", headers=headers)
    assert response.status_code == status
    # Far past the end is the 404 of any page past the last (no OFFSET overflow); the rest 422.
    assert list(response.get_json()["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan_id": HUGE, "usage_scenario": "research"}, "plan_id"),
        ({"plan_id": 2**31, "usage_scenario": "research"}, "plan_id"),
        ({"plan_id": 1.5, "usage_scenario": "research"}, "plan_id"),
        ({"plan_id": True, "usage_scenario": "research"}, "plan_id"),
        ({"plan_id": "1", "usage_scenario": "research"}, "plan_id"),
        ({"plan_id": " 7 ", "usage_scenario": "research"}, "plan_id"),
    ],
)
def test_integers_in_bodies_are_exact_and_bounded(caller, body, field):
    api, headers, _organisation = caller
    response = api.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ('{"plan_id": 1e309, "usage_scenario": "research"}', "plan_id"),
        ('{"plan_id": -1e309, "usage_scenario": "research"}', "plan_id"),
        ('{"plan_id": ' + "9" * 5000 + ', "usage_scenario": "research"}', "plan_id"),
        ('{"plan_id": 1, "usage_scenario": "research", "x": [0, 1e309]}', "x"),
    ],
    ids=["huge-float", "huge-negative-float", "thousands-of-digits", "nested"],
)
def test_a_number_too_large_to_read_is_out_of_range_naming_its_field(caller, payload, field):
    # Valid JSON (RFC 8259 sets no limit): the number is refused, not the body's syntax.
    api, headers, _organisation = caller
    response = api.post(
        "/api/v1/orders", data=payload, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    errors = response.get_json()["errors"]
    assert list(errors) == [field]
    assert "Number out of range." in str(errors[field])


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_json_operation_refuses_another_media_type(caller, content_type):
    api, headers, _organisation = caller
    body = json.dumps({"plan_id": 1, "usage_scenario": "research"})
    response = api.post(
        "/api/v1/orders", data=body, headers=headers | {"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.get_json()["errors"] == {
        "Content-Type": ["Send the body as JSON (Content-Type: application/json)."]
    }


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-16", "research"), ("utf-32", "research"), ("gbk", "研究"), ("latin-1", "café")],
)
def test_json_that_is_not_utf8_is_refused_as_not_utf8(caller, encoding, text):
    api, headers, _organisation = caller
    body = json.dumps({"plan_id": 1, "usage_scenario": text}, ensure_ascii=False)
    body = body.encode(encoding)
    response = api.post(
        "/api/v1/orders", data=body, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "body": ["The body is not valid UTF-8: send JSON as UTF-8."]
    }


def test_json_that_is_utf8_with_a_byte_order_mark_is_not_valid_json(caller):
    # UTF-8 all the same, so not called otherwise: RFC 8259 has no byte order mark.
    api, headers, _organisation = caller
    body = json.dumps({"plan_id": 1, "usage_scenario": "research"}).encode("utf-8-sig")
    response = api.post(
        "/api/v1/orders", data=body, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"body": ["The body is not valid JSON."]}


def test_a_plan_that_is_not_found_is_named(caller):
    api, headers, _organisation = caller
    body = {"plan_id": 2147483646, "usage_scenario": "research"}
    response = api.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 404
    assert list(response.get_json()["errors"]) == ["plan_id"]


def test_an_id_below_one_is_refused_naming_its_field(caller):
    api, headers, _organisation = caller
    body = {"plan_id": 0, "usage_scenario": "research"}
    response = api.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["plan_id"] == [
        "Number out of range: from 1 to 2147483647."
    ]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/orders/2147483646", "order_id"),
        (f"/api/v1/orders/{2**31}", "order_id"),
        ("/api/v1/orders/99999999999999999999", "order_id"),
        (f"/api/v1/orders/{'9' * 5000}", "order_id"),
        (f"/api/v1/assets/{2**31}", "asset_id"),
    ],
)
def test_a_404_names_the_id_of_the_url(caller, path, field):
    api, headers, _organisation = caller
    response = api.get(path, headers=headers)
    assert response.status_code == 404
    assert list(response.get_json()["errors"]) == [field]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/orders/\u0661", "/api/v1/orders/\uff11", "/api/v1/assets/\U0001d7cf"],
    ids=["arabic-indic", "full-width", "mathematical"],
)
def test_an_id_in_other_digits_is_no_address(caller, path):
    api, headers, _organisation = caller
    response = api.get(path, headers=headers)
    assert response.status_code == 404
    assert list(response.get_json()["errors"]) == ["path"]


@pytest.mark.parametrize("path", ["payments/stripe", "payments/stripe/refresh"])
def test_card_payment_of_an_unknown_order_is_not_found_without_stripe(caller, path):
    api, headers, _organisation = caller
    response = api.post(f"/api/v1/orders/2147483646/{path}", headers=headers)
    assert response.status_code == 404


@pytest.mark.parametrize("deadline", ["9999-12-31", "0001-01-01", "1969-12-31", "2201-01-01"])
def test_dates_outside_the_years_of_the_exchange_are_refused(caller, deadline):
    api, headers, _organisation = caller
    body = {"title": "ab", "need": "x", "budget_minor": 100, "currency": "CNY"}
    body |= {"deadline": deadline, "usage_scenario": "research"}
    response = api.post("/api/v1/demands", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["deadline"] == ["Year out of range: from 1970 to 2200."]


@pytest.mark.parametrize(
    "payload",
    ["[]", "null", '"x"', "1", "1e999999", "[" * 50_000 + "]" * 50_000, '{"a":' * 50_000],
    ids=["list", "null", "string", "number", "huge-float", "deep-list", "deep-object"],
)
def test_a_body_that_is_not_a_json_object_is_refused(caller, payload):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        data=payload,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:200]
    assert set(response.get_json()) == {"code", "status", "message", "errors"}
    listed = api.get(f"/api/v1/organisations/{organisation.id}/invitations", headers=headers)
    assert listed.get_json() == []


@pytest.fixture
def small_app(migrated_database_url, tmp_path):
    """The app with a 1 KiB limit on every file sent in one request."""
    limits = dict.fromkeys(ONE_REQUEST_LIMITS, 1024)
    config = app_config(migrated_database_url, tmp_path / "instance", **limits)
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _bearer(app) -> str:
    """An ``Authorization`` header for an ``orders:write`` client of ``app``'s database: the
    size of a body is judged once its caller is known."""
    with app.extensions["db"].unit_of_work() as session:
        organisation = factories.organisation(session, factories.user(session, "big@hostile.cn"))
        api_client, secret = factories.api_client(session, organisation, ["orders:write"])
        client_id = api_client.client_id
    return f"Bearer {factories.token(app.test_client(), client_id, secret)}"


def test_a_body_above_the_limit_is_refused_before_it_is_read(small_app):
    limit = small_app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 + 1024 * 1024
    body = json.dumps({"id": "evt_1", "padding": "x" * (limit + 1)})
    client = small_app.test_client()
    response = client.post(
        "/api/v1/orders",
        data=body,
        content_type="application/json",
        headers={"Authorization": _bearer(small_app)},
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == 413
    page = client.post("/login", data={"email": "a@b.cn", "password": "x" * (limit + 1)})
    assert page.status_code == 413


def test_the_session_cookie_is_http_only_and_same_site(client, db):
    factories.user(db, "cookie@example.cn")
    db.commit()
    response = client.log_in("cookie@example.cn")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"email": "a\\u0000@b.cn"}', "email"),
        ('{"email": "\\ud800@b.cn"}', "email"),
        ('{"email": "a@b.cn", "role": "member\\u0007"}', "role"),
        ('{"email\\u0000": "a@b.cn"}', "email\x00"),
        ('{"email": "a@b.cn", "message": "\\u0001"}', "message"),
        ('{"email": "a@b.cn", "field": "\\u0001"}', "field"),
    ],
    ids=["nul", "lone-surrogate", "bell", "in-a-key", "named-message", "named-field"],
)
def test_control_characters_in_json_are_refused_naming_the_field(caller, body, field):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        data=body,
        headers=headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/uploads/%00", "token"),
        ("/api/v1/certificates/a%00b", "number"),
        ("/api/v1/valuation-reports/%1b", "number"),
        ("/verify/%00", "number"),
    ],
)
def test_control_characters_in_the_path_are_refused_naming_the_parameter(caller, path, field):
    api, headers, _organisation = caller
    response = api.get(path, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert field in response.get_json()["errors"]


def test_control_characters_in_the_query_are_refused(caller):
    api, headers, _organisation = caller
    response = api.get("/api/v1/listings/search?q=%00abc", headers=headers)
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


def test_a_refused_page_speaks_one_language(app):
    page = app.test_client().get("/market?q=%00").get_data(as_text=True)
    assert "不允许包含控制字符" in page
    assert "Text may not hold control characters." not in page


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/me", "/api/openapi.json", "/nowhere"])
def test_every_response_carries_the_security_headers(app, path):
    response = app.test_client().get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "Strict-Transport-Security" not in headers
    secure = app.test_client().get(path, base_url="https://shujiao.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_page_carries_inline_script():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        for line in path.read_text().splitlines()
        if "<script" in line and "src=" not in line
    ]
    assert inline == []


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/login", {"GET", "HEAD", "OPTIONS", "POST"}),
    ],
)
def test_method_not_allowed_says_which_are(app, method, path, allowed):
    response = app.test_client().open(path, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


@pytest.mark.parametrize("method", [5, None, ["pm_card_visa"], {"id": "pm"}])
def test_a_page_reading_json_refuses_a_wrong_type_naming_the_field(app, db, method):
    factories.user(db, "card@hostile.cn")
    db.commit()
    web = WebClient(app)
    web.log_in("card@hostile.cn", factories.PASSWORD)
    response = web.raw.post(
        "/orders/1/checkout/card",
        json={"payment_method": method},
        headers={"X-CSRFToken": web.csrf_token("/")},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "payment_method" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "part",
    [b"Content-Disposition: form-data", b'Content-Disposition: form-data; filename="x.csv"'],
    ids=["field", "file"],
)
def test_a_multipart_part_without_a_name_is_refused(caller, part):
    api, headers, organisation = caller
    body = b"--B\r\n" + part + b"\r\n\r\nhello\r\n--B--\r\n"
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=body,
        headers=headers | {"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["Content-Disposition"]


def test_a_chunked_body_over_the_limit_is_too_large_not_malformed(small_app):
    limit = small_app.config["MAX_CONTENT_LENGTH"]
    client = small_app.test_client()
    chunked = {"headers": {"Transfer-Encoding": "chunked", "Authorization": _bearer(small_app)}}
    chunked["environ_overrides"] = {"wsgi.input_terminated": True}  # as a server reading chunks
    body = json.dumps({"plan_id": 1, "padding": "x" * (limit + 1)}).encode()
    response = client.post(
        "/api/v1/orders", input_stream=io.BytesIO(body), content_type="application/json", **chunked
    )
    assert response.status_code == 413
    assert response.get_json()["limit"] == limit
    assert list(response.get_json()["errors"]) == ["body"]
    form = b"email=a%40b.cn&password=" + b"x" * (limit + 1)
    del chunked["headers"]["Authorization"]
    page = client.post("/login", input_stream=io.BytesIO(form), content_type=FORM, **chunked)
    assert page.status_code == 413


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"json": {"reason": "dup"}}, {"reason": ["Unknown field."]}),
        ({"data": "reason=dup", "content_type": FORM}, {"body": ["This operation takes no body."]}),
    ],
)
def test_a_body_sent_to_an_operation_that_takes_none_is_refused(caller, body, errors):
    api, headers, _organisation = caller
    response = api.post("/api/v1/orders/1/cancel", headers=headers, **body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == errors
    assert api.post("/api/v1/orders/1/cancel", headers=headers, json={}).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/orders", "/api/v1/organisations"])
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"json": {"a": 1}}, {"a": ["Unknown field."]}),
        (
            {"data": "hello", "content_type": "text/plain"},
            {"body": ["This operation takes no body."]},
        ),
    ],
)
def test_a_body_sent_with_a_get_is_refused_like_any_unread_body(caller, path, body, errors):
    api, headers, _organisation = caller
    response = api.get(path, headers=headers, **body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == errors


def test_a_get_parameter_sent_in_a_body_is_told_to_go_in_the_query_string(caller):
    api, headers, _organisation = caller
    response = api.get(
        "/api/v1/listings/search", headers=headers, json={"q": "公交", "page": 2, "colour": 1}
    )
    assert response.status_code == 422
    told = "This operation takes no body: send this parameter in the query string (?name=value)."
    assert response.get_json()["errors"] == {
        "q": [told], "page": [told], "colour": ["Unknown field."]
    }  # fmt: skip


def test_an_upload_part_sent_as_a_form_is_the_wrong_media_type(caller):
    api, headers, _organisation = caller
    response = api.put(
        "/api/v1/uploads/no-such-upload/parts/1",
        headers=headers,
        data=b"a,b\n1,2\n",
        content_type=FORM,
    )
    assert response.status_code == 415
    assert list(response.get_json()["errors"]) == ["Content-Type", "expected"]


def test_a_control_character_in_a_header_is_refused_naming_it(caller):
    api, headers, _organisation = caller
    response = api.post(
        "/api/v1/orders",
        headers=headers | {"Idempotency-Key": "a\x01b"},
        json={"plan_id": 1, "usage_scenario": "research"},
    )
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]


@pytest.mark.parametrize("key", ["", " "])
def test_an_empty_idempotency_key_is_refused_not_taken_as_none(caller, key):
    api, headers, _organisation = caller
    response = api.post(
        "/api/v1/orders",
        headers=headers | {"Idempotency-Key": key},
        json={"plan_id": 1, "usage_scenario": "research"},
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]


def test_a_list_of_choices_names_each_once(caller, db):
    api, headers, organisation = caller
    asset = api.post(
        "/api/v1/assets",
        headers=headers,
        json={"kind": "dataset", "title_zh": "数据", "title_en": "Data", "industry": "transport"},
    )
    assert asset.status_code == 201, asset.get_json()
    claim = {"asset_id": asset.get_json()["id"], "source": "self_collected"}
    refused = api.post(
        "/api/v1/claims", headers=headers, json=claim | {"rights": ["copyright", "copyright"]}
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {
        "rights": ["Each value may be listed once: copyright is repeated."]
    }


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidi_controls_are_refused_in_free_text_at_both_doors(caller, app, db, control):
    api, headers, _organisation = caller
    note = f"请按\n合同{control}款退还"
    response = api.post(
        "/api/v1/orders",
        headers=headers,
        json={"plan_id": 1, "usage_scenario": "research", "usage_note": note},
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["usage_note"]
    factories.user(db, "bidi@hostile.cn")
    db.commit()
    web = WebClient(app)
    web.log_in("bidi@hostile.cn", factories.PASSWORD)
    page = web.submit("/demands", {"title": "数据", "need": note}, page="/demands")
    assert page.status_code == 422
    assert "不允许包含双向嵌入、覆盖和隔离字符" in page.get_data(as_text=True)


@pytest.mark.parametrize("control", ["\u202e", "\x01"])
def test_a_page_form_refused_for_a_control_character_keeps_what_was_typed(app, db, control):
    factories.organisation(db, factories.user(db, "kept@hostile.cn"))
    db.commit()
    web = WebClient(app)
    web.log_in("kept@hostile.cn", factories.PASSWORD)
    form = {"title": f"交通{control}数据", "need": "保留这段需求文字", "budget": "1,000",
            "currency": "CNY", "deadline": "2030-01-31", "usage_scenario": "research"}  # fmt: skip
    page = web.submit("/demands", form, page="/demands")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "保留这段需求文字" in text  # the form again, with what was typed
    assert 'name="budget"' in text
    said = "不允许包含双向嵌入、覆盖和隔离字符" if control == "\u202e" else "不允许包含控制字符"
    assert said in text  # beside the field, named for what it is
    assert db.scalar(sa.select(sa.func.count()).select_from(Demand)) == 0


def test_a_control_character_in_a_nested_field_is_named_in_its_nesting(caller):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        json={"email": "a@b.cn", "x": {"y": ["ok", "a\u202eb"]}},
        headers=headers,
    )
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["x"]["y"]["1"]
    assert message.startswith("Text may not hold bidirectional embedding, override and isolate")


def test_an_idempotency_key_given_twice_is_refused_not_joined(caller):
    # A WSGI server joins a header given twice with a comma. A retry under either key must
    # find the same order, so neither one may win silently.
    api, headers, _organisation = caller
    response = api.post(
        "/api/v1/orders",
        headers=headers | {"Idempotency-Key": "order-a, order-b"},
        json={"plan_id": 1, "usage_scenario": "research"},
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["Idempotency-Key"]
