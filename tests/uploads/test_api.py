"""Resumable uploads through the API, on the local store and on a real SeaweedFS node."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market import worker
from market.db import utcnow
from market.registry.assets import merkle_root
from market.registry.models import Asset, AssetVersion
from market.uploads import tasks
from market.uploads.models import UploadSession, UploadState
from tests.uploads.conftest import MiB


def _csv(size: int) -> bytes:
    head = b"id,reading\n"
    return head + os.urandom(size - len(head)).hex().encode()[: size - len(head)]


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _begun(caller, data, name="readings.csv", part_size=5 * MiB):
    response = caller.begin(caller.asset(), name, len(data), part_size)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _send_all(caller, upload, data, numbers=None):
    pieces = _pieces(data, upload["part_size"])
    numbers = numbers or list(range(1, len(pieces) + 1))
    response = caller.targets(upload["id"], numbers)
    assert response.status_code == 200, response.get_json()
    for target in response.get_json():
        assert caller.send(target, pieces[target["number"] - 1]) == 200


def _store_is_empty(app) -> bool:
    store = app.extensions["files"]
    later = utcnow() + timedelta(hours=1)
    return list(store.stored_before(later)) == [] and list(store.stale_uploads(later)) == []


def test_a_dropped_upload_resumes_and_registers_a_fingerprinted_version(app, db, provider):
    data = _csv(12 * MiB + 123)
    upload = _begun(provider, data)
    assert upload["part_count"] == 3 and upload["state"] == "open"
    pieces = _pieces(data, upload["part_size"])
    targets = {t["number"]: t for t in provider.targets(upload["id"], [1, 2, 3]).get_json()}
    assert provider.send(targets[1], pieces[0]) == 200
    assert provider.send(targets[3], pieces[2]) == 200
    # The connection drops halfway through part 2: the store keeps nothing of it.
    provider.send(targets[2], pieces[1][: len(pieces[1]) // 2])

    resumed = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()
    assert [part["number"] for part in resumed["stored_parts"]] == [1, 3]
    _send_all(provider, upload, data, numbers=[2])
    completed = provider.post(f"/api/v1/uploads/{upload['id']}/complete")
    assert completed.status_code == 202, completed.get_json()
    assert completed.get_json()["state"] == "verifying"

    assert worker.run_once(app) >= 1  # the worker streams the object through SHA-256
    done = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()
    assert done["state"] == "registered", done
    assert done["sha256"] == hashlib.sha256(data).hexdigest()
    version = db.get(AssetVersion, done["version_id"])
    assert [(f.name, f.size, f.sha256) for f in version.files] == [
        ("readings.csv", len(data), done["sha256"])
    ]
    assert version.fingerprint == merkle_root([done["sha256"]])
    with app.extensions["files"].open(version.files[0].storage_key) as blob:
        assert hashlib.sha256(blob.read()).hexdigest() == done["sha256"]


def test_a_stored_part_is_not_taken_twice(provider):
    data = _csv(6 * MiB)
    upload = _begun(provider, data)
    _send_all(provider, upload, data, numbers=[1])
    again = provider.targets(upload["id"], [1, 2])
    assert again.status_code == 409 and again.get_json()["errors"]["stored"] == [1]
    put = provider.raw.put(
        f"/api/v1/uploads/{upload['id']}/parts/1", data=data[: 5 * MiB], headers=provider.headers
    )
    assert put.status_code == 409 and "number" in put.get_json()["errors"]


@pytest.mark.parametrize("numbers", [[0], [3], [-1, 1]])
def test_part_numbers_outside_the_upload_are_refused(provider, numbers):
    upload = _begun(provider, _csv(6 * MiB))
    response = provider.targets(upload["id"], numbers)
    assert response.status_code == 422 and "parts" in response.get_json()["errors"]


def test_a_part_of_the_wrong_size_is_refused(provider):
    upload = _begun(provider, _csv(6 * MiB))
    put = provider.raw.put(
        f"/api/v1/uploads/{upload['id']}/parts/2", data=b"id,x\n" * 10, headers=provider.headers
    )
    assert put.status_code == 422 and "body" in put.get_json()["errors"]
    assert provider.get(f"/api/v1/uploads/{upload['id']}").get_json()["stored_parts"] == []


def test_completing_with_a_missing_part_names_it_and_keeps_the_session(app, db, provider):
    data = _csv(11 * MiB)
    upload = _begun(provider, data)
    _send_all(provider, upload, data, numbers=[1, 3])
    response = provider.post(f"/api/v1/uploads/{upload['id']}/complete")
    assert response.status_code == 422
    assert response.get_json()["errors"]["missing"] == [2]
    english = provider.raw.post(
        f"/api/v1/uploads/{upload['id']}/complete",
        headers={**provider.headers, "Accept-Language": "en"},
    )
    # A sentence, as the API's other messages: a capital and a full stop.
    assert english.get_json()["message"] == "Some parts are missing or of the wrong size."
    assert provider.get(f"/api/v1/uploads/{upload['id']}").get_json()["state"] == "open"
    _send_all(provider, upload, data, numbers=[2])
    assert provider.post(f"/api/v1/uploads/{upload['id']}/complete").status_code == 202


def test_another_organisation_cannot_see_or_use_the_session(provider, stranger):
    data = _csv(6 * MiB)
    upload = _begun(provider, data)
    for response in (
        stranger.get(f"/api/v1/uploads/{upload['id']}"),
        stranger.targets(upload["id"], [1]),
        stranger.post(f"/api/v1/uploads/{upload['id']}/complete"),
        stranger.delete(f"/api/v1/uploads/{upload['id']}"),
        stranger.raw.put(
            f"/api/v1/uploads/{upload['id']}/parts/2", data=b"x", headers=stranger.headers
        ),
        stranger.begin(upload["asset_id"], "other.csv", 10),
    ):
        assert response.status_code == 404, response.get_json()
        # One answer whatever the route: the id that names nothing visible is the URL's.
        assert list(response.get_json()["errors"]) in (["token"], ["asset_id"])


def test_content_that_is_not_its_declared_type_is_refused_and_dropped(app, db, provider):
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(6 * MiB)
    upload = _begun(provider, data, name="table.csv")
    _send_all(provider, upload, data)
    response = provider.post(f"/api/v1/uploads/{upload['id']}/complete")
    assert response.status_code == 422 and "name" in response.get_json()["errors"]
    shown = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()
    assert shown["state"] == "rejected" and shown["error"]["errors"]["name"]
    assert _store_is_empty(app)
    assert db.scalar(sa.select(sa.func.count()).select_from(AssetVersion)) == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "huge.csv", "size": 2 * 1024**4}, 413, "size"),
        ({"name": "run.exe", "size": 10}, 422, "name"),
        ({"name": "data.csv", "size": 0}, 422, "size"),
        ({"name": "data.csv", "size": 20 * MiB, "part_size": 1024}, 422, "part_size"),
        ({"name": "data.csv", "size": 10, "part_size": 2**63 - 1}, 422, "part_size"),
        ({"name": "../../etc/passwd", "size": 10}, 422, "name"),
    ],
)
def test_bad_sessions_are_refused_with_the_field(app, provider, body, status, field):
    response = provider.post(f"/api/v1/assets/{provider.asset()}/uploads", body)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]
    assert not {"limit", "limits"} & set(response.get_json()["errors"])
    assert _store_is_empty(app)


def test_a_refused_part_size_gives_the_range_taken_beside_its_errors(app, provider):
    body = {"name": "data.csv", "size": 20 * MiB, "part_size": 1024}
    refused = provider.post(f"/api/v1/assets/{provider.asset()}/uploads", body).get_json()
    assert list(refused["errors"]) == ["part_size"] and refused["limits"][0] == 5 * MiB


def test_the_size_limit_is_a_setting(app, provider):
    app.config["MAX_ASSET_FILE_BYTES"] = 10 * MiB
    response = provider.begin(provider.asset(), "data.csv", 10 * MiB + 1)
    assert response.status_code == 413 and response.get_json()["limit"] == 10 * MiB
    assert list(response.get_json()["errors"]) == ["size"]
    assert provider.begin(provider.asset(), "data.csv", 10 * MiB).status_code == 201


def test_the_limit_is_what_the_store_can_take_in_its_parts(app, provider, store_kind):
    # Through the API a part is one request of at most MAX_UPLOAD_BYTES, so 10,000 of them
    # bound the local store; presigned parts (S3) reach the setting, 1 TiB.
    tebibyte = 1024**4
    response = provider.begin(provider.asset(), "corpus.csv", tebibyte)
    if store_kind == "local":
        largest = 10_000 * app.config["MAX_UPLOAD_BYTES"]
        assert response.status_code == 413
        assert response.get_json()["limit"] == largest
        assert provider.begin(provider.asset(), "corpus.csv", largest).status_code == 201
    else:
        assert response.status_code == 201, response.get_json()


def test_abandoned_sessions_expire_and_their_parts_are_aborted(app, db, provider):
    data = _csv(6 * MiB)
    upload = _begun(provider, data)
    _send_all(provider, upload, data, numbers=[1])
    db.execute(
        sa.update(UploadSession)
        .where(UploadSession.token == upload["id"])
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.commit()
    late = provider.targets(upload["id"], [2])
    assert late.status_code == 410
    tasks.maintain(app)
    db.expire_all()
    session = db.scalar(sa.select(UploadSession).where(UploadSession.token == upload["id"]))
    assert session.state == UploadState.EXPIRED
    assert _store_is_empty(app)


def test_an_aborted_upload_leaves_nothing(app, provider):
    data = _csv(6 * MiB)
    upload = _begun(provider, data)
    _send_all(provider, upload, data, numbers=[1])
    response = provider.delete(f"/api/v1/uploads/{upload['id']}")
    assert response.status_code == 200 and response.get_json()["state"] == "aborted"
    assert _store_is_empty(app)
    again = provider.post(f"/api/v1/uploads/{upload['id']}/complete")
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"state": ["aborted"], "action": ["complete"]}


def test_a_second_file_joins_the_previous_version(app, db, provider):
    first, second = _csv(100), _csv(200)
    asset_id = provider.asset()
    for name, data in (("a.csv", first), ("b.csv", second)):
        upload = provider.begin(asset_id, name, len(data)).get_json()
        _send_all(provider, upload, data)
        assert provider.post(f"/api/v1/uploads/{upload['id']}/complete").status_code == 202
        worker.run_once(app)
    asset = db.get(Asset, asset_id)
    latest = asset.latest_version
    hashes = [hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()]
    assert latest.number == 2 and sorted(f.sha256 for f in latest.files) == sorted(hashes)
    assert latest.fingerprint == merkle_root(hashes)


class _SlowBody:
    """A part's body that stops halfway until released, as on a slow network."""

    def __init__(self, data: bytes) -> None:
        self.data, self.sent = data, 0
        self.halfway, self.release = threading.Event(), threading.Event()

    def read(self, size: int = -1) -> bytes:
        half = len(self.data) // 2
        if self.sent >= half and not self.release.is_set():
            self.halfway.set()
            self.release.wait(60)
        end = len(self.data) if size < 0 else self.sent + size
        if self.sent < half:
            end = min(end, half)
        chunk = self.data[self.sent : end]
        self.sent += len(chunk)
        return chunk

    def tell(self) -> int:  # the test client measures the body by seeking
        return self.sent

    def seek(self, offset: int, whence: int = 0) -> int:
        self.sent = len(self.data) if whence == 2 else offset
        return self.sent


def test_a_part_streaming_through_the_api_holds_no_database_lock(app, provider):
    data = _csv(5 * MiB)
    upload = _begun(provider, data, part_size=5 * MiB)
    body = _SlowBody(data)
    answers = []

    def send() -> None:
        response = app.test_client().put(
            f"/api/v1/uploads/{upload['id']}/parts/1",
            input_stream=body,
            headers={**provider.headers, "Content-Type": "application/octet-stream"},
        )
        answers.append(response.status_code)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert body.halfway.wait(60)
        # Meanwhile another request writes (SQLite takes its one write lock at BEGIN).
        other = provider.begin(upload["asset_id"], "other.csv", 10)
        assert other.status_code == 201, other.get_json()
    finally:
        body.release.set()
        sender.join(60)
    assert answers == [200]
    shown = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()
    assert [part["number"] for part in shown["stored_parts"]] == [1]


def test_the_session_lists_each_stored_parts_etag(provider):
    data = _csv(6 * MiB)
    upload = _begun(provider, data)
    _send_all(provider, upload, data)
    listed = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()["stored_parts"]
    expected = [
        hashlib.md5(piece, usedforsecurity=False).hexdigest()
        for piece in _pieces(data, upload["part_size"])
    ]
    assert [part["etag"].strip('"') for part in listed] == expected
