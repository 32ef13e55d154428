"""Tables of rows in the page templates name their columns in a ``<thead>``: on a phone the
stylesheet stacks each row and hides the head, and each cell says its column (``data-label``);
a header row among the body rows would show as a block of loose words above them (a row of
totals goes in a ``<tfoot>``)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)


def _header_rows_outside_thead(html: str) -> list[str]:
    found = []
    for table in TABLE.findall(html):
        body = re.sub(r"<t(head|foot)>.*?</t\1>", "", table, flags=re.DOTALL)
        for row in ROW.findall(body):
            if row.count("<th") > 1 and "<td" not in row:
                found.append(row[:80])
    return found


def test_column_headers_are_in_a_thead():
    found = {
        str(path.relative_to(TEMPLATES)): rows
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (rows := _header_rows_outside_thead(path.read_text()))
    }
    assert found == {}


def test_the_check_finds_a_header_row_among_the_body_rows():
    loose = "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"
    headed = "<table><thead><tr><th>A</th><th>B</th></tr></thead><tr><td>1</td></tr></table>"
    assert _header_rows_outside_thead(loose) and not _header_rows_outside_thead(headed)
