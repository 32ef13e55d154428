"""Upload fixtures: the app on each file store, API callers of two organisations."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from market.app import create_app
from tests import factories
from tests.conftest import app_config, s3_config
from tests.registry import factories as rf

MiB = 1024 * 1024
ASSET = {
    "kind": "dataset",
    "title_zh": "深圳地铁刷卡记录",
    "title_en": "Shenzhen metro tap records",
    "industry": "transport",
    "keywords": ["地铁", "metro"],
}


@pytest.fixture(params=["local", "s3"])
def store_kind(request) -> str:
    """Which file store the app runs on: every upload test runs on both."""
    return request.param


@pytest.fixture
def app(request, store_kind, migrated_database_url, tmp_path):
    """The application on a fresh database, with its files on ``store_kind``."""
    overrides = {}
    if store_kind == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        overrides = s3_config(request.getfixturevalue("s3_service"), bucket)
    application = create_app(app_config(migrated_database_url, tmp_path / "instance", **overrides))
    yield application
    application.extensions["db"].dispose()


class Caller:
    """An organisation's API client with a token, and the calls the tests make."""

    def __init__(self, app, db, scopes=("registry:read", "registry:write")) -> None:
        self.app = app
        self.raw = app.test_client()
        self.organisation, self.user = rf.provider(db)
        client, secret = factories.api_client(db, self.organisation, list(scopes))
        db.commit()
        token = factories.token(self.raw, client.client_id, secret)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url):
        return self.raw.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.raw.post(url, json=json, headers=self.headers)

    def delete(self, url):
        return self.raw.delete(url, headers=self.headers)

    def asset(self) -> int:
        response = self.post("/api/v1/assets", ASSET)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def begin(self, asset_id, name, size, part_size=None):
        body = {"name": name, "size": size}
        if part_size:
            body["part_size"] = part_size
        return self.post(f"/api/v1/assets/{asset_id}/uploads", body)

    def targets(self, upload_id, numbers):
        return self.post(f"/api/v1/uploads/{upload_id}/parts", {"parts": numbers})

    def send(self, target, data: bytes) -> int:
        """PUT a part where its target says: the object store (presigned) or the API."""
        if target["url"].startswith("http"):
            request = urllib.request.Request(target["url"], data=data, method="PUT")
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                error.close()
                return error.code
        response = self.raw.put(
            target["url"],
            data=data,
            headers={**self.headers, "Content-Type": "application/octet-stream"},
        )
        return response.status_code


@pytest.fixture
def provider(app, db):
    """A provider organisation's API caller."""
    return Caller(app, db)


@pytest.fixture
def stranger(app, db):
    """Another organisation's API caller."""
    return Caller(app, db)
