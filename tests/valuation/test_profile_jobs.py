"""Profiling runs in ``shujiao worker``: queued by the appraiser, claimed, worked outside any
transaction, and recorded as done or failed with a reason; a failed profile is retried."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from market.db import utcnow
from market.objectstore import S3FileStore
from market.valuation import services
from market.valuation import tasks as valuation_tasks
from market.valuation.models import ProfileJob, ProfileJobStatus
from tests.registry import factories as rf
from tests.valuation.conftest import CSV
from tests.valuation.test_api import INPUTS, _appraise, _request

# Text, so the registry keeps it, but not JSON lines past the first row.
BROKEN = b'{"id": 1, "name": "a"}\n{"id": 2, name\n'


def _queue(api, headers, base, file):
    response = api.raw.post(f"{base}/profile", json={"file": file}, headers=headers)
    assert response.status_code == 202, response.json
    api.db.rollback()
    return response.json["profile_job"]


def test_a_failed_profile_says_why_and_is_retried(
    app, api, holding, store, provider_headers, appraiser_headers
):
    _organisation, owner, asset = holding
    rf.version(api.db, store, asset, owner, {"broken.jsonl": BROKEN})
    api.db.commit()
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    first = _queue(api, appraiser_headers, base, "broken.jsonl")

    # Another profile while one is queued, or finalising, waits for it.
    again = api.raw.post(
        f"{base}/profile", json={"file": "broken.jsonl"}, headers=appraiser_headers
    )
    assert again.status_code == 409 and "profile" in again.json["errors"]
    api.raw.post(f"{base}/run", headers=appraiser_headers)
    final = api.raw.post(f"{base}/finalise", headers=appraiser_headers)
    assert final.status_code == 409 and "profile" in final.json["errors"]

    assert valuation_tasks.run_profile_jobs(app) == 1
    job = api.raw.get(base, headers=appraiser_headers).json["profile_job"]
    assert (job["id"], job["status"]) == (first["id"], "failed")
    assert job["error"]["field"] == "file" and job["error"]["message"]
    assert job["started_at"] and job["finished_at"]

    retried = api.raw.post(f"{base}/profile/retry", headers=appraiser_headers)
    assert retried.status_code == 202, retried.json
    assert retried.json["profile_job"]["status"] == "queued"
    assert retried.json["profile_job"]["id"] != first["id"]
    assert retried.json["profile_job"]["file"] == "broken.jsonl"
    api.db.rollback()
    nothing_failed = api.raw.post(f"{base}/profile/retry", headers=appraiser_headers)
    assert nothing_failed.status_code == 409

    api.db.rollback()
    statuses = api.db.scalars(
        sa.select(ProfileJob.status).where(ProfileJob.report_id == report_id)
    ).all()
    assert statuses == [ProfileJobStatus.FAILED, ProfileJobStatus.QUEUED]
    api.db.rollback()


def test_the_worker_profiles_and_nothing_is_left_queued(
    app, api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    api.raw.post(f"{base}/run", headers=appraiser_headers)
    _queue(api, appraiser_headers, base, "stations.csv")
    assert valuation_tasks.run_profile_jobs(app) == 1
    assert valuation_tasks.run_profile_jobs(app) == 0
    shown = api.raw.get(base, headers=appraiser_headers).json
    assert shown["profile_job"]["status"] == "done"
    assert shown["profile"]["rows"] == 4
    assert shown["results"] is None  # the new profile cleared the earlier results
    api.db.rollback()


def test_a_job_left_running_by_a_stopped_worker_fails_for_retry(
    app, api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id)
    job = _queue(api, appraiser_headers, base, "stations.csv")
    long_ago = utcnow() - timedelta(hours=2)
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        assert services.claim_profile_job(session, long_ago).job_id == job["id"]
    assert valuation_tasks.run_profile_jobs(app) == 0  # running is not claimed again
    assert valuation_tasks.maintain(app) == 1
    shown = api.raw.get(base, headers=appraiser_headers).json["profile_job"]
    assert shown["status"] == "failed" and shown["error"]["message"]
    api.db.rollback()


def test_a_profile_finishing_after_finalisation_changes_nothing(
    app, api, holding, provider_headers, appraiser_headers
):
    report_id = _request(api, provider_headers, holding)
    base = _appraise(api, appraiser_headers, report_id, INPUTS)
    job = _queue(api, appraiser_headers, base, "stations.csv")
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        claimed = services.claim_profile_job(session, utcnow())
    api.raw.post(f"{base}/run", headers=appraiser_headers)
    # Finalising waits for the running profile.
    response = api.raw.post(f"{base}/finalise", headers=appraiser_headers)
    assert response.status_code == 409
    api.db.rollback()
    profile = services.profile_claimed(app.extensions["files"], claimed, utcnow(), "128MB")
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        services.finish_profile_job(session, job["id"], profile, None, utcnow())
    shown = api.raw.get(base, headers=appraiser_headers).json
    assert shown["profile"]["rows"] == 4 and shown["profile_job"]["status"] == "done"
    api.db.rollback()


def test_a_file_in_the_object_store_is_fetched_and_profiled(s3_bucket, s3_service, tmp_path):
    store = S3FileStore.from_url(f"s3://{s3_bucket}/files", **s3_service)
    stored = store.save(io.BytesIO(CSV), 2**20)
    assert store.local_path(stored.key) is None  # so the worker fetches it first
    claimed = services.ClaimedProfile(
        job_id=1,
        storage_key=stored.key,
        file="stations.csv",
        file_format="csv",
        schema={"fields": [{"name": "id", "type": "integer"}], "key": ["id"]},
        documented=True,
    )
    profile = services.profile_claimed(store, claimed, utcnow(), "128MB")
    assert (profile["rows"], profile["duplicate_keys"], profile["file"]) == (4, 1, "stations.csv")
