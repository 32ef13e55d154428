"""An organisation's website is a plain public address: shown in the public directory, it must
not carry credentials (the look-alike ``https://bank.example@evil.example/``), an impossible
port or characters a reader cannot see."""

import pytest

from tests import factories


@pytest.fixture
def owner(app, db):
    """(flask client, headers, organisation) for an owner's client with ``org:write``."""
    organisation = factories.organisation(db, factories.user(db, "owner@website.cn"))
    client, secret = factories.api_client(db, organisation, ["org:read", "org:write"])
    db.commit()
    api = app.test_client()
    token = factories.token(api, client.client_id, secret, "org:read org:write")
    return api, {"Authorization": f"Bearer {token}"}, organisation


@pytest.mark.parametrize(
    "website",
    [
        "https://user:pw@example.com",
        "https://www.bank.example@evil.example/",
        "https://example.com:99999",
        "https://example.com:0/",
        "https://example.com/\u200b",
        "https://exam\u200bple.com/",
        "ftp://example.com/",
    ],
    ids=[
        "credentials",
        "look-alike",
        "port-too-high",
        "port-zero",
        "zwsp-path",
        "zwsp-host",
        "ftp",
    ],
)
def test_a_website_that_is_no_plain_public_address_is_refused(owner, website):
    api, headers, organisation = owner
    response = api.patch(
        f"/api/v1/organisations/{organisation.id}", json={"website": website}, headers=headers
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["website"]


@pytest.mark.parametrize(
    "website", ["https://example.com", "http://example.com:8080/about", "https://例子.中国/"]
)
def test_a_plain_website_is_kept_as_sent(owner, website):
    api, headers, organisation = owner
    response = api.patch(
        f"/api/v1/organisations/{organisation.id}", json={"website": website}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["website"] == website
