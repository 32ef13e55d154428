"""Verification fixtures: an unverified organisation with an owner's API client, a reviewer."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from market.identity.models import StaffRole
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

EVIDENCE = {
    "legal_representative": "张三",
    "registered_address": "深圳市福田区福中三路1号",
    "contact_name": "李四",
    "contact_email": "contact@example.cn",
    "contact_phone": "+86 755 1234 5678",
}


def bearer(app, db, organisation, scopes, creator=None) -> dict:
    """API headers of a new client of ``organisation`` with ``scopes``."""
    client, secret = factories.api_client(db, organisation, scopes, creator)
    db.commit()
    token = factories.token(app.test_client(), client.client_id, secret, " ".join(scopes))
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Onboarding:
    """An unverified organisation (with its owner's API headers) and a reviewer's headers."""

    app: object
    organisation: object
    owner: object
    reviewer: object
    org_api: dict
    review_api: dict

    def call(self, method: str, path: str, headers: dict, **kwargs):
        """Call ``/api/v1{path}``."""
        return self.app.test_client().open(
            f"/api/v1{path}", method=method, headers=headers, **kwargs
        )

    def submit(self, licence=("licence.pdf", PDF), **overrides):
        """Submit evidence (multipart) as the organisation."""
        form = dict(EVIDENCE, **overrides)
        if licence is not None:
            name, content = licence
            form["licence"] = (io.BytesIO(content), name)
        return self.call(
            "POST",
            f"/organisations/{self.organisation.id}/verification",
            self.org_api,
            data=form,
            content_type="multipart/form-data",
        )

    def decide(self, action: str, reason: str | None = None, organisation_id=None, **extra):
        """A reviewer's decision through the API."""
        body = {"action": action, **extra}
        if reason is not None:
            body["reason"] = reason
        target = organisation_id or self.organisation.id
        return self.call(
            "POST", f"/review/organisations/{target}/decisions", self.review_api, json=body
        )


def make_onboarding(app, db, **organisation) -> Onboarding:
    """An unverified organisation and a reviewer, with API headers."""
    owner = factories.user(db, name="Owner")
    org = factories.organisation(db, owner, verified=False, **organisation)
    staff = factories.user(db, staff=(StaffRole.REVIEWER,), name="Reviewer")
    operator = factories.organisation(db, staff, is_operator=True)
    db.commit()
    return Onboarding(
        app=app,
        organisation=org,
        owner=owner,
        reviewer=staff,
        org_api=bearer(app, db, org, ["org:read", "org:write"], owner),
        review_api=bearer(app, db, operator, ["review:write"], staff),
    )


@pytest.fixture
def onboarding(app, db) -> Onboarding:
    """A mainland organisation waiting to be verified, and a reviewer."""
    return make_onboarding(app, db)
