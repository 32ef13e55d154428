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
from datetime import UTC, datetime, timedelta

import pytest

from market.app import create_app
from market.files import LocalFileStore
from tests.conftest import app_config
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.uploads.conftest import ASSET, Caller
from tests.verification.conftest import EVIDENCE, make_onboarding


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


def _race(app, provider, url: str, headers: dict, form: dict) -> tuple[int, dict]:
    """Post ``form`` to ``url`` in another thread and, while its file is being stored, write
    through another request: that one must go ahead (before the fix it waited for the lock,
    then got a 503). The posting request's answer."""
    store = app.extensions["files"]
    answers = []
    store.armed = True

    def send() -> None:
        response = app.test_client().post(
            url, data=form, headers=headers, content_type="multipart/form-data"
        )
        answers.append((response.status_code, response.get_json()))

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert store.halfway.wait(60), answers
        other = provider.post("/api/v1/assets", ASSET)
        assert other.status_code == 201, other.get_json()
    finally:
        store.release.set()
        sender.join(60)
    [answer] = answers
    return answer


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
    asset_id = provider.asset()
    url = route.format(asset=asset_id, claim=_claim(provider, asset_id))
    status, body = _race(app, provider, url, provider.headers, {field: (io.BytesIO(data), name)})
    assert status == 201, body
    sha256 = hashlib.sha256(data).hexdigest()
    if field == "file":
        assert sha256 in [file["sha256"] for file in body["files"]]
    else:
        assert body["sha256"] == sha256


def test_another_writer_goes_ahead_while_a_listing_sample_is_stored(app, db, provider):
    seller = Caller(app, db, scopes=("catalog:read", "catalog:write"))
    listing = lf.draft_listing(
        db, app.extensions["files"], seller.organisation, seller.user, rf.reviewer(db)
    )
    db.commit()
    data = _csv()
    status, body = _race(
        app,
        provider,
        f"/api/v1/provider/listings/{listing.id}/samples",
        seller.headers,
        {"file": (io.BytesIO(data), "sample.csv")},
    )
    assert status == 201, body
    assert body["sha256"] == hashlib.sha256(data).hexdigest()


def test_another_writer_goes_ahead_while_a_business_licence_is_stored(app, db, provider):
    onboarding = make_onboarding(app, db)
    data = b"%PDF-1.7\n" * 20_000
    status, body = _race(
        app,
        provider,
        f"/api/v1/organisations/{onboarding.organisation.id}/verification",
        onboarding.org_api,
        {**EVIDENCE, "licence": (io.BytesIO(data), "licence.pdf")},
    )
    assert status == 201, body
    assert body["requests"][0]["licence_sha256"] == hashlib.sha256(data).hexdigest()


def _blobs(store) -> set[str]:
    return set(store.stored_before(datetime.now(UTC) + timedelta(days=1)))


def test_a_sample_for_a_listing_without_a_draft_is_refused_before_it_is_stored(app, db):
    seller = Caller(app, db, scopes=("catalog:read", "catalog:write"))
    store = app.extensions["files"]
    listing = lf.published_listing(db, store, seller.organisation, seller.user, rf.reviewer(db))
    db.commit()
    before = _blobs(store)
    response = seller.raw.post(
        f"/api/v1/provider/listings/{listing.id}/samples",
        data={"file": (io.BytesIO(_csv(10)), "sample.csv")},
        headers=seller.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 409, response.get_json()
    assert _blobs(store) == before


@pytest.mark.parametrize(
    ("name", "overrides", "status", "field"),
    [
        ("licence.docx", {}, 422, "licence"),
        ("licence.pdf", {"again": True}, 409, None),
    ],
    ids=["wrong-type", "already-submitted"],
)
def test_a_refused_licence_is_not_stored(app, db, name, overrides, status, field):
    onboarding = make_onboarding(app, db)
    store = app.extensions["files"]
    if overrides.get("again"):
        assert onboarding.submit().status_code == 201
    before = _blobs(store)
    response = onboarding.submit(licence=(name, b"%PDF-1.7\n" * 100))
    assert response.status_code == status, response.get_json()
    if field:
        assert field in response.get_json()["errors"]
    assert _blobs(store) == before
