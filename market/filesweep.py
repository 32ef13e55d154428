"""Removing blobs that nothing refers to: uploads whose request rolled back, abandoned parts.

A blob is kept while any asset file, evidence document, listing sample or business licence
scan names its key. Only
blobs older than a grace period are removed, so an upload saved by a request that has not
committed yet is never taken from under it. Resumable uploads (multipart uploads, part
directories, joined objects awaiting their fingerprint) are kept while their session is open or
verifying; any other one older than the grace period is aborted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.files import FileStore
from market.listings.models import Sample
from market.registry.models import AssetFile, Evidence
from market.uploads.services import live_tokens
from market.verification.models import VerificationRequest

REFERENCES = (
    AssetFile.storage_key,
    Evidence.storage_key,
    Sample.storage_key,
    VerificationRequest.licence_storage_key,
)


@dataclass
class SweepReport:
    """What a sweep found and (unless it was a dry run) removed."""

    removed: list[str] = field(default_factory=list)
    kept: int = 0


def referenced_keys(session: Session) -> set[str]:
    """Every storage key a row refers to."""
    keys: set[str] = set()
    for column in REFERENCES:
        keys.update(session.scalars(sa.select(column).distinct()))
    return keys


def sweep(session: Session, store: FileStore, older_than: datetime, dry_run: bool = False):
    """Remove unreferenced blobs last written before ``older_than``."""
    referenced = referenced_keys(session)
    live = live_tokens(session)
    report = SweepReport()
    for key in store.stored_before(older_than):
        if key in referenced or key.removeprefix("uploads/") in live:
            report.kept += 1
            continue
        report.removed.append(key)
        if not dry_run:
            store.delete(key)
    for token, handle in list(store.stale_uploads(older_than)):
        if token in live:
            report.kept += 1
            continue
        report.removed.append(f"uploads/{token} (parts)")
        if not dry_run:
            store.abort_upload(token, handle)
    return report
