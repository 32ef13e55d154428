"""The valuation workflow through the API, on both engines: request, take, inputs, profile,
run, finalise; immutability, the hash in the registry log, and errors that name the field."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from market.registry.models import RegistryEvent
from market.valuation import reports
from market.valuation import tasks as valuation_tasks
from market.valuation.models import ValuationReport
from tests.registry import factories as rf

INPUTS = {
    "weights": {"cost": "0.3", "income": "0.5", "market": "0.2"},
    "cost": {
        "items": [
            {"category": "collection", "amount": 600_000},
            {"category": "labour", "amount": 400_000, "basis": "historical"},
        ],
        "functional_obsolescence": "0.1",
        "economic_obsolescence": "0.05",
    },
    "income": {
        "annual_amount": 1_000_000,
        "share": "0.3",
        "economic_life_years": 3,
        "discount_rate": "0.1",
        "growth_rate": "0.05",
    },
    "market": {"comparables": [{"price": 500_000, "quality": "0.8", "scale": "1.2"}]},
    "quality_override": {"coefficient": "1", "reason": "reviewed by hand"},
    "disclosure": {
        "classification": "intangible_asset",
        "useful_life_months": 36,
        "amortisation_basis": "straight-line over 36 months",
    },
}


def _request(api, provider_headers, holding, **extra):
    body = {"asset_id": holding[2].id, "purpose": "accounting", **extra}
    response = api.raw.post("/api/v1/valuations", json=body, headers=provider_headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _appraise(api, headers, report_id, inputs=INPUTS):
    base = f"/api/v1/appraisal/valuations/{report_id}"
    assert api.raw.post(f"{base}/take", headers=headers).status_code == 200
    response = api.raw.put(f"{base}/inputs", json=inputs, headers=headers)
    assert response.status_code == 200, response.json
    return base


def test_request_take_run_finalise(api, holding, provider_headers, appraiser_headers):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    response = api.raw.post(f"{base}/run", headers=appraiser_headers)
    assert response.status_code == 200, response.json
    results = response.json["results"]
    # quality 1: cost 1,000,000 × 0.9 × 0.95 = 855,000; income 781,555; market
    # 500,000 × 1.25 × 1.2 = 750,000; reconciled 0.3 × 855,000 + 0.5 × 781,555.22 + 0.2 × 750,000
    assert results["methods"] == {"cost": 855_000, "income": 781_555, "market": 750_000}
    assert results["base"] == 797_278
    assert results["low"] < 797_278 < results["high"]
    api.db.rollback()
    # Before signature the provider sees the status, not the draft values.
    draft = api.raw.get(f"/api/v1/valuations/{report_id}", headers=provider_headers).json
    assert draft["status"] == "in_progress"
    assert draft["results"] is None and draft["value_base"] is None and draft["inputs"] is None
    listed = api.raw.get("/api/v1/valuations", headers=provider_headers).json
    assert all(item["value_base"] is None for item in listed)

    response = api.raw.post(f"{base}/finalise", headers=appraiser_headers)
    assert response.status_code == 200, response.json
    final = response.json
    assert final["status"] == "final" and final["edition"] == 1
    assert final["number"].startswith("SZDX-V-")

    api.db.expire_all()
    report = api.db.get(ValuationReport, report_id)
    event = api.db.scalar(sa.select(RegistryEvent).where(RegistryEvent.seq == final["chain_seq"]))
    assert event.event_type == "valuation.finalised"
    assert event.payload["content_hash"] == report.content_hash == reports.content_hash(report)
    assert reports.verify(api.db, report)
    recorded = report.content_hash
    api.db.rollback()  # SQLite: let the requests below write

    # The provider reads it; a final report cannot be edited, run or finalised again.
    mine = api.raw.get(f"/api/v1/valuations/{report_id}", headers=provider_headers)
    assert mine.json["value_base"] == 797_278
    for method, path, body in (
        ("put", "inputs", INPUTS),
        ("post", "run", None),
        ("post", "finalise", None),
    ):
        response = getattr(api.raw, method)(f"{base}/{path}", json=body, headers=appraiser_headers)
        assert response.status_code == 409, path
    assert reports.content_hash(api.db.get(ValuationReport, report_id)) == recorded


def test_a_revaluation_is_a_new_edition(api, holding, provider_headers, appraiser_headers):
    for edition in (1, 2):
        report_id = _request(api, provider_headers, holding)
        base = _appraise(api, appraiser_headers, report_id)
        api.raw.post(f"{base}/run", headers=appraiser_headers)
        response = api.raw.post(f"{base}/finalise", headers=appraiser_headers)
        assert response.json["edition"] == edition


def test_tampering_with_a_final_report_is_detected(
    api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    api.raw.post(f"{base}/run", headers=appraiser_headers)
    api.raw.post(f"{base}/finalise", headers=appraiser_headers)
    api.db.expire_all()
    report = api.db.get(ValuationReport, report_id)
    report.value_base = 1  # not part of the hash, but results are
    report.results = {**report.results, "base": 1}
    assert not reports.verify(api.db, report)
    api.db.rollback()


def test_profile_measures_the_version_file(app, api, holding, provider_headers, appraiser_headers):
    report_id = _request(api, provider_headers, holding)
    inputs = copy.deepcopy(INPUTS)
    del inputs["quality_override"]
    base = _appraise(api, appraiser_headers, report_id, inputs)
    response = api.raw.post(f"{base}/run", headers=appraiser_headers)
    assert response.status_code == 422
    assert "quality_override" in response.json["errors"]
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "amount", "type": "number", "minimum": "0"},
            {"name": "updated", "type": "date"},
        ],
        "key": ["id"],
        "timestamp_field": "updated",
        "update_frequency_days": 7,
    }
    response = api.raw.post(
        f"{base}/profile",
        json={"file": "stations.csv", "schema": schema},
        headers=appraiser_headers,
    )
    assert response.status_code == 202, response.json
    assert response.json["profile_job"]["status"] == "queued"
    assert response.json["profile"] is None
    api.db.rollback()  # SQLite: let the worker write
    assert valuation_tasks.run_profile_jobs(app) == 1
    response = api.raw.get(base, headers=appraiser_headers)
    assert response.json["profile_job"]["status"] == "done"
    assert response.json["profile_job"]["error"] is None
    profile = response.json["profile"]
    assert (
        profile["rows"] == 4 and profile["duplicate_rows"] == 1 and profile["duplicate_keys"] == 1
    )
    amount = next(f for f in profile["fields"] if f["name"] == "amount")
    assert (amount["missing"], amount["nonconforming"]) == (2, 1)
    response = api.raw.post(f"{base}/run", headers=appraiser_headers)
    assert response.status_code == 200
    assert response.json["results"]["quality"] == {
        "coefficient": profile["coefficient"],
        "source": "profile",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda i: i["income"].update(economic_life_years=0), "income.economic_life_years"),
        (lambda i: i["income"].update(discount_rate="0.05"), "income.discount_rate"),
        (lambda i: i["income"].update(discount_rate="0.06"), "sensitivity.discount_rate"),
        (lambda i: i["weights"].update(market="0.3"), "weights"),
        (lambda i: i["market"].update(comparables=[]), "market.comparables"),
        (lambda i: i.pop("income"), "income"),
        (lambda i: i["cost"].update(items=[]), "cost.items"),
        (
            lambda i: i["cost"].update(coefficient_basis="remaining_life", economic_life_years="0"),
            "cost.economic_life_years",
        ),
        (lambda i: i["cost"].update(economic_life_years="-5"), "cost.economic_life_years"),
        (
            lambda i: i["cost"].update(economic_life_years="5", remaining_life_years="10"),
            "cost.remaining_life_years",
        ),
        (lambda i: i["weights"].update(cost="x"), "weights.cost"),
        (lambda i: i["income"].update(discount_rate="0.1" + "1" * 5000), "income.discount_rate"),
        (lambda i: i["cost"].update(economic_life_years="1E+20"), "cost.economic_life_years"),
        (lambda i: i["weights"].update(income="1E+999999999"), "weights.income"),
        (lambda i: i["income"].update(discount_rate="-1E+999999999"), "income.discount_rate"),
        (
            lambda i: i["market"]["comparables"][0].update(quality="0"),
            "market.comparables.0.quality",
        ),
        (lambda i: i["market"]["comparables"][0].update(scale=0), "market.comparables.0.scale"),
        (lambda i: i["market"]["comparables"][0].update(price="1"), "market.comparables.0.price"),
        (lambda i: i["cost"]["items"][0].update(amount="600000"), "cost.items.0.amount"),
    ],
)
def test_bad_inputs_are_refused_when_saved_naming_the_field(
    api, holding, provider_headers, appraiser_headers, change, field
):
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    assert api.raw.post(f"{base}/take", headers=appraiser_headers).status_code == 200
    inputs = copy.deepcopy(INPUTS)
    change(inputs)
    response = api.raw.put(f"{base}/inputs", json=inputs, headers=appraiser_headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert api.db.get(ValuationReport, report_id).inputs is None
    api.db.rollback()


def test_every_bad_input_is_told_at_once(api, holding, provider_headers, appraiser_headers):
    # Field errors do not hide the checks across fields: economic life and the discount rate
    # are told in the same answer as a bad weight and bad amounts.
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    assert api.raw.post(f"{base}/take", headers=appraiser_headers).status_code == 200
    inputs = copy.deepcopy(INPUTS)
    inputs["weights"]["cost"] = "x"
    inputs["cost"]["items"][0]["amount"] = -300_000
    inputs["cost"]["functional_obsolescence"] = "-0.1"
    inputs["income"].update(annual_amount=1e30, economic_life_years=-5, discount_rate="0.04")
    inputs["disclosure"]["useful_life_months"] = 99_999_999_999
    del inputs["disclosure"]["amortisation_basis"]
    response = api.raw.put(f"{base}/inputs", json=inputs, headers=appraiser_headers)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    assert set(errors) == {
        "disclosure.amortisation_basis",
        "weights.cost",
        "cost.items.0.amount",
        "cost.functional_obsolescence",
        "income.annual_amount",
        "income.economic_life_years",
        "income.discount_rate",
        "disclosure.useful_life_months",
    }, errors
    assert errors["income.discount_rate"] == ["The discount rate must be above the growth rate."]
    # Beyond the database's width is said against the business limit, not the column's.
    assert errors["disclosure.useful_life_months"] == ["From 1 to 1200."]
    assert "9223372036854775807" not in str(errors["income.annual_amount"])
    assert "1000000000000000" in str(errors["income.annual_amount"])
    api.db.rollback()


@pytest.mark.parametrize("rate", ["0", "-0.12"])
def test_a_discount_rate_must_be_above_zero(
    api, holding, provider_headers, appraiser_headers, rate
):
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    assert api.raw.post(f"{base}/take", headers=appraiser_headers).status_code == 200
    inputs = copy.deepcopy(INPUTS)
    inputs["income"].update(discount_rate=rate, growth_rate="-0.2")
    response = api.raw.put(f"{base}/inputs", json=inputs, headers=appraiser_headers)
    assert response.status_code == 422, response.json
    assert response.json["errors"]["income.discount_rate"] == ["More than 0 and at most 5."]
    api.db.rollback()


def test_a_quality_that_needs_the_profile_fails_the_run_naming_the_field(
    api, holding, provider_headers, appraiser_headers
):
    # Without an override the quality coefficient comes from a profile: only the run can tell.
    report_id = _request(api, provider_headers, holding)
    inputs = copy.deepcopy(INPUTS)
    del inputs["quality_override"]
    base = _appraise(api, appraiser_headers, report_id, inputs)
    response = api.raw.post(f"{base}/run", headers=appraiser_headers)
    assert response.status_code == 422, response.json
    assert "quality_override" in response.json["errors"]
    assert api.db.get(ValuationReport, report_id).results is None
    api.db.rollback()


@pytest.mark.parametrize("currency", ["BTC", "QQQ", "XAU", "cny"])
def test_a_currency_without_a_minor_unit_is_refused(api, holding, provider_headers, currency):
    body = {"asset_id": holding[2].id, "purpose": "trading", "currency": currency}
    response = api.raw.post("/api/v1/valuations", json=body, headers=provider_headers)
    assert response.status_code == 422, response.json
    # Said in words, not as a list of every code there is.
    assert response.json["errors"]["currency"] == [
        "Not an ISO 4217 currency code with a minor unit, such as CNY, USD or JPY."
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"file": "missing.csv"}, "file"),
        (
            {"file": "stations.csv", "schema": {"fields": [{"name": "x", "type": "money"}]}},
            "schema.fields.0.type",
        ),
        (
            {"file": "stations.csv", "schema": {"fields": [{"name": "id"}], "key": ["nope"]}},
            "schema.key.0",
        ),
        (
            {
                "file": "stations.csv",
                "schema": {"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"minimum": 5}]},
            },
            "schema.fields.3.minimum",
        ),
        (
            {
                "file": "stations.csv",
                "schema": {"fields": [{"name": "updated", "type": "date", "format": "%Q%Q"}]},
            },
            "schema.fields.0.format",
        ),
        (
            {
                "file": "stations.csv",
                "schema": {"fields": [{"name": "updated", "type": "date", "format": "2026"}]},
            },
            "schema.fields.0.format",
        ),
    ],
)
def test_bad_profile_requests_name_the_field(
    api, holding, provider_headers, appraiser_headers, body, field
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    response = api.raw.post(f"{base}/profile", json=body, headers=appraiser_headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_a_providers_token_cannot_appraise(api, holding, provider_headers):
    report_id = _request(api, provider_headers, holding)
    response = api.raw.post(
        f"/api/v1/appraisal/valuations/{report_id}/take", headers=provider_headers
    )
    assert response.status_code in (401, 403)


def test_another_organisation_cannot_see_or_request(api, holding, provider_headers):
    report_id = _request(api, provider_headers, holding)
    other, owner = rf.provider(api.db)
    headers = api.bearer(other, ["registry:read", "registry:write"], owner)
    assert api.raw.get(f"/api/v1/valuations/{report_id}", headers=headers).status_code == 404
    response = api.raw.post(
        "/api/v1/valuations",
        json={"asset_id": holding[2].id, "purpose": "trading"},
        headers=headers,
    )
    # Like every other resource of another organisation: not found, not "invalid".
    assert response.status_code == 404, response.json


def test_missing_disclosure_is_refused(api, holding, provider_headers, appraiser_headers):
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    api.raw.post(f"{base}/take", headers=appraiser_headers)
    inputs = copy.deepcopy(INPUTS)
    inputs["disclosure"] = {"classification": "intangible_asset"}
    response = api.raw.put(f"{base}/inputs", json=inputs, headers=appraiser_headers)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert {"disclosure.useful_life_months", "disclosure.amortisation_basis"} <= set(errors)


def test_anyone_can_verify_a_final_report_by_its_number(
    api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    api.raw.post(f"{base}/run", headers=appraiser_headers)
    final = api.raw.post(f"{base}/finalise", headers=appraiser_headers).json
    number = final["number"]

    response = api.raw.get(f"/api/v1/valuation-reports/{number}")
    assert response.status_code == 200, response.json
    found = response.json
    assert found["number"] == number and found["verified"] is True
    assert found["asset_id"] == holding[2].id and found["appraiser"] == "Appraiser Wang"
    assert found["content_hash"] == final["content_hash"]
    assert (found["value_low"], found["value_high"]) == (final["value_low"], final["value_high"])
    assert "inputs" not in found and "organisation_id" not in found
    assert api.raw.get("/api/v1/valuation-reports/SZDX-V-1999-000001").status_code == 404

    page = api.raw.get(f"/verify/valuations/{number}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert number in text and final["content_hash"] in text and "Appraiser Wang" in text
    assert "matches the registry log" in text
    assert api.raw.get("/verify/valuations/SZDX-V-1999-000001").status_code == 404


def test_a_value_beyond_what_a_report_holds_is_refused_at_the_run_naming_the_method(
    api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    inputs = copy.deepcopy(INPUTS)
    inputs["weights"] = {"market": "1"}
    del inputs["cost"], inputs["income"]
    stacked = dict.fromkeys(("scale", "timeliness", "rights", "region"), "10")
    comparable = {"price": 10**15, "quality": "0.000000000001", **stacked}
    inputs["market"]["comparables"] = [comparable]
    base = _appraise(api, appraiser_headers, report_id, inputs)
    response = api.raw.post(f"{base}/run", headers=appraiser_headers)
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["market"]
    assert api.db.get(ValuationReport, report_id).results is None
    api.db.rollback()


def test_a_profile_checks_the_assets_declared_fields_unless_told_otherwise(
    app, api, holding, provider_headers, appraiser_headers
):
    # The asset declares `id` an integer and `amount` a number: "abc" in amount is counted
    # without the appraiser typing the schema again; {} measures the structure only.
    _organisation, _owner, asset = holding
    asset.field_schema = [
        {"name": "id", "type": "integer", "description": "编号"},
        {"name": "amount", "type": "float"},
        {"name": "updated", "type": "日期型"},
    ]
    api.db.commit()
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    job = _queued(api, appraiser_headers, base, {"file": "stations.csv"})
    assert job["schema"] == {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "amount", "type": "number"},
            {"name": "updated", "type": "string"},
        ]
    }
    assert valuation_tasks.run_profile_jobs(app) == 1
    profile = api.raw.get(base, headers=appraiser_headers).json["profile"]
    amount = next(f for f in profile["fields"] if f["name"] == "amount")
    assert amount["nonconforming"] == 1
    assert profile["scores"]["conformance"] < 1

    job = _queued(api, appraiser_headers, base, {"file": "stations.csv", "schema": {}})
    assert job["schema"] is None
    assert valuation_tasks.run_profile_jobs(app) == 1
    profile = api.raw.get(base, headers=appraiser_headers).json["profile"]
    assert profile["scores"]["conformance"] == 1


def test_a_large_integer_bound_is_an_integer(
    app, api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    big = "99999999999999999999999999"
    schema = {"fields": [{"name": "id", "type": "integer", "maximum": big, "minimum": "-" + big}]}
    _queued(api, appraiser_headers, base, {"file": "stations.csv", "schema": schema})
    assert valuation_tasks.run_profile_jobs(app) == 1
    job = api.raw.get(base, headers=appraiser_headers).json["profile_job"]
    assert job["status"] == "done", job
    identifier = next(
        f
        for f in api.raw.get(base, headers=appraiser_headers).json["profile"]["fields"]
        if f["name"] == "id"
    )
    assert identifier["invalid"] == 0


def _queued(api, headers, base, body):
    response = api.raw.post(f"{base}/profile", json=body, headers=headers)
    assert response.status_code == 202, response.json
    api.db.rollback()  # SQLite: let the worker write
    return response.json["profile_job"]


def test_running_or_finalising_too_early_is_a_wrong_state_conflict(
    api, holding, provider_headers, appraiser_headers
):
    base = f"/api/v1/appraisal/valuations/{_request(api, provider_headers, holding)}"
    assert api.raw.post(f"{base}/take", headers=appraiser_headers).status_code == 200
    for action, missing in (("run", "inputs"), ("finalise", "results")):
        response = api.raw.post(f"{base}/{action}", headers=appraiser_headers)
        assert response.status_code == 409, response.json
        errors = response.json["errors"]
        assert errors["state"] == ["in_progress"]
        assert errors["action"] == [action]
        assert set(errors) == {missing, "state", "action"}


def test_a_valuation_of_an_asset_not_found_names_asset_id(api, provider_headers):
    body = {"asset_id": 999999, "purpose": "trading"}
    response = api.raw.post("/api/v1/valuations", json=body, headers=provider_headers)
    assert response.status_code == 404
    assert list(response.json["errors"]) == ["asset_id"]
