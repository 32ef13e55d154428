"""The first sheet of an XLSX workbook as a UTF-8 CSV, for DuckDB to profile like any CSV.

python-calamine (Rust) reads a sheet sixteen times faster than openpyxl, but holds the whole
sheet in memory as one dense box (every cell between the first and the last, empty or not);
openpyxl's read-only mode streams it row by row in a fixed footprint. A sheet whose box is at
most ``CELLS_IN_MEMORY`` cells is read with calamine; a larger one, or one whose cells are not
all placed by reference, with openpyxl. So a workbook of a million rows, or one with two cells
a million rows apart, stays within the profiling memory budget.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

CELLS_IN_MEMORY = 2_000_000
SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\s\w+:id=\"([^\"]+)\"")
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
CELL_PLACE = re.compile(rb"\sr=\"([A-Z]{1,3})(\d{1,7})\"")
BLOCK_BYTES = 1 << 20


class WorkbookError(Exception):
    """The workbook cannot be read."""


def xlsx_to_csv(source: Path, target: Path) -> None:
    """Write the first sheet of ``source`` to ``target`` as CSV; WorkbookError if unreadable."""
    cells = sheet_cells(source)
    rows = _calamine_rows if cells is not None and cells <= CELLS_IN_MEMORY else _openpyxl_rows
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(map(_cells, rows(source)))


def _cells(row: Iterable) -> list:
    # Whole numbers come from calamine as floats (Excel stores every number as one): 7, not 7.0.
    return [
        ""
        if v is None
        else v.isoformat()
        if isinstance(v, date | datetime | time)
        else int(v)
        if isinstance(v, float) and v.is_integer()
        else v
        for v in row
    ]


def _calamine_rows(source: Path) -> Iterable[list]:
    from python_calamine import CalamineWorkbook  # noqa: PLC0415 - only XLSX needs it

    try:
        with CalamineWorkbook.from_path(str(source)) as workbook:
            sheet = workbook.get_sheet_by_index(0)
    except Exception as error:  # calamine raises several kinds for a broken workbook
        raise WorkbookError from error
    yield from sheet.iter_rows()


def _openpyxl_rows(source: Path) -> Iterable[tuple]:
    import openpyxl  # noqa: PLC0415 - only XLSX needs it, and it is slow to import

    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise WorkbookError from error
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def sheet_cells(source: Path) -> int | None:
    """How many cells calamine would hold for the first sheet: the box spanning every cell
    the sheet's XML places, scanned in blocks (a sheet's ``<dimension>`` may say anything).
    None when a cell gives no place, or the file is no workbook (the reader then
    reports that)."""
    try:
        with zipfile.ZipFile(source) as archive:
            found = SHEET.search(archive.read("xl/workbook.xml"))
            if found is None:
                return None
            rels = archive.read("xl/_rels/workbook.xml.rels")
            for element in RELATIONSHIP.findall(rels):
                attributes = dict(re.findall(rb"(\w+)=\"([^\"]*)\"", element))
                if attributes.get(b"Id") == found[1]:
                    target = attributes.get(b"Target", b"").decode()
                    break
            else:
                return None
            name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            with archive.open(str(PurePosixPath(name))) as sheet:
                return _box(sheet)
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None


def _box(sheet) -> int | None:
    rows = columns = 0
    first_row = first_column = None
    carried = b""
    while True:
        block = sheet.read(BLOCK_BYTES)
        text = carried + block
        cut = len(text) if not block else text.rfind(b"<")
        text, carried = text[:cut], text[cut:]
        cells = CELL_PLACE.findall(text)
        if len(cells) != len(CELL.findall(text)):
            return None  # a cell placed by its order, not by reference: not bounded here
        if cells:
            # Distinct references first: a row's cells share its number, a column's letters.
            places = list(zip(*cells, strict=True))
            numbers = list(map(int, set(places[1])))
            names = list(map(_column_number, set(places[0])))
            rows, columns = max(rows, *numbers), max(columns, *names)
            first_row = min(first_row or rows, *numbers)
            first_column = min(first_column or columns, *names)
        if not block:
            break
    if first_row is None:
        return 0
    return (rows - first_row + 1) * (columns - first_column + 1)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
