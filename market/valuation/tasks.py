"""Valuation's work for ``shujiao worker``: profile the data files appraisers queued.

A job is claimed and marked running in one short unit of work, profiled outside any
transaction (so SQLite's write lock is never held for the seconds DuckDB takes), and its
outcome recorded in another. Every failure is recorded with its reason; the appraiser retries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from market.db import utcnow
from market.errors import DomainError
from market.valuation import services

log = logging.getLogger(__name__)

# A job running longer than this was left by a worker that stopped.
STALE_AFTER = timedelta(hours=1)


def run_profile_jobs(app: Flask, limit: int = 1) -> int:
    """Profile up to ``limit`` queued jobs, one at a time; how many were worked."""
    db, store = app.extensions["db"], app.extensions["files"]
    memory_budget = app.config["PROFILE_MEMORY_LIMIT"]
    worked = 0
    for _ in range(limit):
        with app.app_context(), db.unit_of_work() as session:
            claimed = services.claim_profile_job(session, utcnow())
        if claimed is None:
            break
        profile = error = None
        try:
            profile = services.profile_claimed(store, claimed, utcnow(), memory_budget)
        except DomainError as failure:
            error = {"message": failure.message, "field": failure.field}
            if getattr(failure, "params", None):
                error["params"] = failure.params
        except Exception as failure:  # noqa: BLE001 - recorded on the job, not retried blindly
            log.exception("profiling job %s failed", claimed.job_id)
            error = {
                "message": services.UNEXPECTED,
                "field": None,
                "detail": type(failure).__name__,
            }
        with app.app_context(), db.unit_of_work() as session:
            services.finish_profile_job(session, claimed.job_id, profile, error, utcnow())
        worked += 1
    return worked


def maintain(app: Flask) -> int:
    """Fail profiling jobs a stopped worker left running; how many."""
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        now = utcnow()
        return services.fail_stale_profile_jobs(session, now - STALE_AFTER, now)
