"""What the finance pages and the finance API hand over the same way: reports as downloads
(XLSX from a temporary file, CSV streamed as it is read) and the files the worker built."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, send_file
from flask_babel import gettext as _

from market.context import db_session
from market.finance import report_builds, reports
from market.finance.schemas import exchange_zone
from market.finance.services import XLSX


def column_labels() -> dict[str, str]:
    """The download columns' titles in the reader's language, by code."""
    return {code: _(label) for code, label in reports.COLUMN_LABELS.items()}


def report_download(name: str, query: dict, words: bool = False) -> Response:
    """The report ``name`` for ``query`` (``format``, ``start``, ``end``, ``organisation_id``,
    ``header``): its columns titled in the reader's words when ``header`` is ``words`` (or,
    not given, when ``words``), else by their codes."""
    labels = (
        column_labels()
        if (query.get("header") or ("words" if words else "codes")) == "words"
        else None
    )
    reports.check(db_session(), name, query["organisation_id"])
    filename = f"{download_stem(name, query)}.{query['format']}"
    window = (query["start"], query["end"], query["organisation_id"])
    if query["format"] == "xlsx":
        handle = reports.xlsx_file(db_session(), name, *window, labels=labels)
        response = send_file(handle.name, mimetype=XLSX, download_name=filename)
        response.call_on_close(handle.close)
        return response
    chunks = reports.csv_chunks(current_app.extensions["db"], name, *window, labels=labels)
    disposition = {"Content-Disposition": f"attachment; filename={filename}"}
    return Response(chunks, mimetype="text/csv", headers=disposition)


def download_stem(name: str, query: dict) -> str:
    """A download's file name before its extension: the report, the organisation of a
    provider statement and the days it covers (in the exchange's zone):
    ``provider_statement-org12-20261101-20261130``."""
    parts = [name]
    if query.get("organisation_id") is not None:
        parts.append(f"org{query['organisation_id']}")
    zone = exchange_zone()
    if query.get("start") is not None:
        parts.append(query["start"].astimezone(zone).strftime("%Y%m%d"))
    if query.get("end") is not None:
        # ``end`` is exclusive: the file names the last day it covers.
        parts.append((query["end"].astimezone(zone) - timedelta(microseconds=1)).strftime("%Y%m%d"))
    return "-".join(parts)


def built_report(build_id: int) -> Response:
    """A report the worker built (``Conflict`` until it is done)."""
    stream, media, filename = report_builds.download(
        db_session(), current_app.extensions["files"], build_id
    )
    return send_file(stream, mimetype=media, download_name=filename, as_attachment=True)
