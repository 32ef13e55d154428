"""One contract for both file stores: a local directory, and a bucket on a real SeaweedFS node."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from market.db import utcnow
from market.files import (
    EmptyFile,
    FileTooLarge,
    LocalFileStore,
    PartRefused,
    content_key,
)
from market.objectstore import S3FileStore

MiB = 1024 * 1024


class Refused(Exception):
    pass


def refuse_non_csv(head: bytes) -> None:
    if not head.startswith(b"id,"):
        raise Refused


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Each store in turn: the same tests must pass on both."""
    if request.param == "local":
        return LocalFileStore(tmp_path / "files")
    s3_service = request.getfixturevalue("s3_service")
    bucket = request.getfixturevalue("s3_bucket")
    return S3FileStore.from_url(f"s3://{bucket}/files", **s3_service)


def _everything(store) -> list[str]:
    return sorted(store.stored_before(utcnow() + timedelta(hours=1)))


def test_saved_content_is_found_under_its_hash(store):
    data = b"id,value\n1,2\n"
    stored = store.save(io.BytesIO(data), 1024)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.key == content_key(stored.sha256) and stored.size == len(data)
    assert store.exists(stored.key)
    with store.open(stored.key) as handle:
        assert handle.read() == data
    assert store.save(io.BytesIO(data), 1024) == stored  # same content, same key, one copy
    assert _everything(store) == [stored.key]


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"id,x\n" * 100, FileTooLarge), (b"", EmptyFile), (b"\x89PNG\r\n", Refused)],
    ids=["too large", "empty", "refused by inspection"],
)
def test_refused_save_leaves_nothing(store, data, error):
    with pytest.raises(error):
        store.save(io.BytesIO(data), 256, refuse_non_csv)
    assert _everything(store) == []


def test_delete_is_idempotent(store):
    stored = store.save(io.BytesIO(b"id\n1\n"), 1024)
    store.delete(stored.key)
    store.delete(stored.key)
    assert not store.exists(stored.key)


def _parts(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_upload_in_parts_out_of_order_is_joined_and_fingerprinted(store):
    data = b"id,value\n" + os.urandom(11 * MiB)
    pieces = _parts(data, 5 * MiB)
    handle = store.begin_upload("a1")
    for number in (3, 1, 2):
        part = store.put_part(
            "a1", handle, number, io.BytesIO(pieces[number - 1]), len(pieces[number - 1])
        )
        assert part.size == len(pieces[number - 1])
    parts = store.list_parts("a1", handle)
    assert [(part.number, part.size) for part in parts] == [
        (n, len(p)) for n, p in enumerate(pieces, 1)
    ]
    store.finish_upload("a1", handle, parts)
    assert store.read_head("a1", handle).startswith(b"id,value\n")
    stored = store.adopt_upload("a1", len(data), refuse_non_csv)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    with store.open(stored.key) as blob:
        assert hashlib.sha256(blob.read()).hexdigest() == stored.sha256
    assert _everything(store) == [stored.key]  # one object: the parts are gone
    assert list(store.stale_uploads(utcnow() + timedelta(hours=1))) == []


@pytest.mark.parametrize(
    "sent", [b"id,short", b"id,far too long for its part"], ids=["short", "long"]
)
def test_a_part_of_the_wrong_size_is_refused_and_not_kept(store, sent):
    handle = store.begin_upload("b2")
    with pytest.raises(PartRefused):
        store.put_part("b2", handle, 1, io.BytesIO(sent), 12)
    assert store.list_parts("b2", handle) == []


def test_aborted_upload_leaves_nothing(store):
    handle = store.begin_upload("c3")
    store.put_part("c3", handle, 1, io.BytesIO(b"id,1\n"), 5)
    assert [token for token, _ in store.stale_uploads(utcnow() + timedelta(hours=1))] == ["c3"]
    assert list(store.stale_uploads(utcnow() - timedelta(hours=1))) == []
    store.abort_upload("c3", handle)
    store.abort_upload("c3", handle)  # twice is fine
    assert store.list_parts("c3", handle) == []
    assert list(store.stale_uploads(utcnow() + timedelta(hours=1))) == []
    assert _everything(store) == []


def test_an_upload_of_stored_content_gives_way_to_the_stored_copy(store):
    data = b"id,value\n" + b"7" * 100
    first = store.save(io.BytesIO(data), 1024)
    handle = store.begin_upload("g7")
    store.put_part("g7", handle, 1, io.BytesIO(data), len(data))
    store.finish_upload("g7", handle, store.list_parts("g7", handle))
    assert store.adopt_upload("g7", len(data), refuse_non_csv) == first
    assert _everything(store) == [first.key]


def test_adopting_content_of_the_wrong_type_keeps_nothing_new(store):
    handle = store.begin_upload("d4")
    store.put_part("d4", handle, 1, io.BytesIO(b"\x89PNG not csv"), 12)
    store.finish_upload("d4", handle, store.list_parts("d4", handle))
    with pytest.raises(Refused):
        store.adopt_upload("d4", 12, refuse_non_csv)
    store.abort_upload("d4", handle)
    assert _everything(store) == []


@pytest.fixture
def s3_store(s3_service, s3_bucket):
    """The S3 store alone, for what only it does: presigned URLs checked by the object store."""
    return S3FileStore.from_url(f"s3://{s3_bucket}/files", **s3_service)


def _put(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_a_presigned_part_url_works_until_it_expires(s3_store):
    handle = s3_store.begin_upload("e5")
    assert _put(s3_store.part_url("e5", handle, 1, 5, 60), b"id,1\n") == 200
    short = s3_store.part_url("e5", handle, 2, 5, 1)
    time.sleep(2.5)
    assert _put(short, b"id,2\n") == 403  # replayed after expiry
    assert [part.number for part in s3_store.list_parts("e5", handle)] == [1]


def test_the_object_store_checks_signatures(s3_store):
    handle = s3_store.begin_upload("f6")
    url = s3_store.part_url("f6", handle, 1, 5, 60)
    forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert _put(forged, b"id,1\n") == 403
    assert _put(url.split("?")[0] + f"?partNumber=1&uploadId={handle}", b"id,1\n") == 403
    assert s3_store.list_parts("f6", handle) == []


def test_a_presigned_download_serves_ranges(s3_store):
    data = b"id,value\n" + b"0123456789" * 100
    stored = s3_store.save(io.BytesIO(data), 4096)
    url = s3_store.download_url(stored.key, "数据.csv", "text/csv", 60)
    request = urllib.request.Request(url, headers={"Range": "bytes=9-18"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 206 and response.read() == b"0123456789"
        assert "attachment" in response.headers["Content-Disposition"]


def test_a_wrong_checksum_is_refused_by_the_object_store(s3_store):
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    with pytest.raises(ClientError):
        s3_store.client.put_object(
            Bucket=s3_store.bucket, Key="files/x", Body=b"id,1\n", ChecksumSHA256=wrong
        )
    assert not s3_store.exists("x")
