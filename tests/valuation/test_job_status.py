"""The profile job's status for the page's poller: JSON while it runs, the page's script and
its no-script link only while there is something to wait for."""

from __future__ import annotations

from market.valuation import tasks as valuation_tasks
from tests.valuation.test_pages import _flow


def test_the_status_answers_until_the_job_is_done(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    status_path = f"{action}/profile-job"
    assert staff.get(status_path).status_code == 404  # nothing requested yet

    assert (
        staff.submit(f"{action}/profile", {"file": "stations.csv"}, page=report_path).status_code
        == 302
    )
    queued = staff.get(status_path, headers={"Accept-Language": "en"})
    assert queued.status_code == 200
    assert queued.get_json() == {"status": "queued", "label": "Queued", "finished": False}
    page = staff.get(report_path).get_data(as_text=True)
    assert f'data-poll="{status_path}"' in page
    assert 'src="/static/job-status.js"' in page
    assert 'data-testid="profile-refresh"' in page  # without the script, a link

    assert valuation_tasks.run_profile_jobs(app) == 1
    done = staff.get(status_path).get_json()
    assert done["status"] == "done" and done["finished"] is True
    page = staff.get(report_path).get_data(as_text=True)
    assert "data-poll=" not in page and "job-status.js" not in page


def test_only_appraisers_read_the_status(app, client, holding, appraiser):
    _staff, _report_path, action = _flow(app, client, holding, appraiser)
    # ``client`` is signed in as the provider, who may read the report but not the job.
    assert client.get(f"{action}/profile-job").status_code == 403
