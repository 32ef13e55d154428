"""Finance services over the ledger: what the finance API and pages both serve."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ledger.export import COLUMNS, export_csv, export_xlsx
from market.finance.schemas import exchange_zone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """A file to hand over: its bytes, media type and name."""

    body: bytes
    media_type: str
    filename: str

    @property
    def headers(self) -> dict[str, str]:
        """The HTTP headers that make it an attachment."""
        return {"Content-Disposition": f"attachment; filename={self.filename}"}


def journal(
    session: Session, start: datetime, end: datetime, fmt: str, labels: dict | None = None
) -> Download:
    """The journal of ``[start, end)`` as CSV (``fmt="csv"``) or XLSX (``"xlsx"``), its
    columns titled by ``labels`` (code → words) when given, else by their codes."""
    header = [labels.get(code, code) for code in COLUMNS] if labels else COLUMNS
    if fmt == "xlsx":
        buffer = io.BytesIO()
        export_xlsx(session, buffer, start=start, end=end, zone=exchange_zone(), header=header)
        return Download(buffer.getvalue(), XLSX, "journal.xlsx")
    text = io.StringIO()
    export_csv(session, text, start=start, end=end, zone=exchange_zone(), header=header)
    return Download(text.getvalue().encode(), "text/csv", "journal.csv")
