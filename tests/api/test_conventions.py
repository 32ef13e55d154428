"""API conventions: one error shape, validation naming fields, the same pagination everywhere."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import flask_smorest
import jsonschema
import marshmallow
import pytest
import schemathesis
from openapi_spec_validator.validation import OpenAPIV30SpecValidator
from schemathesis.specs.openapi.checks import response_headers_conformance

from market import api as api_module
from market.api import declared_query_parameters
from tests import factories


@pytest.fixture
def caller(app, db):
    """(flask client, headers, organisation) for a client with org and catalog scopes."""
    organisation = factories.organisation(db, factories.user(db, "owner@caller.cn"))
    client, secret = factories.api_client(
        db, organisation, ["org:read", "org:write", "catalog:read"]
    )
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret)
    return api, {"Authorization": f"Bearer {token}"}, organisation


def _assert_error_shape(response, status):
    body = response.get_json()
    assert response.status_code == status
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == status
    return body


def test_unknown_path_is_json(caller):
    api, headers, _organisation = caller
    _assert_error_shape(api.get("/api/v1/nowhere", headers=headers), 404)


def test_malformed_json_is_400(caller):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        data="{not json",
        headers=headers | {"Content-Type": "application/json"},
    )
    _assert_error_shape(response, 400)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": 12}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b.cn", "role": "emperor"}, "role"),
        ({"email": "a@b.cn", "role": "owner"}, "role"),
        ({"email": "a@b.cn", "colour": "red"}, "colour"),
        ({"email": ("x" * 250) + "@b.cn"}, "email"),
        ({}, "email"),
    ],
)
def test_invalid_fields_are_named(caller, payload, field, db):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations", json=payload, headers=headers
    )
    body = _assert_error_shape(response, 422)
    assert field in body["errors"]
    listed = api.get(f"/api/v1/organisations/{organisation.id}/invitations", headers=headers)
    assert listed.get_json() == []


def test_invitation_created_through_the_api(caller):
    api, headers, organisation = caller
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/invitations",
        json={"email": "colleague@caller.cn", "role": "member"},
        headers=headers,
    )
    assert response.status_code == 201
    assert "token" not in json.dumps(response.get_json())
    assert response.get_json()["email"] == "colleague@caller.cn"


def test_pagination_metadata_and_bounds(caller, db):
    api, headers, _organisation = caller
    for _ in range(4):
        factories.organisation(db)
    db.commit()
    response = api.get("/api/v1/organisations?page=2&page_size=2", headers=headers)
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["page"] == 2 and meta["total_pages"] == 3
    too_big = api.get("/api/v1/organisations?page_size=1000", headers=headers)
    assert "page_size" in _assert_error_shape(too_big, 422)["errors"]


@pytest.mark.parametrize(
    ("page", "page_size", "item_count"),
    [(1, 20, 0), (1, 20, 1), (1, 20, 20), (1, 20, 21), (2, 20, 21), (2, 2, 5), (3, 2, 5),
     (4, 2, 5), (7, 100, 650), (1, 1, 1)],
)  # fmt: skip
def test_the_pagination_header_is_flask_smorests_with_the_page_always(page, page_size, item_count):
    # Built without a schema per request, the header keeps flask-smorest's keys, values and
    # order (the header is its JSON, byte for byte), ``page`` added where it leaves it out.
    smorest = flask_smorest.pagination.PaginationMetadataSchema().dump(
        _smorest_metadata(page, page_size, item_count)
    )
    ours = api_module._pagination_metadata(page, page_size, item_count)
    assert json.dumps(ours) == json.dumps({**smorest, "page": page})


def _smorest_metadata(page, page_size, item_count):
    # flask-smorest 0.47's Blueprint._make_pagination_metadata, before its dump.
    metadata = {"total": item_count}
    if item_count == 0:
        metadata["total_pages"] = 0
        return metadata
    last = ((item_count - 1) // page_size) + 1
    metadata.update(total_pages=last, first_page=1, last_page=last)
    if page <= last:
        metadata["page"] = page
        if page > 1:
            metadata["previous_page"] = page - 1
        if page < last:
            metadata["next_page"] = page + 1
    return metadata


def test_a_paginated_request_builds_no_schema(caller, db, monkeypatch):
    # A schema keeps no request's state: building one (deep-copying its fields) for the page
    # parameters and another for the header on every list request cost more than using them.
    api, headers, _organisation = caller
    api.get("/api/v1/organisations?page=1&page_size=2", headers=headers)  # first use builds
    built = []
    original = marshmallow.Schema.__init__

    def counted(self, *args, **kwargs):
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counted)
    response = api.get("/api/v1/organisations?page=1&page_size=2", headers=headers)
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["page"] == 1
    assert built == []


def test_a_page_past_the_last_is_a_404_naming_page_and_the_last_page(caller, db):
    api, headers, _organisation = caller
    for _ in range(2):
        factories.organisation(db)
    db.commit()
    last = api.get("/api/v1/organisations?page=2&page_size=2", headers=headers)
    assert last.status_code == 200
    assert json.loads(last.headers["X-Pagination"])["page"] == 2
    past = api.get("/api/v1/organisations?page=3&page_size=2", headers=headers)
    body = _assert_error_shape(past, 404)
    assert list(body["errors"]) == ["page"]
    assert body["errors"]["page"] == ["There is no such page: the last one is 2."]


def test_a_list_pages_by_twenty_when_page_size_is_left_out(app, caller, db):
    api, headers, _organisation = caller
    for _ in range(20):
        factories.organisation(db)
    db.commit()
    response = api.get("/api/v1/organisations", headers=headers)
    assert response.status_code == 200
    assert len(response.get_json()) == 20
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 21 and meta["total_pages"] == 2
    listed = app.test_client().get("/api/openapi.json").get_json()
    parameters = listed["paths"]["/api/v1/organisations"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"]["default"] == 20 and page_size["schema"]["maximum"] == 100


def test_openapi_texts_are_markdown_not_restructuredtext(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    search = document["paths"]["/api/v1/listings/search"]["get"]["description"]
    assert "(`relaxed`)" in search
    assert "``" not in json.dumps(document)


def test_openapi_document_declares_scopes(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    members = document["paths"]["/api/v1/organisations/{organisation_id}/members"]["get"]
    assert members["security"] == [{"oauth2": ["org:read"]}]
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert "finance:read" in flows["clientCredentials"]["scopes"]


def test_openapi_enums_list_only_the_values_an_endpoint_accepts(app):
    schemas = app.test_client().get("/api/openapi.json").get_json()["components"]["schemas"]
    claim_actions = schemas["Decision"]["properties"]["action"]["enum"]
    assert claim_actions == ["start_review", "request_info", "approve", "reject"]
    verification = schemas["VerificationDecision"]["properties"]["action"]["enum"]
    assert verification == ["start_review", "approve", "reject", "request_info", "suspend", "lift"]


def test_the_openapi_document_names_every_api_route_when_first_read_by_many(app):
    """The document is written when first read: readers racing for it all get it whole."""
    routes = {
        re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(
            pool.map(lambda _: app.test_client().get("/api/openapi.json").get_json(), range(4))
        )
    assert all(document == documents[0] for document in documents)
    assert routes and routes <= set(documents[0]["paths"])
    assert len(documents[0]["tags"]) == len({tag["name"] for tag in documents[0]["tags"]})


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations/{organisation}?colour=red",  # reads no query
        "/api/v1/organisations?page=1&colour=red",  # paginated
        "/api/v1/listings/search?q=data&page_size=5&colour=red",  # a query schema, paginated
    ],
    ids=["no-query", "paginated", "query-and-pages"],
)
def test_an_unknown_query_parameter_is_refused_naming_it(caller, path):
    api, headers, organisation = caller
    response = api.get(path.format(organisation=organisation.id), headers=headers)
    body = _assert_error_shape(response, 422)
    assert body["errors"] == {"colour": ["Unknown field."]}
    assert body["message"] == "The request has invalid fields: colour."


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations?page=1&page_size=5",
        "/api/v1/listings/search?q=data&category=transport&category=finance&sort=newest&page=1&page_size=5",
    ],
    ids=["paginated", "query-and-pages"],
)
def test_documented_query_parameters_still_pass(caller, path):
    api, headers, _organisation = caller
    assert api.get(path, headers=headers).status_code == 200


def test_the_query_parameters_accepted_are_those_the_document_declares(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "_apidoc") or not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert declared_query_parameters(rule.endpoint, view._apidoc) == documented, path
            checked += 1
    assert checked > 100


def test_the_openapi_document_is_valid_openapi_3(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    errors = [
        str(error).splitlines()[0] for error in OpenAPIV30SpecValidator(document).iter_errors()
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/v1/organisations/{organisation_id}/verification", {"licence", "contact_phone"}),
        ("/api/v1/finance/bank-accounts/{account_id}/statements", {"file", "layout"}),
        ("/api/v1/claims/{claim_id}/objections", {"file", "reasons"}),
        ("/api/v1/provider/listings/{listing_id}/samples", {"file"}),
    ],
    ids=["verification", "statement", "objection", "sample"],
)
def test_multipart_operations_document_every_part_in_the_request_body(app, path, fields):
    document = app.test_client().get("/api/openapi.json").get_json()
    operation = document["paths"][path]["post"]
    assert all(p["in"] != "formData" for p in operation.get("parameters", []))
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    documented = set()
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            part = document["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
        documented |= set(part["properties"])
        # A part of a multipart body is text: it can be left out, never sent as null.
        assert not any(field.get("nullable") for field in part["properties"].values())
    assert fields <= documented


def test_every_date_an_operation_reads_is_bounded_to_the_years_the_exchange_computes_with(app):
    """A date or time an operation reads from its body or query carries ``x-year-range``: the
    bounded field classes of ``market.fields``, so a year 9999 is a 422, never an overflow."""
    document = app.test_client().get("/api/openapi.json").get_json()
    components = document["components"]["schemas"]
    unbounded: set[str] = set()
    seen: set[str] = set()

    def walk(schema: dict, where: str) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(components[name], name)
            return
        dated = schema.get("format") in ("date", "date-time") and not schema.get("readOnly")
        if dated and "x-year-range" not in schema:
            unbounded.add(where)
        for key, value in (schema.get("properties") or {}).items():
            walk(value, f"{where}.{key}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], where)
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []):
                walk(part, where)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{method} {path} ?{parameter.get('name')}")
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method} {path}")
    assert not unbounded


def test_the_pagination_header_is_described_as_the_json_it_is(caller, db, app):
    api, headers, _organisation = caller
    document = api.get("/api/openapi.json").get_json()
    listed = document["paths"]["/api/v1/organisations"]["get"]["responses"]["200"]["headers"]
    header = document["components"]["headers"][listed["X-Pagination"]["$ref"].rsplit("/", 1)[1]]
    schema = header["content"]["application/json"]["schema"]
    resolver = {"components": document["components"], **schema}
    response = api.get("/api/v1/organisations?page_size=1", headers=headers)
    jsonschema.validate(json.loads(response.headers["X-Pagination"]), resolver)
    # Schemathesis reads the header as the document describes it: no failure.
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)["/api/v1/organisations"]
    case = operation["GET"].Case(query={"page_size": 1})
    answer = case.call(headers=headers)
    case.validate_response(answer, checks=[response_headers_conformance], headers=headers)


def test_a_body_with_no_required_field_is_documented_as_optional(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert paths["/api/v1/finance/recon/assertions"]["post"]["requestBody"]["required"] is False
    assert paths["/api/v1/finance/payout-batches"]["post"]["requestBody"]["required"] is False
    assert paths["/api/v1/orders"]["post"]["requestBody"]["required"] is True
