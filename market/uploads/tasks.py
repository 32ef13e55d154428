"""Uploads' work for ``shujiao worker``: fingerprint completed uploads; expire and sweep."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from market import filesweep
from market.db import utcnow
from market.outbox import Handler
from market.uploads import services


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers by topic."""
    store = app.extensions["files"]

    def fingerprint(session: Session, payload: dict) -> None:
        services.fingerprint(session, store, payload["upload_id"], utcnow())

    return {services.FINGERPRINT_TOPIC: fingerprint}


def maintain(app: Flask) -> filesweep.SweepReport:
    """Expire abandoned upload sessions, then sweep unreferenced blobs and stray uploads."""
    store = app.extensions["files"]
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        now = utcnow()
        services.expire_due(session, store, now)
        cutoff = now - timedelta(hours=int(app.config["FILES_SWEEP_GRACE_HOURS"]))
        return filesweep.sweep(session, store, cutoff)
