"""A new organisation's way in, from an empty database: staff made with the CLI, sign-up and
organisation on the web, an API client, evidence through the API, the reviewer's decision on
the pages, and the order gate that used to refuse every new buyer."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from market import worker
from tests import factories
from tests.verification.conftest import EVIDENCE, PDF
from tests.web import WebClient

SHUJIAO = Path(sys.executable).parent / "shujiao"
CLIENT = re.compile(r'data-testid="client-(id|secret)">([^<]+)<')


def _cli(app, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    env.update(
        SHUJIAO_SECRET_KEY="k" * 40,
        SHUJIAO_DATABASE_URL=app.config["DATABASE_URL"],
        SHUJIAO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
    )
    result = subprocess.run(
        [str(SHUJIAO), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _organisation_with_client(app, email: str, name_en: str) -> tuple[int, dict]:
    """Sign up, register an organisation and make an API client, all on the web."""
    web = WebClient(app)
    assert web.sign_up(email).status_code == 302
    created = web.submit(
        "/organisations/new",
        {
            "name_zh": name_en + "（深圳）",
            "name_en": name_en,
            "jurisdiction": "CN",
            "credit_code": factories.credit_code(),
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    organisation_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    page = f"/organisations/{organisation_id}/clients"
    made = web.submit(
        page,
        {"name": "erp", "scopes": ["org:read", "org:write", "orders:write", "catalog:read"]},
        page=page,
    )
    found = dict(CLIENT.findall(made.get_data(as_text=True)))
    token = factories.token(app.test_client(), found["id"], found["secret"])
    return organisation_id, {"Authorization": f"Bearer {token}"}


def _submit_evidence(app, organisation_id: int, headers: dict):
    form = dict(EVIDENCE, licence=(io.BytesIO(PDF), "licence.pdf"))
    return app.test_client().post(
        f"/api/v1/organisations/{organisation_id}/verification",
        headers=headers,
        data=form,
        content_type="multipart/form-data",
    )


def _order(app, headers: dict):
    return app.test_client().post(
        "/api/v1/orders",
        headers={**headers, "Idempotency-Key": "first-order"},
        json={"plan_id": 999999, "usage_scenario": "research"},
    )


def test_a_new_buyer_is_verified_and_may_then_trade(app):
    _cli(
        app, "user", "create", "reviewer@exchange.cn", "--name", "Reviewer",
        "--staff", "reviewer", "--password", "a long enough secret",
    )  # fmt: skip
    buyer_id, buyer_api = _organisation_with_client(app, "buyer@new.cn", "New Buyer Co")
    refused = _order(app, buyer_api)
    assert refused.status_code == 403  # not verified yet: the gate holds

    submitted = _submit_evidence(app, buyer_id, buyer_api)
    assert submitted.status_code == 201, submitted.get_json()

    reviewer = WebClient(app)
    reviewer.log_in("reviewer@exchange.cn", "a long enough secret")
    queue = reviewer.get("/review/organisations").get_data(as_text=True)
    assert "New Buyer Co" in queue
    page = f"/review/organisations/{buyer_id}"
    decision = f"{page}/decision"
    assert reviewer.submit(decision, {"action": "start_review"}, page=page).status_code == 302
    assert reviewer.submit(decision, {"action": "approve"}, page=page).status_code == 302

    state = app.test_client().get(
        f"/api/v1/organisations/{buyer_id}/verification", headers=buyer_api
    )
    assert state.get_json()["state"] == "verified"
    # Past the verification gate: the only refusal left is about the (missing) plan.
    after = _order(app, buyer_api)
    assert after.status_code == 404
    assert "plan" in after.get_json()["message"]
    directory = app.test_client().get("/api/v1/organisations").get_json()
    assert [row["id"] for row in directory] == [buyer_id]
    while worker.run_once(app):
        pass
    mail = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    assert len(list(mail.iterdir())) == 4  # address confirmed; submitted, review started, verified
