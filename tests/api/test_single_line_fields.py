"""Every string field of the API's input is one line unless the OpenAPI document marks it
``x-multiline`` (free text: descriptions, notes, reasons): a line break anywhere else is a 422
naming the field, whatever the operation. The fields are read off the document, so a new one
is covered the day it is added."""

from __future__ import annotations

import io
import re

import pytest

from market.identity.models import StaffRole
from market.oauth.scopes import SCOPES
from tests import factories

BREAKS = ["a\r\nb", "a\nb", "a\rb", "a\u2028b", "a\tb", "invoice\u202efdp.exe", "a\u2067b"]
# Formats that are not text: a decimal is a number written as a string (valuation inputs).
NOT_TEXT = {"email", "uri", "url", "date", "date-time", "binary", "uuid", "decimal"}


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:
    """Validation happens before any query: one engine is enough."""
    return request.param


def _token(app, db, staff: bool) -> dict:
    if staff:
        user = factories.user(db, staff=tuple(StaffRole))
        organisation = factories.organisation(db, user, is_operator=True)
        scopes = [name for name, (_text, role) in SCOPES.items() if role is not None]
    else:
        user = factories.user(db)
        organisation = factories.organisation(db, user)
        scopes = [name for name, (_text, role) in SCOPES.items() if role is None]
    client, secret = factories.api_client(db, organisation, scopes, creator=user)
    db.commit()
    token = factories.token(app.test_client(), client.client_id, secret, " ".join(scopes))
    return {"Authorization": f"Bearer {token}"}


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for part in schema.get("allOf", []):
        schema = {**schema, **_resolve(document, part)}
    return schema


def _is_one_line(schema: dict) -> bool:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return (
        "string" in kinds
        and "enum" not in schema
        and schema.get("format") not in NOT_TEXT
        and not schema.get("x-multiline")
    )


def _probes(document: dict, schema: dict, value: str):
    """(dotted name, body fragment) for every one-line string field under ``schema``."""
    schema = _resolve(document, schema)
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        prop = _resolve(document, prop)
        if _is_one_line(prop):
            yield name, {name: value}
        elif prop.get("type") == "array":
            items = _resolve(document, prop.get("items", {}))
            if _is_one_line(items):
                yield f"{name}[]", {name: [value]}
            for inner, fragment in _probes(document, items, value):
                yield f"{name}[].{inner}", {name: [fragment]}
        elif prop.get("properties"):
            for inner, fragment in _probes(document, prop, value):
                yield f"{name}.{inner}", {name: fragment}


def _path(document: dict, template: str, operation: dict) -> str:
    def fill(match):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == match.group(1) and parameter["in"] == "path":
                choices = _resolve(document, parameter.get("schema", {})).get("enum")
                return str(choices[0]) if choices else "1"
        return "1"

    return re.sub(r"\{(\w+)\}", fill, template)


def _operations(document: dict):
    for template, methods in document["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), template, operation


def _send(app, method, path, headers, location, fragment):
    client = app.test_client()
    headers = {**headers, "Idempotency-Key": "line-breaks"}
    if location == "query":
        return client.open(path, method=method, headers=headers, query_string=fragment)
    if location == "multipart/form-data":
        form = {
            key: (value[0] if isinstance(value, list) else value) for key, value in fragment.items()
        }
        form["_"] = (io.BytesIO(b"x"), "x.txt")
        return client.open(path, method=method, headers=headers, data=form)
    return client.open(path, method=method, headers=headers, json=fragment)


def test_every_one_line_string_field_refuses_line_breaks(app, db):
    document = app.test_client().get("/api/openapi.json").get_json()
    callers = [_token(app, db, staff=False), _token(app, db, staff=True)]
    probed, refused_wrongly = [], []
    for method, template, operation in _operations(document):
        path = _path(document, template, operation)
        probes = []
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and _is_one_line(_resolve(document, parameter["schema"])):
                probes.append(("query", parameter["name"], {parameter["name"]: "{}"}))
        for location, content in operation.get("requestBody", {}).get("content", {}).items():
            for name, fragment in _probes(document, content["schema"], "{}"):
                probes.append((location, name, fragment))
        for index, (location, name, fragment) in enumerate(probes):
            value = BREAKS[index % len(BREAKS)]
            filled = eval_fragment(fragment, value)
            for headers in callers:
                response = _send(app, method, path, headers, location, filled)
                if response.status_code != 403:
                    break
            probed.append(f"{method} {template} {name}")
            errors = (response.get_json() or {}).get("errors") or {}
            top = name.split(".")[0].removesuffix("[]")
            # Nested fields are named in the schema's nesting (`{"plans": {"0": ...}}`),
            # the request guard's refusals of a character no text may hold too.
            if response.status_code != 422 or top not in {key.split(".")[0] for key in errors}:
                refused_wrongly.append(
                    f"{method} {template} {name} {value!r} -> {response.status_code} {errors}"
                )
    assert len(probed) > 60  # the document's one-line fields were found
    assert refused_wrongly == [], "\n".join(refused_wrongly)


def eval_fragment(fragment, value):
    """``fragment`` with its ``"{}"`` placeholder replaced by ``value``."""
    if isinstance(fragment, dict):
        return {key: eval_fragment(item, value) for key, item in fragment.items()}
    if isinstance(fragment, list):
        return [eval_fragment(item, value) for item in fragment]
    return value if fragment == "{}" else fragment


def test_free_text_fields_are_marked_multiline_in_the_document(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    multiline = {
        name
        for schema in schemas.values()
        for name, prop in (schema.get("properties") or {}).items()
        if prop.get("x-multiline")
    }
    assert {"description_zh", "need", "reason", "usage_note", "provenance"} <= multiline
    assert not multiline & {"name_zh", "title_zh", "registration_number", "bank_reference"}


def test_a_page_form_refuses_a_line_break_in_a_one_line_field(client):
    client.sign_up("lines@example.cn")
    response = client.submit(
        "/organisations/new",
        {
            "name_zh": "深圳单行测试有限公司",
            "name_en": "Single Line Co.",
            "jurisdiction": "CN",
            "credit_code": factories.credit_code(),
            "registration_number": "A1\r\nBcc: someone@example.cn",
        },
        page="/organisations/new",
    )
    assert response.status_code == 422
    assert "只能填写一行" in response.get_data(as_text=True)


def test_a_line_break_in_free_text_is_kept(client, db):
    client.sign_up("text@example.cn")
    response = client.submit(
        "/organisations/new",
        {
            "name_zh": "深圳多行测试有限公司",
            "name_en": "Many Lines Co.",
            "jurisdiction": "CN",
            "credit_code": factories.credit_code(),
            "description": "第一行\r\n第二行",
        },
        page="/organisations/new",
    )
    assert response.status_code == 302


def test_a_line_break_in_the_query_string_names_its_field_only(app, db):
    # The search's paging is read by its own schema: beside a refused q, page_size and page
    # were called unknown fields.
    headers = _token(app, db, staff=False)
    client = app.test_client()
    searched = client.get(
        "/api/v1/listings/search", query_string={"q": "bus\ndata", "page_size": 1, "page": 1},
        headers=headers,
    )  # fmt: skip
    assert (searched.status_code, set(searched.get_json()["errors"])) == (422, {"q"})
