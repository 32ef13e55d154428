"""Staff who are ordinary members of the operator's organisation make API clients for their
staff work, on the page and through the API, with the staff scopes of their own roles only."""

from __future__ import annotations

import re

import pytest

from market.identity import services as identity
from market.identity.models import MemberRole, Membership, StaffRole
from tests import factories
from tests.web import WebClient


@pytest.fixture
def staff(db):
    """``(operator, appraiser)``: the operator's organisation and an appraiser who is a plain
    member of it (neither owner nor admin)."""
    operator = factories.organisation(db, factories.user(db), is_operator=True)
    appraiser = factories.user(db, "wang.fang@exchange.cn", staff=(StaffRole.APPRAISER,))
    operator.memberships.append(Membership(user=appraiser, role=MemberRole.MEMBER))
    db.commit()
    return operator, appraiser


def _signed_in(app, email: str) -> WebClient:
    web = WebClient(app)
    assert web.log_in(email, factories.PASSWORD).status_code == 302
    return web


def test_the_page_offers_an_appraiser_only_the_appraisal_scope(app, staff):
    operator, appraiser = staff
    web = _signed_in(app, appraiser.email)
    page = web.get(f"/organisations/{operator.id}/clients")
    assert page.status_code == 200
    offered = set(re.findall(r'name="scopes" value="([^"]+)"', page.get_data(as_text=True)))
    assert offered == {"appraisal:write"}


def test_an_appraiser_makes_a_client_on_the_page_and_gets_a_token(app, staff):
    operator, appraiser = staff
    web = _signed_in(app, appraiser.email)
    path = f"/organisations/{operator.id}/clients"
    made = web.submit(path, {"name": "valuation desk", "scopes": "appraisal:write"}, page=path)
    assert made.status_code == 201, made.get_data(as_text=True)
    html = made.get_data(as_text=True)
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    api = app.test_client()
    token = factories.token(api, client_id, secret)
    queue = api.get("/api/v1/appraisal/valuations", headers={"Authorization": f"Bearer {token}"})
    assert queue.status_code == 200, queue.get_json()


def test_the_page_refuses_an_appraiser_finance_write(app, staff):
    operator, appraiser = staff
    web = _signed_in(app, appraiser.email)
    path = f"/organisations/{operator.id}/clients"
    refused = web.submit(path, {"name": "greedy", "scopes": "finance:write"}, page=path)
    assert refused.status_code == 403
    assert "finance:write" in refused.get_data(as_text=True)


def test_an_appraiser_sees_and_revokes_only_their_own_clients(app, db, staff):
    operator, appraiser = staff
    owners_client, _secret = factories.api_client(db, operator, ["org:read"])
    mine, _secret = factories.api_client(db, operator, ["appraisal:write"], appraiser)
    db.commit()
    web = _signed_in(app, appraiser.email)
    path = f"/organisations/{operator.id}/clients"
    page = web.get(path).get_data(as_text=True)
    assert mine.client_id in page and owners_client.client_id not in page
    other = web.submit(f"{path}/{owners_client.id}/revoke", {}, page=path)
    assert other.status_code == 404
    own = web.submit(f"{path}/{mine.id}/revoke", {}, page=path)
    assert own.status_code == 302


def test_a_plain_member_who_is_not_staff_still_cannot(app, db, staff):
    operator, _appraiser = staff
    plain = factories.user(db, "plain@exchange.cn")
    operator.memberships.append(Membership(user=plain, role=MemberRole.MEMBER))
    db.commit()
    web = _signed_in(app, plain.email)
    assert web.get(f"/organisations/{operator.id}/clients").status_code == 403


def _bearer(app, db, organisation, scopes, creator) -> dict:
    client, secret = factories.api_client(db, organisation, scopes, creator)
    db.commit()
    return {
        "Authorization": f"Bearer {factories.token(app.test_client(), client.client_id, secret)}"
    }


def test_an_appraisers_client_makes_another_through_the_api(app, db, staff):
    operator, appraiser = staff
    headers = _bearer(app, db, operator, ["appraisal:write"], appraiser)
    api = app.test_client()
    made = api.post(
        f"/api/v1/organisations/{operator.id}/clients",
        headers=headers,
        json={"name": "report robot", "scopes": ["appraisal:write"]},
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["client"]["scopes"] == ["appraisal:write"]
    token = factories.token(api, body["client"]["client_id"], body["client_secret"])
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["scopes"] == ["appraisal:write"]


@pytest.mark.parametrize("scope", ["finance:write", "review:write"])
def test_the_api_refuses_an_appraiser_another_roles_scope(app, db, staff, scope):
    operator, appraiser = staff
    headers = _bearer(app, db, operator, ["appraisal:write"], appraiser)
    refused = app.test_client().post(
        f"/api/v1/organisations/{operator.id}/clients",
        headers=headers,
        json={"name": "greedy", "scopes": ["appraisal:write", scope]},
    )
    assert refused.status_code == 403
    assert scope in refused.get_json()["errors"]["scopes"]


def test_an_admin_staff_token_cannot_grant_a_role_its_creator_lacks(app, db):
    owner = factories.user(db, staff=(StaffRole.APPRAISER,))
    operator = factories.organisation(db, owner, is_operator=True)
    headers = _bearer(app, db, operator, ["org:write", "appraisal:write"], owner)
    refused = app.test_client().post(
        f"/api/v1/organisations/{operator.id}/clients",
        headers=headers,
        json={"name": "books", "scopes": ["finance:write"]},
    )
    assert refused.status_code == 403
    assert "finance:write" in str(refused.get_json()["errors"])


def test_a_staff_token_cannot_make_organisation_scoped_clients(app, db, staff):
    operator, appraiser = staff
    headers = _bearer(app, db, operator, ["appraisal:write"], appraiser)
    refused = app.test_client().post(
        f"/api/v1/organisations/{operator.id}/clients",
        headers=headers,
        json={"name": "members", "scopes": ["org:read"]},
    )
    assert refused.status_code == 403
    assert refused.get_json()["errors"]["scope"] == ["org:write"]


def test_the_openapi_document_names_both_doors(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    security = document["paths"]["/api/v1/organisations/{organisation_id}/clients"]["post"][
        "security"
    ]
    assert {"oauth2": ["org:write"]} in security and {"oauth2": ["appraisal:write"]} in security


def test_the_appraisal_queue_links_to_the_staff_clients_page(app, staff):
    operator, appraiser = staff
    web = _signed_in(app, appraiser.email)
    queue = web.get("/appraisal/valuations").get_data(as_text=True)
    assert f'href="/organisations/{operator.id}/clients"' in queue


def test_an_appraisers_client_lists_rotates_and_revokes_its_creators_clients(app, db, staff):
    operator, appraiser = staff
    owners_client, _secret = factories.api_client(db, operator, ["org:read"])
    spare, spare_secret = factories.api_client(db, operator, ["appraisal:write"], appraiser)
    headers = _bearer(app, db, operator, ["appraisal:write"], appraiser)
    api, base = app.test_client(), f"/api/v1/organisations/{operator.id}/clients"

    listed = api.get(base, headers=headers)
    assert listed.status_code == 200, listed.get_json()
    shown = [row["client_id"] for row in listed.get_json()]
    assert spare.client_id in shown and owners_client.client_id not in shown

    rotated = api.post(f"{base}/{spare.client_id}/rotate", headers=headers)
    assert rotated.status_code == 200, rotated.get_json()
    stale = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(spare.client_id, spare_secret),
    )
    assert stale.status_code == 401
    factories.token(api, spare.client_id, rotated.get_json()["client_secret"])

    revoked = api.post(f"{base}/{spare.client_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    for action in ("rotate", "revoke"):  # the owner's client is not theirs to touch
        assert (
            api.post(f"{base}/{owners_client.client_id}/{action}", headers=headers).status_code
            == 404
        )


def test_a_client_cannot_rotate_another_with_scopes_it_lacks(app, db, staff):
    # The new secret would let the owner's client act as the appraiser.
    operator, appraiser = staff
    appraisers, _secret = factories.api_client(db, operator, ["appraisal:write"], appraiser)
    headers = _bearer(app, db, operator, ["org:read", "org:write"], operator.memberships[0].user)
    api, base = app.test_client(), f"/api/v1/organisations/{operator.id}/clients"
    refused = api.post(f"{base}/{appraisers.client_id}/rotate", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["errors"]["scopes"] == ["appraisal:write"]
    # Revoking takes power away: an owner's client may still do that.
    assert api.post(f"{base}/{appraisers.client_id}/revoke", headers=headers).status_code == 200


def test_an_owner_who_is_also_an_appraiser_cannot_rotate_another_appraisers_client(app, db, staff):
    # A staff scope signs as its creator: its new secret would make the owner that appraiser.
    operator, appraiser = staff
    owner = operator.memberships[0].user
    identity.grant_staff_role(db, owner, StaffRole.APPRAISER)
    appraisers, _secret = factories.api_client(db, operator, ["appraisal:write"], appraiser)
    db.commit()
    headers = _bearer(app, db, operator, ["org:write", "appraisal:write"], owner)
    api, base = app.test_client(), f"/api/v1/organisations/{operator.id}/clients"
    refused = api.post(f"{base}/{appraisers.client_id}/rotate", headers=headers)
    assert refused.status_code == 403, refused.get_json()
    assert list(refused.get_json()["errors"]) == ["client_id"]
    assert api.post(f"{base}/{appraisers.client_id}/revoke", headers=headers).status_code == 200


def test_a_client_without_org_read_or_a_staff_scope_cannot_list(app, db, staff):
    operator, _appraiser = staff
    headers = _bearer(app, db, operator, ["catalog:read"], operator.memberships[0].user)
    refused = app.test_client().get(f"/api/v1/organisations/{operator.id}/clients", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["errors"]["scope"] == ["org:read"]


@pytest.mark.parametrize(
    ("path", "method", "organisation_scope"),
    [
        ("/api/v1/organisations/{organisation_id}/clients", "get", "org:read"),
        ("/api/v1/organisations/{organisation_id}/clients/{client_id}/rotate", "post", "org:write"),
        ("/api/v1/organisations/{organisation_id}/clients/{client_id}/revoke", "post", "org:write"),
    ],
)
def test_the_openapi_document_opens_client_management_to_staff(
    app, path, method, organisation_scope
):
    document = app.test_client().get("/api/openapi.json").get_json()
    security = document["paths"][path][method]["security"]
    assert {"oauth2": [organisation_scope]} in security
    assert {"oauth2": ["appraisal:write"]} in security
