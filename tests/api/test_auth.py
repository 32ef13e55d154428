"""OAuth 2 client credentials: tokens, scopes, staff roles and organisation boundaries."""

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.identity.models import StaffRole, User
from market.oauth.models import OAuthClient, OAuthToken
from tests import factories


@pytest.fixture
def api(app):
    """Flask's plain client (the API uses bearer tokens, no cookies or CSRF)."""
    return app.test_client()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def provider(db):
    """An organisation with a client allowed org:read, org:write and catalog:read."""
    organisation = factories.organisation(db, factories.user(db, "owner@provider.cn"))
    client, secret = factories.api_client(
        db, organisation, ["org:read", "org:write", "catalog:read"]
    )
    db.commit()
    return organisation, client.client_id, secret


def test_token_for_valid_credentials(api, provider):
    _organisation, client_id, secret = provider
    response = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"org:read", "org:write", "catalog:read"}


def test_an_api_request_reads_its_token_once(app, api, provider):
    # The rate limiter (whose client is calling?) and the authentication share one query.
    _organisation, client_id, secret = provider
    headers = _bearer(factories.token(api, client_id, secret))
    statements = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    engine = app.extensions["db"].engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        response = api.get("/api/v1/listings/search?q=data", headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    (read,) = [s for s in statements if "oauth_tokens" in s]
    # Only the columns a request needs: no secret's or password's digest, no profile.
    assert "secret_hash" not in read and "password_hash" not in read and "email" not in read


def test_token_secret_is_stored_only_as_a_digest(api, provider, db):
    _organisation, client_id, secret = provider
    token = factories.token(api, client_id, secret)
    stored = db.scalar(sa.select(OAuthToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_requested_scopes_are_narrowed_to_the_clients(api, provider):
    _organisation, client_id, secret = provider
    response = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "org:read finance:read"},
        auth=(client_id, secret),
    )
    assert response.get_json()["scope"] == "org:read"


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_secret": "wrong"},
        {"grant_type": "password"},
        {},
    ],
)
def test_bad_token_requests_get_the_api_error_shape(api, provider, form):
    _organisation, client_id, _secret = provider
    response = api.post("/oauth/token", data=form | {"client_id": client_id})
    body = response.get_json()
    assert response.status_code in (400, 401)
    assert {"code", "status", "message", "errors", "error"} <= body.keys()


@pytest.mark.parametrize(
    ("form", "basic", "error"),
    [
        ({"scope": "finance:write"}, True, "invalid_scope"),  # held by no one here
        ({"scope": "org:read no:such"}, True, "invalid_scope"),
        ({"client_secret": "x"}, True, "invalid_request"),  # Basic and the body at once
        ({"grant_type": ["client_credentials", "password"]}, True, "invalid_request"),
        ({"scope": ["org:read", "catalog:read"]}, True, "invalid_request"),
    ],
)
def test_token_requests_rfc_6749_forbids_are_refused(api, provider, form, basic, error):
    _organisation, client_id, secret = provider
    data = {"grant_type": "client_credentials"} | form
    response = api.post("/oauth/token", data=data, auth=(client_id, secret) if basic else None)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == error
    assert response.get_json()["errors"] == {"oauth": [error]}


@pytest.mark.parametrize(
    "credentials",
    [b"sj_\xff:c", "{client_id}:\xff\xfe", b"no colon \xff"],
    ids=["id-not-utf8", "secret-not-utf8", "no-colon"],
)
def test_basic_credentials_that_are_not_utf8_are_a_bad_request(api, provider, credentials):
    _organisation, client_id, _secret = provider
    if isinstance(credentials, str):
        credentials = credentials.format(client_id=client_id).encode("latin-1")
    response = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("header", ["Basic ", "Basic    ", "basic \t"], ids=["one", "many", "tab"])
def test_empty_basic_credentials_are_a_bad_request(api, header):
    response = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": header}
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_request"


def test_wrong_secret_is_refused(api, provider):
    _organisation, client_id, _secret = provider
    response = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope")
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_missing_token_is_401_with_challenge(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["code"] == 401


def test_me_describes_the_caller(api, provider):
    organisation, client_id, secret = provider
    response = api.get("/api/v1/me", headers=_bearer(factories.token(api, client_id, secret)))
    assert response.get_json()["organisation_id"] == organisation.id


def test_expired_token_is_refused(api, provider, db):
    _organisation, client_id, secret = provider
    token = factories.token(api, client_id, secret)
    db.execute(sa.update(OAuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_made_up_token_is_refused(api):
    assert api.get("/api/v1/me", headers=_bearer("not-a-token")).status_code == 401


def test_token_lacking_the_scope_is_403(api, db):
    organisation = factories.organisation(db)
    client, secret = factories.api_client(db, organisation, ["catalog:read"])
    db.commit()
    token = factories.token(api, client.client_id, secret)
    response = api.get(f"/api/v1/organisations/{organisation.id}/members", headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["errors"] == {"scope": ["org:read"]}


def test_revoking_a_client_kills_its_tokens(api, client, provider, db):
    organisation, client_id, secret = provider
    token = factories.token(api, client_id, secret)
    client_pk = db.scalar(sa.select(OAuthClient.id).where(OAuthClient.client_id == client_id))
    db.commit()
    client.log_in("owner@provider.cn")
    page = f"/organisations/{organisation.id}/clients"
    assert client.submit(f"{page}/{client_pk}/revoke", {}, page=page).status_code == 302
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    refused = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert refused.status_code == 401


def test_other_organisations_members_are_invisible(api, provider, db):
    _organisation, client_id, secret = provider
    other = factories.organisation(db)
    db.commit()
    token = factories.token(api, client_id, secret)
    response = api.get(f"/api/v1/organisations/{other.id}/members", headers=_bearer(token))
    assert response.status_code == 404


def test_other_organisations_profile_is_public_fields_only(api, provider, db):
    _organisation, client_id, secret = provider
    other = factories.organisation(db)
    db.commit()
    token = factories.token(api, client_id, secret)
    body = api.get(f"/api/v1/organisations/{other.id}", headers=_bearer(token)).get_json()
    assert body["name_en"] == other.name_en
    assert "credit_code" not in body


def test_own_organisation_includes_private_fields(api, provider):
    organisation, client_id, secret = provider
    token = factories.token(api, client_id, secret)
    body = api.get(f"/api/v1/organisations/{organisation.id}", headers=_bearer(token)).get_json()
    assert body["credit_code"] == organisation.credit_code


def test_staff_scopes_need_the_operator_and_the_role(db):
    ordinary = factories.organisation(db)
    with pytest.raises(Exception, match="staff"):
        factories.api_client(db, ordinary, ["finance:read"])


def test_staff_scope_lapses_when_the_role_is_withdrawn(api, db):
    finance = factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    operator = factories.organisation(db, finance, is_operator=True)
    client, secret = factories.api_client(db, operator, ["finance:read", "org:read"])
    db.commit()
    token = factories.token(api, client.client_id, secret)
    assert "finance:read" in api.get("/api/v1/me", headers=_bearer(token)).get_json()["scopes"]
    finance.staff_roles.clear()
    db.commit()
    assert "finance:read" not in api.get("/api/v1/me", headers=_bearer(token)).get_json()["scopes"]


def test_a_deactivated_creator_takes_the_clients_tokens_down(api, provider, db):
    _organisation, client_id, secret = provider
    token = factories.token(api, client_id, secret)
    owner = db.scalar(sa.select(User).where(User.email_key == "owner@provider.cn"))
    owner.is_active = False
    db.commit()
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"grant_type": "client_credentials"}', "application/json"),
        ("grant_type=client_credentials", "text/plain"),
    ],
    ids=["json", "text"],
)
def test_a_token_request_that_is_not_a_form_is_told_to_send_one(api, provider, body, content_type):
    _organisation, client_id, secret = provider
    response = api.post(
        "/oauth/token",
        data=body,
        content_type=content_type,
        auth=(client_id, secret),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400, response.get_json()
    answer = response.get_json()
    assert answer["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in answer["error_description"]
    assert "grant_type" in answer["error_description"]
    assert content_type in answer["error_description"]


@pytest.mark.parametrize(
    ("language", "missing", "scheme"),
    [
        (
            "en",
            "A valid bearer token is required.",
            'Send the access token as "Authorization: Bearer <token>".',
        ),
        (
            "zh-CN",
            "需要有效的 Bearer 访问令牌。",
            "请以“Authorization: Bearer <token>”发送访问令牌。",
        ),
    ],
)
def test_a_refused_token_is_told_in_a_sentence(api, provider, language, missing, scheme):
    _organisation, client_id, secret = provider
    headers = {"Accept-Language": language}
    response = api.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == missing
    basic = {**headers, "Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    response = api.get("/api/v1/me", headers=basic)
    assert response.status_code == 401
    assert response.get_json()["errors"]["Authorization"] == [scheme]
    # A token asked for scopes the client holds none of: Authlib's description, in English.
    response = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "orders:read"},
        auth=(client_id, secret),
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "This client holds none of the scopes asked for."
