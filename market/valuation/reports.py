"""What a final valuation report says, its hash, and the checks other domains make on it.

Listings cite a report by number; compliance review checks that it is final and still hashes
to what the registry log recorded. This module imports no other domain's services, so any
domain may use it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.registry.models import RegistryEvent
from market.valuation.models import ReportStatus, ValuationReport


def final_report(session: Session, number: str) -> ValuationReport | None:
    """The final report with this number, if there is one."""
    return session.scalar(
        sa.select(ValuationReport).where(
            ValuationReport.number == number.strip().upper(),
            ValuationReport.status == ReportStatus.FINAL,
        )
    )


def content(report: ValuationReport) -> dict:
    """Everything a final report says, as hashed: inputs, formulas, results, who signed, when."""
    return {
        "number": report.number,
        "edition": report.edition,
        "organisation_id": report.organisation_id,
        "asset_id": report.asset_id,
        "asset_version": report.version.number,
        "fingerprint": report.version.fingerprint,
        "purpose": str(report.purpose),
        "purpose_note": report.purpose_note,
        "currency": report.currency,
        "inputs": report.inputs,
        "profile": report.profile,
        "results": report.results,
        "appraiser": {"id": report.appraiser_id, "name": report.appraiser.name},
        "finalised_at": report.finalised_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }


def content_hash(report: ValuationReport) -> str:
    """SHA-256 of the canonical JSON of :func:`content`."""
    text = json.dumps(content(report), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def verify(session: Session, report: ValuationReport) -> bool:
    """Whether a final report still hashes to what it recorded, and the log records that hash."""
    if report.status != ReportStatus.FINAL or report.content_hash != content_hash(report):
        return False
    event = session.scalar(sa.select(RegistryEvent).where(RegistryEvent.seq == report.chain_seq))
    return (
        event is not None
        and event.event_type == "valuation.finalised"
        and event.payload.get("content_hash") == report.content_hash
    )
