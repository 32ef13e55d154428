"""API clients through the API: make, list, rotate, revoke; never more scopes than the caller."""

from __future__ import annotations

import pytest

from market.identity.models import MemberRole, Membership
from tests import factories


@pytest.fixture
def owner_api(app, db):
    """(flask client, headers, organisation) of an owner's client with org and catalog scopes."""
    organisation = factories.organisation(db, factories.user(db, "owner@clients.cn"))
    client, secret = factories.api_client(
        db, organisation, ["org:read", "org:write", "catalog:read"]
    )
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret)
    return api, {"Authorization": f"Bearer {token}"}, organisation


def test_make_rotate_and_revoke_a_client(owner_api):
    api, headers, organisation = owner_api
    base = f"/api/v1/organisations/{organisation.id}/clients"
    made = api.post(
        base, headers=headers, json={"name": "catalogue sync", "scopes": ["catalog:read"]}
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    client_id, secret = body["client"]["client_id"], body["client_secret"]
    old_token = factories.token(api, client_id, secret)
    listed = api.get(base, headers=headers).get_json()
    assert client_id in [row["client_id"] for row in listed]
    assert all("client_secret" not in row for row in listed)

    rotated = api.post(f"{base}/{client_id}/rotate", headers=headers)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["client_secret"]
    assert new_secret != secret
    stale = api.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"})
    assert stale.status_code == 401
    refused = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert refused.status_code == 401
    factories.token(api, client_id, new_secret)

    revoked = api.post(f"{base}/{client_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    again = api.post(f"{base}/{client_id}/revoke", headers=headers)
    assert again.status_code == 409
    assert list(again.get_json()["errors"]) == ["client_id"]  # a refusal names what it is about
    assert api.post(f"{base}/{client_id}/rotate", headers=headers).status_code == 409


def test_a_client_cannot_grant_more_than_it_holds(owner_api):
    api, headers, organisation = owner_api
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/clients",
        headers=headers,
        json={"name": "greedy", "scopes": ["orders:write"]},
    )
    assert response.status_code == 403
    assert "scopes" in response.get_json()["errors"]


def test_bad_input_and_other_organisations(app, db, owner_api):
    api, headers, organisation = owner_api
    base = f"/api/v1/organisations/{organisation.id}/clients"
    bad = api.post(base, headers=headers, json={"name": "ok", "scopes": ["nope"]})
    assert bad.status_code == 422 and "scopes" in bad.get_json()["errors"]
    blank = api.post(base, headers=headers, json={"name": "", "scopes": ["org:read"]})
    assert blank.status_code == 422 and "name" in blank.get_json()["errors"]
    other = factories.organisation(db, factories.user(db))
    db.commit()
    assert api.get(f"/api/v1/organisations/{other.id}/clients", headers=headers).status_code == 404
    assert api.post(f"{base}/sj_unknown/rotate", headers=headers).status_code == 404


def test_plain_members_cannot_manage_clients(app, db):
    organisation = factories.organisation(db, factories.user(db))
    member = factories.user(db)
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    client, secret = factories.api_client(db, organisation, ["org:read", "org:write"], member)
    db.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {factories.token(api, client.client_id, secret)}"}
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/clients",
        headers=headers,
        json={"name": "x", "scopes": ["org:read"]},
    )
    assert response.status_code == 403
