"""The OpenAPI document publishes the limits the API enforces on what a caller sends, so a
client or validator generated from it refuses what the server would."""

import re

import pytest

INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1


@pytest.fixture
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def _integers_sent(document) -> list[tuple[str, dict]]:
    """Every integer schema a caller sends: in parameters and request bodies."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                walk(document["components"]["schemas"][name], f"{where}>{name}")
            if node.get("type") == "integer":
                found.append((where, node))
            for key, value in node.items():
                if key != "$ref":
                    walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    for path, item in document["paths"].items():
        for method, operation in item.items():
            parts = [operation] if method == "parameters" else [
                operation.get("parameters", []), operation.get("requestBody", {})
            ]  # fmt: skip
            walk(parts, f"{method.upper()} {path}")
    return found


def test_every_integer_a_caller_sends_has_its_bounds(document):
    unbounded = [
        where
        for where, schema in _integers_sent(document)
        if "minimum" not in schema or "maximum" not in schema
    ]
    assert unbounded == []


def test_page_numbers_and_ids_run_to_their_column(document):
    parameters = document["paths"]["/api/v1/organisations"]["get"]["parameters"]
    page = next(p for p in parameters if p["name"] == "page")["schema"]
    assert (page["minimum"], page["maximum"]) == (1, INT32_MAX)
    path_id = document["paths"]["/api/v1/orders/{order_id}"]["parameters"][0]["schema"]
    assert path_id["maximum"] == INT32_MAX
    entry = document["paths"]["/api/v1/ledger/entries/{entry_id}"]["parameters"][0]["schema"]
    assert entry["maximum"] == INT64_MAX


def test_the_search_text_has_its_length_limit(document):
    parameters = document["paths"]["/api/v1/listings/search"]["get"]["parameters"]
    (q,) = [p for p in parameters if p["name"] == "q"]
    assert q["schema"]["maxLength"] == 500


def test_ids_a_caller_sends_start_at_one(document):
    named = re.compile(r"/properties/(\w+_id|\w+_ids/items)$")
    ids = {where: schema for where, schema in _integers_sent(document) if named.search(where)}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            # A path's own ids are listed once for all its operations, under "parameters".
            parameters = operation if method == "parameters" else operation.get("parameters", [])
            for parameter in parameters:
                integer = parameter["schema"].get("type") == "integer"
                if integer and parameter["name"].endswith("_id"):
                    ids[f"{method.upper()} {path} ?{parameter['name']}"] = parameter["schema"]
    assert any(where.endswith("plan_id") for where in ids)
    assert any(where.endswith("file_id") for where in ids)
    assert any(where.endswith("{order_id} ?order_id") for where in ids)
    assert {
        where: schema["minimum"] for where, schema in ids.items() if schema["minimum"] != 1
    } == {}
