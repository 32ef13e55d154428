"""An asset's spatial coverage is a known region code: documented in the OpenAPI document,
refused by name when unknown, forgiving of case and spaces, and picked from a list on the form."""

from __future__ import annotations

import re

import pytest

from market.registry.models import REGION_LABELS

ASSET = {
    "kind": "dataset",
    "title_zh": "深港跨境客流",
    "title_en": "Shenzhen-Hong Kong crossings",
    "industry": "transport",
    "personal_info": "none",
}


@pytest.fixture
def writer(api, holding):
    organisation, owner, _asset = holding
    return api.bearer(organisation, ["registry:read", "registry:write"], owner)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("shenzhen", "shenzhen"),
        ("Hong Kong", "hong_kong"),
        (" greater-bay-area ", "greater_bay_area"),
    ],
)
def test_a_region_code_is_taken_in_any_case(api, writer, typed, stored):
    made = api.raw.post("/api/v1/assets", json=ASSET | {"spatial_coverage": typed}, headers=writer)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["spatial_coverage"] == stored


def test_an_unknown_region_is_refused_naming_the_field_and_the_codes(api, writer):
    refused = api.raw.post(
        "/api/v1/assets", json=ASSET | {"spatial_coverage": "深圳市南山区"}, headers=writer
    )
    assert refused.status_code == 422
    message = refused.get_json()["errors"]["spatial_coverage"][0]
    assert "shenzhen" in message and "greater_bay_area" in message


def test_the_openapi_document_lists_the_codes(api):
    document = api.raw.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    field = next(
        schema["properties"]["spatial_coverage"]
        for name, schema in schemas.items()
        if name.startswith("AssetInput") and "spatial_coverage" in schema.get("properties", {})
    )
    assert set(field["enum"]) - {None} == set(REGION_LABELS)
    assert "region" in field["description"]


def test_the_form_offers_the_regions_by_name(client, holding):
    _organisation, owner, _asset = holding
    client.log_in(owner.email)
    page = client.get("/registry/assets/new").get_data(as_text=True)
    select = page.split('<select id="spatial_coverage"')[1].split("</select>")[0]
    assert set(re.findall(r'<option value="([a-z_]+)"', select)) == set(REGION_LABELS)
    assert ">深圳<" in select and ">粤港澳大湾区<" in select
