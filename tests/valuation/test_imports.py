"""Importing a valuation's inputs: from a sheet (CSV in UTF-8 or GBK, XLSX) checked by the
schema of manual entry with errors naming row and column, and from the asset's last final report."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from market.valuation import imports
from tests.valuation.test_api import INPUTS, _appraise, _request


def _sheet(inputs=INPUTS) -> str:
    return imports.sheet_csv(inputs)


def _upload(api, headers, base, body: bytes, name="inputs.csv"):
    return api.raw.post(
        f"{base}/inputs/import",
        data={"file": (io.BytesIO(body), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _taken(api, provider_headers, holding, appraiser_headers):
    report_id = _request(api, provider_headers, holding)
    base = f"/api/v1/appraisal/valuations/{report_id}"
    assert api.raw.post(f"{base}/take", headers=appraiser_headers).status_code == 200
    return base


def test_a_sheet_written_from_inputs_loads_back_to_the_same_inputs():
    rows = [line.split(",", 1) for line in _sheet().splitlines()]
    expected = imports.InputsSchema().dump(imports.InputsSchema().load(INPUTS))
    assert imports.load_rows(rows) == expected
    assert rows[0] == ["path", "value"]
    assert ["cost.items.1.amount", "400000"] in rows


def test_list_positions_with_gaps_close_up_and_blank_rows_are_no_input():
    rows = [line.split(",", 1) for line in _sheet().splitlines()]
    renumbered = [
        [path.replace("cost.items.1.", "cost.items.7."), value] for path, value in rows
    ] + [["cost.items.3.category", ""], ["", ""]]
    loaded = imports.load_rows(renumbered)
    assert [item["amount"] for item in loaded["cost"]["items"]] == [600_000, 400_000]


def test_the_blank_template_names_every_input_and_loads_nothing():
    rows = list(imports.rows_of(None))
    assert ("cost.items.0.amount", "") in rows and ("disclosure.classification", "") in rows
    with pytest.raises(imports.InvalidInput) as raised:
        imports.load_rows([["path", "value"], *map(list, rows)])
    # Nothing given: the errors name the paths to fill, there being no row to name.
    assert "disclosure" in raised.value.errors and "weights" in raised.value.errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("cost.items.0.amount", "六十万"), "rows.{row}.value"),
        (("income.discount_rate", "0.01"), "rows.{row}.value"),  # not above the growth rate
        (("weights.cost", "0.9"), "weights"),  # the weights no longer sum to one
        (("cost.items.0.colour", "red"), "rows.{row}.path"),
    ],
    ids=["not-a-number", "rate-below-growth", "weights", "unknown-input"],
)
def test_errors_name_the_row_and_column(change, field):
    rows = [line.split(",", 1) for line in _sheet().splitlines()]
    path, value = change
    numbers = [i for i, (p, _) in enumerate(rows, start=1) if p == path]
    if numbers:
        rows[numbers[0] - 1][1] = value
        row = numbers[0]
    else:
        rows.append([path, value])
        row = len(rows)
    with pytest.raises(imports.InvalidInput) as raised:
        imports.load_rows(rows)
    assert field.format(row=row) in raised.value.errors, raised.value.errors


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([["name", "amount"]], "rows.1"),
        ([["path", "value"], ["weights..cost", "1"]], "rows.2.path"),
        ([["path", "value"], ["weights.cost", "1"], ["weights.cost", "1"]], "rows.3.path"),
        ([["path", "value"], ["cost", "1"], ["cost.items.0.amount", "1"]], "rows.3.path"),
    ],
    ids=["header", "empty-segment", "twice", "leaf-and-parent"],
)
def test_a_sheet_of_the_wrong_shape_is_refused_naming_the_row(rows, field):
    with pytest.raises(imports.InvalidInput) as raised:
        imports.load_rows(rows)
    assert raised.value.field == field


def test_import_a_gbk_csv_through_the_api(api, holding, provider_headers, appraiser_headers):
    base = _taken(api, provider_headers, holding, appraiser_headers)
    inputs = {**INPUTS, "notes": "复核：福田区站点"}
    response = _upload(api, appraiser_headers, base, _sheet(inputs).encode("gbk"))
    assert response.status_code == 200, response.json
    assert response.json["inputs"]["notes"] == "复核：福田区站点"
    assert response.json["inputs"]["cost"]["items"][1]["basis"] == "historical"


def test_import_an_xlsx_through_the_api(api, holding, provider_headers, appraiser_headers):
    base = _taken(api, provider_headers, holding, appraiser_headers)
    workbook = openpyxl.Workbook()
    for path, value in [("path", "value"), *imports.rows_of(INPUTS)]:
        # A spreadsheet holds numbers as numbers: 600000, not "600000".
        workbook.active.append([path, float(value) if value.replace(".", "").isdigit() else value])
    body = io.BytesIO()
    workbook.save(body)
    response = _upload(api, appraiser_headers, base, body.getvalue(), "inputs.xlsx")
    assert response.status_code == 200, response.json
    assert response.json["inputs"]["cost"]["items"][0]["amount"] == 600_000
    assert response.json["inputs"]["income"]["discount_rate"] == "0.1"


def test_a_bad_sheet_is_a_422_naming_the_row_and_saves_nothing(
    api, holding, provider_headers, appraiser_headers
):
    base = _appraise(api, appraiser_headers, _request(api, provider_headers, holding))
    sheet = _sheet().replace("cost.items.0.amount,600000", "cost.items.0.amount,-5")
    response = _upload(api, appraiser_headers, base, sheet.encode())
    assert response.status_code == 422
    row = sheet.splitlines().index("cost.items.0.amount,-5") + 1
    assert f"rows.{row}.value" in response.json["errors"]
    kept = api.raw.get(base, headers=appraiser_headers).json["inputs"]
    assert kept["cost"]["items"][0]["amount"] == 600_000


@pytest.mark.parametrize(
    ("body", "field"),
    [(b"\xff\xfe\x00\x01\x80", "file"), (b"PK\x03\x04broken", "file"), (b"", "rows.1")],
    ids=["not-text", "broken-workbook", "empty"],
)
def test_an_unreadable_sheet_is_a_422(
    api, holding, provider_headers, appraiser_headers, body, field
):
    base = _taken(api, provider_headers, holding, appraiser_headers)
    response = _upload(api, appraiser_headers, base, body)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_the_template_downloads_blank_then_with_the_inputs(
    api, holding, provider_headers, appraiser_headers
):
    base = _taken(api, provider_headers, holding, appraiser_headers)
    blank = api.raw.get(f"{base}/inputs.csv", headers=appraiser_headers)
    assert blank.status_code == 200 and blank.mimetype == "text/csv"
    assert "cost.items.0.amount,\r\n" in blank.get_data(as_text=True)
    api.raw.put(f"{base}/inputs", json=INPUTS, headers=appraiser_headers)
    filled = api.raw.get(f"{base}/inputs.csv", headers=appraiser_headers).get_data(as_text=True)
    assert "cost.items.0.amount,600000\r\n" in filled


def test_a_revaluation_starts_from_the_last_final_report(
    api, holding, provider_headers, appraiser_headers
):
    first = _appraise(api, appraiser_headers, _request(api, provider_headers, holding))
    assert api.raw.post(f"{first}/run", headers=appraiser_headers).status_code == 200
    assert api.raw.post(f"{first}/finalise", headers=appraiser_headers).status_code == 200
    again = _taken(api, provider_headers, holding, appraiser_headers)
    response = api.raw.post(f"{again}/inputs/from-previous", headers=appraiser_headers)
    assert response.status_code == 200, response.json
    final = api.raw.get(first, headers=appraiser_headers).json
    assert response.json["inputs"] == final["inputs"]
    assert response.json["results"] is None  # to be run again


def test_a_first_valuation_has_no_previous_report(
    api, holding, provider_headers, appraiser_headers
):
    base = _taken(api, provider_headers, holding, appraiser_headers)
    response = api.raw.post(f"{base}/inputs/from-previous", headers=appraiser_headers)
    assert response.status_code == 409
    assert "inputs" in response.json["errors"]


def test_a_workbook_that_unpacks_to_too_much_is_refused():
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"a" * (40 * 2**20) + b"</sst>")
    assert len(body.getvalue()) < imports.MAX_BYTES
    with pytest.raises(imports.InvalidInput) as raised:
        imports.read_rows(body.getvalue())
    assert (raised.value.field, raised.value.message) == (
        "file",
        "The workbook is too large once unpacked.",
    )
