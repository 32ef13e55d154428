"""Valuation pages: a provider requests, an appraiser works the report through, both read it;
the report page draws its charts on the server and downloads as a PDF with Chinese text."""

from __future__ import annotations

import json
import re
import zlib

from market.valuation import tasks as valuation_tasks
from tests.valuation.test_api import INPUTS
from tests.web import WebClient

ENGLISH = {"Accept-Language": "en"}


def _flow(app, client, holding, appraiser):
    organisation, owner, asset = holding
    client.log_in(owner.email)
    response = client.submit(
        "/valuations",
        {"asset_id": str(asset.id), "purpose": "financing", "purpose_note": "银行质押"},
        page="/valuations",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    report_path = response.headers["Location"]
    staff = WebClient(app)
    staff.log_in(appraiser.email)
    report_id = int(report_path.rstrip("/").split("/")[-1])
    action = f"/appraisal/valuations/{report_id}"
    assert staff.submit(f"{action}/take", {}, page=report_path).status_code == 302
    return staff, report_path, action


def test_the_report_is_worked_through_and_printed(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    for hostile in ("{not json", "[" * 100_000, "[1, 2]"):
        bad = staff.submit(f"{action}/inputs", {"inputs": hostile}, page=report_path)
        assert bad.status_code == 422 and "JSON" in bad.get_data(as_text=True)
    wrong = dict(INPUTS, weights={"cost": "0.5", "income": "0.2"})
    response = staff.submit(f"{action}/inputs", {"inputs": json.dumps(wrong)}, page=report_path)
    assert response.status_code == 302
    response = staff.submit(f"{action}/run", {}, page=report_path)
    assert response.status_code == 422
    # The page speaks the reader's language (Chinese without Accept-Language).
    text = response.get_data(as_text=True)
    assert "各方法权重之和必须为一" in text or "the weights must sum to one" in text

    staff.submit(f"{action}/inputs", {"inputs": json.dumps(INPUTS)}, page=report_path)
    assert staff.submit(f"{action}/run", {}, page=report_path).status_code == 302
    assert staff.submit(f"{action}/finalise", {}, page=report_path).status_code == 302

    page = client.get(report_path).get_data(as_text=True)
    assert page.count("<svg") == 2  # methods and tornado (no profile: the quality was set)
    assert re.search(r'data-testid="report-number">SZDX-V-\d{4}-\d{6}', page)
    assert "797,278" in page.replace("\u00a0", " ") or "7,972.78" in page
    assert "straight-line over 36 months" in page

    pdf = client.get(f"{report_path}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert b"CJK" in _pdf_objects(pdf.data)  # a Noto CJK font is embedded for the Chinese


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with every Flate-compressed stream inflated (font names hide in object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_profile_draws_a_quality_radar(app, client, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    response = staff.submit(f"{action}/profile", {"file": "stations.csv"}, page=report_path)
    assert response.status_code == 302
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of stations.csv: Queued" in page
    assert valuation_tasks.run_profile_jobs(app) == 1
    page = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "Latest profile of stations.csv: Done" in page
    assert "Completeness" in page
    assert page.count("<svg") == 1


def test_other_providers_and_non_appraisers_are_kept_out(app, client, holding, appraiser, db):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    from tests.registry import factories as rf

    _other, stranger = rf.provider(db)
    db.commit()
    outsider = WebClient(app)
    outsider.log_in(stranger.email)
    assert outsider.get(report_path).status_code == 404
    assert outsider.get(f"{report_path}/report.pdf").status_code == 404
    assert outsider.submit(f"{action}/run", {}).status_code == 403
