"""One-request form uploads store their file before the transaction that records it.

Storing a file takes as long as copying it to the store (a distant object store, a slow
disk); SQLite has one write lock, taken at BEGIN, so a request holding its transaction open
meanwhile would stop every other writer of the exchange. These run on SQLite, two requests in
two threads, each on its own connection.
"""

from __future__ import annotations

import hashlib
import io
import threading

import pytest

from market.app import create_app
from market.files import LocalFileStore
from tests.conftest import app_config
from tests.uploads.conftest import ASSET, Caller


class _PausingStore(LocalFileStore):
    """The app's local store which, once ``armed``, pauses halfway through the files it saves
    until released, as a slow disk or a distant object store would."""

    def __init__(self, root) -> None:
        super().__init__(root)
        self.armed = False
        self.halfway, self.release = threading.Event(), threading.Event()

    def save(self, stream, max_bytes, inspect=None):
        if self.armed:
            stream = _PausingReader(stream, self)
        return super().save(stream, max_bytes, inspect)


class _PausingReader:
    def __init__(self, stream, store: _PausingStore) -> None:
        self.stream, self.store, self.reads = stream, store, 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads == 2:
            self.store.halfway.set()
            self.store.release.wait(60)
        return self.stream.read(size)


@pytest.fixture
def engine_kind() -> str:
    return "sqlite"


@pytest.fixture
def app(migrated_database_url, tmp_path):
    """The app on SQLite with a pausing store; a writer waits one second for the lock at most
    (so a lock held by a storing request fails the other writer quickly, with a 503)."""
    config = app_config(migrated_database_url, tmp_path / "instance", DATABASE_BUSY_TIMEOUT_MS=1000)
    application = create_app(config)
    application.extensions["files"] = _PausingStore(config["FILES_PATH"])
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def provider(app, db):
    return Caller(app, db)


def _csv(rows: int = 20_000) -> bytes:
    return b"id,value\n" + b"".join(b"%d,%d\n" % (i, i * 7) for i in range(rows))


def _claim(provider, asset_id: int) -> int:
    first = provider.raw.post(
        f"/api/v1/assets/{asset_id}/versions",
        data={"file": (io.BytesIO(_csv(10)), "first.csv")},
        headers=provider.headers,
        content_type="multipart/form-data",
    )
    assert first.status_code == 201, first.get_json()
    claim = provider.post(
        "/api/v1/claims",
        {"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
    )
    assert claim.status_code == 201, claim.get_json()
    return claim.get_json()["id"]


@pytest.mark.parametrize(
    ("route", "field", "name", "data"),
    [
        ("/api/v1/assets/{asset}/versions", "file", "trips.csv", _csv()),
        ("/api/v1/claims/{claim}/evidence", "evidence", "licence.pdf", b"%PDF-1.7\n" * 20_000),
    ],
)
def test_another_writer_goes_ahead_while_a_form_upload_is_stored(
    app, provider, route, field, name, data
):
    store = app.extensions["files"]
    asset_id = provider.asset()
    url = route.format(asset=asset_id, claim=_claim(provider, asset_id))
    answers = []
    store.armed = True

    def send() -> None:
        response = app.test_client().post(
            url,
            data={field: (io.BytesIO(data), name)},
            headers=provider.headers,
            content_type="multipart/form-data",
        )
        answers.append((response.status_code, response.get_json()))

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert store.halfway.wait(60), answers
        # Meanwhile another request writes: before the fix it waited for the lock, then 503.
        other = provider.post("/api/v1/assets", ASSET)
        assert other.status_code == 201, other.get_json()
    finally:
        store.release.set()
        sender.join(60)
    [(status, body)] = answers
    assert status == 201, body
    sha256 = hashlib.sha256(data).hexdigest()
    if field == "file":
        assert sha256 in [file["sha256"] for file in body["files"]]
    else:
        assert body["sha256"] == sha256
