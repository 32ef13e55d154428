"""The public catalogue: published listings, search, suggestions, similar listings, the
organisation directory and certificate checks answer without a token."""

from __future__ import annotations

import pytest

from tests.listings import factories as lf


@pytest.fixture
def published(db, store, provider, staff):
    """A published listing, committed."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    return listing


def test_anonymous_callers_read_the_catalogue(app, db, client, published, drain):
    drain()
    api = client.raw
    found = api.get("/api/v1/listings/search", query_string={"q": "公交"})
    assert found.status_code == 200, found.get_json()
    assert [hit["id"] for hit in found.get_json()["hits"]] == [published.id]
    assert api.get("/api/v1/listings/suggest", query_string={"q": "深圳"}).status_code == 200
    assert api.get(f"/api/v1/listings/{published.id}/similar").status_code == 200
    listing = api.get(f"/api/v1/listings/{published.id}")
    assert listing.status_code == 200
    assert "pending" not in listing.get_json()
    directory = api.get("/api/v1/organisations")
    assert published.organisation_id in [row["id"] for row in directory.get_json()]
    number = published.live_revision.certificate.number
    assert api.get(f"/api/v1/certificates/{number}").status_code == 200


def test_drafts_stay_private_and_private_endpoints_still_need_a_token(
    app, db, client, store, provider, staff
):
    draft = lf.draft_listing(db, store, *provider, staff)
    db.commit()
    api = client.raw
    assert api.get(f"/api/v1/listings/{draft.id}").status_code == 404
    assert api.get("/api/v1/notifications").status_code == 401
    assert api.get("/api/v1/provider/listings").status_code == 401


def test_a_bad_token_is_refused_even_where_none_is_needed(app, client):
    response = client.raw.get(
        "/api/v1/listings/search", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401


def test_the_openapi_document_marks_public_endpoints(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert {} in paths["/api/v1/listings/search"]["get"]["security"]
    assert {} not in paths["/api/v1/notifications"]["get"]["security"]
