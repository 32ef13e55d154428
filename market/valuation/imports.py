"""A valuation's inputs from a spreadsheet, or from the last final report of the same asset.

The spreadsheet (CSV in UTF-8 or GBK, or the first sheet of an XLSX workbook) has two columns,
``path`` and ``value``: one row per input, named by the dotted path the API's JSON uses
(``weights.cost``, ``cost.items.0.amount``, ``market.comparables.2.price``). A row without a
value is no input; list positions need not run 0, 1, 2 (a deleted row leaves no gap). What it
gives is loaded by ``InputsSchema``, the schema of manual entry, and each error names the row
and the column it comes from (``rows.7.value``), or the path to add when no row gives it.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from marshmallow import Schema, ValidationError
from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput
from market.text import N_
from market.valuation import sheets
from market.valuation.models import ReportStatus, ValuationReport
from market.valuation.schemas import InputsSchema

MAX_BYTES = 1024 * 1024
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_ROWS = 5000
HEADER = ("path", "value")
UNKNOWN = Schema._default_error_messages["unknown"]  # "Unknown field."
INVALID = N_("The spreadsheet's inputs are not valid; each error names its row.")
# What the template offers when a report has no inputs yet: every input, blank.
TEMPLATE_PATHS = (
    "weights.cost",
    "weights.income",
    "weights.market",
    *(
        f"cost.items.{i}.{name}"
        for i in range(3)
        for name in ("category", "amount", "basis", "note")
    ),
    "cost.functional_obsolescence",
    "cost.economic_obsolescence",
    "cost.coefficient_basis",
    "cost.economic_life_years",
    "cost.remaining_life_years",
    "income.form",
    "income.annual_amount",
    "income.share",
    "income.economic_life_years",
    "income.discount_rate",
    "income.growth_rate",
    *(
        f"market.comparables.{i}.{name}"
        for i in range(3)
        for name in ("price", "quality", "scale", "timeliness", "rights", "region", "reference")
    ),
    "sensitivity.discount_rate",
    "sensitivity.growth_rate",
    "sensitivity.attribution_share",
    "sensitivity.quality",
    "quality_override.coefficient",
    "quality_override.reason",
    "disclosure.classification",
    "disclosure.useful_life_months",
    "disclosure.amortisation_basis",
    "notes",
)


@dataclass
class Row:
    """One row of the sheet: its number (the header is row 1), its path and its value."""

    number: int
    path: list[str]
    value: str


# --- reading --------------------------------------------------------------------------------


def read_rows(data: bytes) -> list[list[str]]:
    """The sheet's rows as text: an XLSX workbook's first sheet, or CSV in UTF-8 or GBK."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(N_("The file is too large."), field="file")
    if data.startswith(b"PK\x03\x04"):
        _refuse_bombs(data)
        with tempfile.TemporaryDirectory(prefix="inputs-") as scratch:
            workbook, converted = Path(scratch) / "inputs.xlsx", Path(scratch) / "inputs.csv"
            workbook.write_bytes(data)
            try:
                sheets.xlsx_to_csv(workbook, converted)
            except sheets.WorkbookError as error:
                raise InvalidInput(N_("The workbook cannot be read."), field="file") from error
            text = converted.read_text(encoding="utf-8")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput(N_("The file is not text in UTF-8 or GBK."), field="file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InvalidInput(N_("The file cannot be parsed as CSV."), field="file") from error
    if len(rows) > MAX_ROWS:
        raise InvalidInput(N_("The sheet has too many rows."), field="file")
    return rows


def _refuse_bombs(data: bytes) -> None:
    # A workbook of 1 MiB may unpack to gigabytes (its shared strings are read whole).
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        return  # the reader says the workbook cannot be read
    if unpacked > MAX_UNPACKED_BYTES:
        raise InvalidInput(N_("The workbook is too large once unpacked."), field="file")


def inputs_from_rows(rows: list[list[str]]) -> tuple[dict, list[Row]]:
    """The nested inputs the rows give, and the rows (paths as placed in the inputs)."""
    header = tuple(cell.strip().lower() for cell in (rows[0] if rows else [])[:2])
    if header != HEADER:
        raise InvalidInput(
            N_("The first row must name the columns path and value."), field="rows.1"
        )
    given: list[Row] = []
    for number, cells in enumerate(rows[1:], start=2):
        path, value = (cells + ["", ""])[:2]
        path, value = path.strip(), value.strip()
        if not path or not value:
            continue
        segments = path.split(".")
        if not all(segments):
            raise InvalidInput(N_("Not a path of an input."), field=f"rows.{number}.path")
        given.append(Row(number, segments, value))
    _close_gaps(given)
    inputs: dict = {}
    for row in given:
        _place(inputs, row)
    return _lists(inputs), given


def _close_gaps(rows: list[Row]) -> None:
    # Positions 0, 2, 5 of a list become 0, 1, 2, depth by depth (a parent's own place first).
    for depth in range(max((len(row.path) for row in rows), default=0)):
        positions: dict[tuple, set[int]] = defaultdict(set)
        placed = [row for row in rows if len(row.path) > depth and row.path[depth].isdigit()]
        for row in placed:
            positions[tuple(row.path[:depth])].add(int(row.path[depth]))
        for row in placed:
            order = sorted(positions[tuple(row.path[:depth])])
            row.path[depth] = str(order.index(int(row.path[depth])))


def _place(inputs: dict, row: Row) -> None:
    node = inputs
    for segment in row.path[:-1]:
        node = node.setdefault(segment, {})
        if not isinstance(node, dict):
            raise InvalidInput(N_("This path is given twice."), field=f"rows.{row.number}.path")
    if row.path[-1] in node:
        raise InvalidInput(N_("This path is given twice."), field=f"rows.{row.number}.path")
    node[row.path[-1]] = row.value


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[str(index)]) for index in range(len(node))]
    return {key: _lists(value) for key, value in node.items()}


def load_rows(rows: list[list[str]]) -> dict:
    """The inputs a sheet gives, loaded by ``InputsSchema`` (as dumped for storing); an
    InvalidInput whose errors name ``rows.N.value`` (or ``rows.N.path``) for each bad row."""
    inputs, given = inputs_from_rows(rows)
    schema = InputsSchema()
    try:
        return schema.dump(schema.load(inputs))
    except ValidationError as error:
        raise InvalidInput(INVALID, **_by_row(error.messages, given)) from None


def _by_row(messages: dict, given: list[Row]) -> dict[str, list]:
    """Each error keyed by the row and column it comes from: ``rows.N.path`` for an input
    the schema does not know, ``rows.N.value`` for a bad value. A rule over several inputs
    (the weights' sum) or one no row gives keeps its dotted path."""
    rows = {".".join(row.path): row.number for row in given}
    errors: dict[str, list] = {}
    for path, found in messages.items():
        found = found if isinstance(found, list) else [found]
        key = path
        if path in rows:
            column = "path" if UNKNOWN in found else "value"
            key = f"rows.{rows[path]}.{column}"
        errors.setdefault(key, []).extend(found)
    return errors


# --- writing --------------------------------------------------------------------------------


def rows_of(inputs: dict | None) -> list[tuple[str, str]]:
    """``inputs`` as the sheet's rows (path, value); every input left blank when there are none."""
    if not inputs:
        return [(path, "") for path in TEMPLATE_PATHS]
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(f"{prefix}.{index}", value)
        elif node is not None:
            rows.append((prefix, str(node)))

    walk("", inputs)
    return rows


def sheet_csv(inputs: dict | None) -> str:
    """The template, or ``inputs`` written as one, as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows_of(inputs))
    return out.getvalue()


# --- the previous report --------------------------------------------------------------------


def previous_report(session: Session, report: ValuationReport) -> ValuationReport | None:
    """The last final report of the same asset, other than ``report``."""
    return session.scalar(
        sa.select(ValuationReport)
        .where(
            ValuationReport.asset_id == report.asset_id,
            ValuationReport.status == ReportStatus.FINAL,
            ValuationReport.id != report.id,
        )
        .order_by(ValuationReport.finalised_at.desc(), ValuationReport.id.desc())
        .limit(1)
    )


def previous_inputs(session: Session, report: ValuationReport) -> dict:
    """The inputs of the asset's last final report, loaded again by ``InputsSchema`` (so a
    report finalised under older rules cannot bring in what manual entry would refuse)."""
    previous = previous_report(session, report)
    if previous is None or not previous.inputs:
        raise Conflict(N_("This asset has no final report to start from."), field="inputs")
    schema = InputsSchema()
    try:
        return schema.dump(schema.load(previous.inputs))
    except ValidationError as error:
        raise InvalidInput(INVALID, **error.messages) from None
