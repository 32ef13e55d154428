"""In a JSON body an empty string is a value sent: a field that does not take text (a date, a
choice, a number, a list) refuses ``""`` with a 422 naming it, instead of reading it as "not
given" and saving null. Page forms still read an empty field as not given. The fields are read
off the OpenAPI document, so a new one is covered the day it is added."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.test_single_line_fields import _operations, _path, _resolve, _send, _token
from tests.web import WebClient


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:
    """Validation happens before any query: one engine is enough."""
    return request.param


# Lists a form may also send as one text ("a, b"; one column per line): an empty text is no
# items, in JSON as in a form (market.registry.schemas.WordList, ColumnList).
TEXT_LISTS = {"keywords", "field_schema", "source_references"}


def _takes_no_text(schema: dict) -> bool:
    kinds = schema.get("type")
    kinds = set(kinds if isinstance(kinds, list) else [kinds])
    if "string" not in kinds:
        return bool(kinds & {"integer", "number", "boolean", "array", "object"})
    return "enum" in schema or schema.get("format") in {"date", "date-time", "email", "uri"}


def _probes(document: dict, schema: dict):
    """(dotted name, body fragment) for every field under ``schema`` that takes no text."""
    schema = _resolve(document, schema)
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        prop = _resolve(document, prop)
        if _takes_no_text(prop) and name not in TEXT_LISTS:
            yield name, {name: ""}
        if prop.get("type") == "object" and prop.get("properties"):
            for inner, fragment in _probes(document, prop):
                yield f"{name}.{inner}", {name: fragment}


def test_no_field_that_takes_no_text_reads_an_empty_string_as_not_given(app, db):
    document = app.test_client().get("/api/openapi.json").get_json()
    callers = [_token(app, db, staff=False), _token(app, db, staff=True)]
    probed, accepted = [], []
    for method, template, operation in _operations(document):
        path = _path(document, template, operation)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        for name, fragment in _probes(document, content["application/json"]["schema"]):
            for headers in callers:
                response = _send(app, method, path, headers, "application/json", fragment)
                if response.status_code != 403:
                    break
            probed.append(f"{method} {template} {name}")
            errors = (response.get_json() or {}).get("errors") or {}
            top = name.split(".")[0]
            if response.status_code != 422 or top not in {key.split(".")[0] for key in errors}:
                accepted.append(f"{method} {template} {name} -> {response.status_code} {errors}")
    assert len(probed) > 100  # the document's fields were found
    assert accepted == [], "\n".join(accepted)


DEMAND = {
    "title": "交通数据",
    "need": "需要交通数据",
    "budget_minor": 100000,
    "currency": "CNY",
    "deadline": "2030-01-31",
    "usage_scenario": "research",
}


def test_a_demand_with_an_empty_category_is_refused_naming_it(app, db):
    headers = _token(app, db, staff=False)
    body = DEMAND | {"category": ""}
    response = app.test_client().post("/api/v1/demands", headers=headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["category"]


@pytest.mark.parametrize("given", [{}, {"usage_scenario": ""}])
def test_a_demand_without_a_usage_scenario_is_refused_naming_it(app, db, given):
    headers = _token(app, db, staff=False)
    body = {key: value for key, value in DEMAND.items() if key != "usage_scenario"} | given
    response = app.test_client().post("/api/v1/demands", headers=headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["usage_scenario"]


def test_a_page_form_still_reads_an_empty_field_as_not_given(app, db):
    factories.organisation(db, factories.user(db, "blank-demand@example.cn"))
    db.commit()
    web = WebClient(app)
    web.log_in("blank-demand@example.cn", factories.PASSWORD)
    form = {key: value for key, value in DEMAND.items() if key != "budget_minor"}
    form |= {"budget": "1,000", "category": "", "delivery_method": ""}
    page = web.submit("/demands", form, page="/demands")
    assert page.status_code == 302, page.get_data(as_text=True)[-3000:]
