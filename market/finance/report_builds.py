"""Reports built in the background (後台生成): a request queues the build, ``shujiao worker``
writes the file (CSV, or XLSX in constant memory) into the file store, and finance fetches it
when the build says ``done``. A 400,000-posting journal as XLSX takes longer than a web
worker's timeout; this way no request waits for it."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime

from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, NotFound
from market.errors import state_value as _value
from market.files import FileStore
from market.finance import reports
from market.finance.models import ReportBuild
from market.finance.services import XLSX
from market.identity.models import User
from market.text import N_

TOPIC = "finance.report_build"
# A built report may be as large as the journal: the store's per-file limit does not apply.
MAX_BYTES = 1 << 40


def _params(start: datetime | None, end: datetime | None, organisation_id: int | None) -> dict:
    return {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "organisation_id": organisation_id,
    }


def request(
    session: Session, name: str, fmt: str, user: User | None, now: datetime,
    start: datetime | None = None, end: datetime | None = None,
    organisation_id: int | None = None,
) -> ReportBuild:  # fmt: skip
    """Queue a build of report ``name`` for the worker."""
    reports.check(session, name, organisation_id)
    build = ReportBuild(
        name=name, format=fmt, params=_params(start, end, organisation_id), status="queued",
        requested_by_id=user.id if user else None, requested_at=now,
    )  # fmt: skip
    session.add(build)
    session.flush()
    outbox.enqueue(session, TOPIC, {"build_id": build.id})
    return build


def build_or_404(session: Session, build_id: int) -> ReportBuild:
    """A queued or finished build."""
    found = session.get(ReportBuild, build_id)
    if found is None:
        raise NotFound(N_("No such report build."))
    return found


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def run(session: Session, store: FileStore, build_id: int, now: datetime) -> ReportBuild:
    """Build the report into a temporary file, then into the store (the worker's job)."""
    build = build_or_404(session, build_id)
    if build.status != "queued":
        return build
    params = build.params
    report = reports.build(
        session, build.name, _moment(params.get("start")), _moment(params.get("end")),
        params.get("organisation_id"),
    )  # fmt: skip
    with tempfile.NamedTemporaryFile(suffix=f".{build.format}") as handle:
        if build.format == "xlsx":
            rows = reports.write_xlsx(report, handle.name)
        else:
            rows = _write_csv(report, handle)
        handle.seek(0)
        stored = store.save(handle, MAX_BYTES)
    build.status, build.file_key, build.rows, build.size = "done", stored.key, rows, stored.size
    build.finished_at = now
    return build


def _write_csv(report: reports.Report, handle) -> int:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    text.write(reports.BOM)
    writer = csv.writer(text)
    writer.writerow(report.columns)
    count = 0
    for row in report.rows:
        writer.writerow(row)
        count += 1
    text.flush()
    text.detach()
    return count


def fail(session: Session, build_id: int, error: str, now: datetime) -> None:
    """Record why a build could not be made."""
    build = session.get(ReportBuild, build_id)
    if build is not None and build.status == "queued":
        build.status, build.error, build.finished_at = "failed", error[:500], now


def download(session: Session, store: FileStore, build_id: int):
    """The finished build's file (a readable stream), its media type and name."""
    build = build_or_404(session, build_id)
    if build.status != "done":
        raise Conflict(N_("This report is not ready."), state=[_value(build.status)])
    if not store.exists(build.file_key):
        raise NotFound(N_("This report was built too long ago; build it again."))
    media = XLSX if build.format == "xlsx" else "text/csv"
    return store.open(build.file_key), media, f"{build.name}-{build.id}.{build.format}"
