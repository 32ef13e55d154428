"""Journal exports for finance and auditors: CSV and XLSX, one row per posting.

Amounts appear twice: as integer minor units (exact, for machines) and as decimal text in the
currency's major unit (for people). Both exports stream, so a year of postings fits in memory.

Text that a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a carriage
return — a description or metadata typed by anyone) is written with a leading apostrophe, so
opening an export never runs what someone put in it. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from ledger import xlsx
from ledger.currencies import to_major
from ledger.reads import journal

COLUMNS = (
    "entry_id",
    "idempotency_key",
    "effective_at",
    "recorded_at",
    "description",
    "leg",
    "account",
    "currency",
    "debit_minor",
    "credit_minor",
    "debit",
    "credit",
    "reverses_entry_id",
    "metadata",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot be a formula (text only; numbers unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(
    session: Session, start: datetime | None, end: datetime | None, zone: tzinfo | None = None
) -> Iterator[list[Any]]:
    """The journal's rows of ``[start, end)`` under :data:`COLUMNS`, spreadsheet-safe, times
    in ``zone`` (UTC otherwise): what both exports write, for a report that writes them too."""
    for line in journal(session, start=start, end=end):
        yield [spreadsheet_safe(cell) for cell in _cells(line, zone)]


def _cells(line, zone: tzinfo | None = None) -> list[Any]:
    # Times stay ISO 8601 with their offset; ``zone`` only chooses which offset they are shown in.
    return [
        line.entry_id,
        line.key,
        line.effective_at.astimezone(zone).isoformat(timespec="microseconds")
        if zone
        else line.effective_at.isoformat(timespec="microseconds"),
        line.recorded_at.astimezone(zone).isoformat(timespec="microseconds")
        if zone
        else line.recorded_at.isoformat(timespec="microseconds"),
        line.description,
        line.leg,
        line.account,
        line.currency,
        line.debit,
        line.credit,
        to_major(line.debit, line.currency) if line.debit else "",
        to_major(line.credit, line.currency) if line.credit else "",
        line.reverses_entry_id if line.reverses_entry_id is not None else "",
        json.dumps(line.metadata, sort_keys=True, ensure_ascii=False) if line.metadata else "",
    ]


def export_csv(
    session: Session,
    out: IO[str],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
    header: Sequence[str] = COLUMNS,
) -> int:
    """Write the journal of ``[start, end)`` as CSV (UTF-8 text) to ``out``; return the row count.

    Times are ISO 8601 with their offset, in ``zone`` when given (UTC otherwise); ``header``
    titles the columns of :data:`COLUMNS` (a reader's words for them; the codes by default)."""
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows(session, start, end, zone):
        writer.writerow(row)
        count += 1
    return count


def export_xlsx(
    session: Session,
    out: str | Path | IO[bytes],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
    header: Sequence[str] = COLUMNS,
) -> int:
    """Write the journal of ``[start, end)`` as an XLSX workbook (one sheet, ``journal``,
    streamed row by row by ``ledger.xlsx``) under ``header``; return the row count."""
    return xlsx.write(out, "journal", header, rows(session, start, end, zone))
