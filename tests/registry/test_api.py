"""The registry API with real tokens: organisation boundaries, uploads, reviews, public checks."""

import hashlib
import io

import pytest

from market.identity.models import StaffRole
from market.registry import certificates
from market.registry.models import Claim
from tests import factories
from tests.registry import factories as rf

CSV = "id,站点\n1,福田\n".encode()


def _bearer(api, organisation, scopes, creator=None):
    client, secret = factories.api_client(api.db, organisation, scopes, creator)
    api.db.commit()
    return {"Authorization": f"Bearer {factories.token(api.raw, client.client_id, secret)}"}


class Api:
    def __init__(self, app, db):
        self.raw = app.test_client()
        self.db = db


@pytest.fixture
def api(app, db):
    """A plain client and the arranging session."""
    return Api(app, db)


@pytest.fixture
def provider(api):
    organisation, _user = rf.provider(api.db)
    return _bearer(api, organisation, ["registry:read", "registry:write"])


@pytest.fixture
def reviewer(api):
    staff = factories.user(api.db, staff=(StaffRole.REVIEWER,))
    operator = factories.organisation(api.db, staff, is_operator=True)
    return _bearer(api, operator, ["review:write"], staff)


ASSET = {
    "kind": "dataset",
    "title_zh": "福田区公交站点客流",
    "title_en": "Futian bus stop ridership",
    "industry": "transport",
    "keywords": ["公交", "ridership"],
    "field_schema": [{"name": "id", "type": "integer"}, {"name": "站点", "type": "string"}],
    "personal_info": "deidentified",
    "legal_basis": "consent",
}


def _asset(api, headers):
    response = api.raw.post("/api/v1/assets", json=ASSET, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _upload(api, headers, asset_id, *files):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    return api.raw.post(
        f"/api/v1/assets/{asset_id}/versions",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def _certified(api, provider, reviewer):
    asset_id = _asset(api, provider)
    assert _upload(api, provider, asset_id, ("stops.csv", CSV)).status_code == 201
    claim = api.raw.post(
        "/api/v1/claims",
        json={"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
        headers=provider,
    ).get_json()
    evidence = api.raw.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        data={"evidence": (io.BytesIO(rf.PDF), "licence.pdf")},
        headers=provider,
        content_type="multipart/form-data",
    )
    assert evidence.status_code == 201, evidence.get_json()
    assert api.raw.post(f"/api/v1/claims/{claim['id']}/submit", headers=provider).status_code == 200
    for action in ("start_review", "approve"):
        response = api.raw.post(
            f"/api/v1/review/claims/{claim['id']}/decisions",
            json={"action": action, "reason": "ok"},
            headers=reviewer,
        )
        assert response.status_code == 200, response.get_json()
    api.db.expire_all()
    stored = api.db.get(Claim, claim["id"])
    [certificate] = certificates.issue_due_certificates(api.db, stored.notice_ends_at)
    api.db.commit()
    return certificate.number


def test_asset_create_upload_and_read(api, provider):
    asset_id = _asset(api, provider)
    response = _upload(api, provider, asset_id, ("stops.csv", CSV), ("more.json", b'{"a": 1}'))
    assert response.status_code == 201, response.get_json()
    version = response.get_json()
    assert version["number"] == 1
    assert {f["name"]: f["sha256"] for f in version["files"]}["stops.csv"] == hashlib.sha256(
        CSV
    ).hexdigest()
    body = api.raw.get(f"/api/v1/assets/{asset_id}", headers=provider).get_json()
    assert body["versions"][0]["fingerprint"] == version["fingerprint"]
    assert body["field_schema"][1]["name"] == "站点"


def test_personal_information_needs_a_legal_basis(api, provider):
    response = api.raw.post("/api/v1/assets", json=ASSET | {"legal_basis": None}, headers=provider)
    assert response.status_code == 422
    assert "legal_basis" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("fake.png", b"plain text", 422),
        ("empty.csv", b"", 422),
        ("big.csv", b"x" * 2048, 413),
        ("virus.exe", b"MZ", 422),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(app, api, provider, name, content, status):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    asset_id = _asset(api, provider)
    response = _upload(api, provider, asset_id, (name, content))
    assert response.status_code == status
    assert "file" in response.get_json()["errors"]
    assert api.raw.get(f"/api/v1/assets/{asset_id}", headers=provider).get_json()["versions"] == []


def test_another_organisations_asset_is_not_found(api, provider):
    asset_id = _asset(api, provider)
    other, _ = rf.provider(api.db)
    stranger = _bearer(api, other, ["registry:read", "registry:write"])
    assert api.raw.get(f"/api/v1/assets/{asset_id}", headers=stranger).status_code == 404
    assert _upload(api, stranger, asset_id, ("x.csv", CSV)).status_code == 404
    response = api.raw.post(
        "/api/v1/claims",
        json={"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
        headers=stranger,
    )
    assert response.status_code == 404


def test_a_bad_source_reference_with_a_rule_of_the_whole_list_is_a_422_naming_it(api, provider):
    asset_id = _asset(api, provider)
    response = api.raw.post(
        "/api/v1/claims",
        json={
            "asset_id": asset_id,
            "rights": ["holding"],
            "source": "derived",
            "source_references": ["x" * 201],
        },
        headers=provider,
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["source_references"]
    assert set(errors) == {"0", "_schema"}


def test_illegal_move_is_409_and_changes_nothing(api, provider, reviewer):
    asset_id = _asset(api, provider)
    _upload(api, provider, asset_id, ("stops.csv", CSV))
    claim = api.raw.post(
        "/api/v1/claims",
        json={"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
        headers=provider,
    ).get_json()
    response = api.raw.post(
        f"/api/v1/review/claims/{claim['id']}/decisions",
        json={"action": "approve", "reason": "ok"},
        headers=reviewer,
    )
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"state": ["draft"], "action": ["approve"]}
    assert (
        api.raw.get(f"/api/v1/claims/{claim['id']}", headers=provider).get_json()["state"]
        == "draft"
    )


def test_provider_tokens_cannot_review(api, provider):
    response = api.raw.post(
        "/api/v1/review/claims/1/decisions", json={"action": "approve"}, headers=provider
    )
    assert response.status_code == 403


def test_public_certificate_and_file_check(api, provider, reviewer):
    number = _certified(api, provider, reviewer)
    body = api.raw.get(f"/api/v1/certificates/{number}").get_json()
    assert body["status"] == "valid" and body["rights"] == ["holding"]
    check = api.raw.post(
        f"/api/v1/certificates/{number}/check", json={"sha256": hashlib.sha256(CSV).hexdigest()}
    ).get_json()
    assert check["belongs"] is True and check["file_name"] == "stops.csv"
    other = api.raw.post(f"/api/v1/certificates/{number}/check", json={"sha256": "a" * 64})
    assert other.get_json()["belongs"] is False
    assert api.raw.get("/api/v1/certificates").status_code == 401
    assert [
        c["number"] for c in api.raw.get("/api/v1/certificates", headers=provider).get_json()
    ] == [number]


def test_unknown_certificate_is_404(api):
    response = api.raw.get("/api/v1/certificates/SZDX-2026-999999")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_revoke_twice_is_409(api, provider, reviewer):
    number = _certified(api, provider, reviewer)
    path = f"/api/v1/review/certificates/{number}/revoke"
    assert api.raw.post(path, json={"reason": "court order"}, headers=reviewer).status_code == 200
    assert api.raw.post(path, json={"reason": "again"}, headers=reviewer).status_code == 409
    assert api.raw.get(f"/api/v1/certificates/{number}").get_json()["status"] == "revoked"


def test_objection_through_the_api(api, provider, reviewer):
    asset_id = _asset(api, provider)
    _upload(api, provider, asset_id, ("stops.csv", CSV))
    claim = api.raw.post(
        "/api/v1/claims",
        json={"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
        headers=provider,
    ).get_json()
    api.raw.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        data={"evidence": (io.BytesIO(rf.PDF), "licence.pdf")},
        headers=provider,
        content_type="multipart/form-data",
    )
    api.raw.post(f"/api/v1/claims/{claim['id']}/submit", headers=provider)
    other, _ = rf.provider(api.db)
    objector = _bearer(api, other, ["registry:write"])
    early = api.raw.post(
        f"/api/v1/claims/{claim['id']}/objections",
        data={"reasons": "we collected these counts ourselves"},
        headers=objector,
        content_type="multipart/form-data",
    )
    assert early.status_code == 404  # not in public notice: not visible to others
    for action in ("start_review", "approve"):
        api.raw.post(
            f"/api/v1/review/claims/{claim['id']}/decisions",
            json={"action": action},
            headers=reviewer,
        )
    assert [n["claim_id"] for n in api.raw.get("/api/v1/notices").get_json()] == [claim["id"]]
    own = api.raw.post(
        f"/api/v1/claims/{claim['id']}/objections",
        data={"reasons": "we object to ourselves, somehow"},
        headers=provider,
        content_type="multipart/form-data",
    )
    assert own.status_code == 403 and own.get_json()["errors"] == {"action": ["object"]}
    response = api.raw.post(
        f"/api/v1/claims/{claim['id']}/objections",
        data={
            "reasons": "we collected these counts ourselves",
            "file": [(io.BytesIO(rf.PDF), "survey.pdf"), (io.BytesIO(rf.PDF), "map.pdf")],
        },
        headers=objector,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    objection = response.get_json()
    assert objection["evidence"][0]["name"] == "survey.pdf"
    decided = api.raw.post(
        f"/api/v1/review/objections/{objection['id']}/decision",
        json={"decision": "uphold", "reason": "the survey predates the claim"},
        headers=reviewer,
    )
    assert decided.status_code == 200
    assert (
        api.raw.get(f"/api/v1/claims/{claim['id']}", headers=provider).get_json()["state"]
        == "failed"
    )


def _submitted_claim(api, headers):
    asset_id = _asset(api, headers)
    assert _upload(api, headers, asset_id, ("stops.csv", CSV)).status_code == 201
    claim = api.raw.post(
        "/api/v1/claims",
        json={"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
        headers=headers,
    ).get_json()
    api.raw.post(
        f"/api/v1/claims/{claim['id']}/evidence",
        data={"evidence": (io.BytesIO(rf.PDF), "licence.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert api.raw.post(f"/api/v1/claims/{claim['id']}/submit", headers=headers).status_code == 200
    return claim["id"]


def test_conflicts_are_for_reviewers_not_the_claimants(api, provider, reviewer):
    other_organisation, _user = rf.provider(api.db)
    other = _bearer(api, other_organisation, ["registry:read", "registry:write"])
    _submitted_claim(api, other)  # not public: still being reviewed
    mine = _submitted_claim(api, provider)  # the same file
    own_view = api.raw.get(f"/api/v1/claims/{mine}", headers=provider).get_json()
    assert "conflicts" not in own_view
    staff_view = api.raw.get("/api/v1/review/claims", headers=reviewer).get_json()
    flagged = {claim["id"]: claim["conflicts"] for claim in staff_view}
    assert flagged[mine] and flagged[mine][0]["other_organisation_id"] == other_organisation.id
