"""Slow transfers through ``shujiao serve`` (gunicorn), as production runs the app: a part sent
slowly to the local store and a large download read slowly both outlast the worker timeout and
still complete. gunicorn's arbiter kills a sync worker once one request outlasts the timeout
(30 s by default), cutting off every transfer slower than that."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from market.app import create_app
from market.cli import REQUEST_LINE_LIMIT
from market.db import utcnow
from market.listings import compliance, listings
from market.registry.assets import Upload
from tests.conftest import app_config
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.uploads.conftest import Caller, MiB

TIMEOUT = 2  # seconds: the worker timeout the server runs with
SLOW = 3 * TIMEOUT  # seconds each transfer takes at least
CONFIG_KEYS = ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "SEARCH_URL", "FILES_PATH")


@pytest.fixture
def engine_kind() -> str:
    return "sqlite"


@pytest.fixture
def app(migrated_database_url, tmp_path):
    """The app on SQLite and the local store (what the server below also runs on)."""
    application = create_app(app_config(migrated_database_url, tmp_path / "instance"))
    yield application
    application.extensions["db"].dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app, tmp_path):
    """``shujiao serve`` with one worker and a short worker timeout, on the app's database and
    files: ``(host, port)``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHUJIAO_")}
    env |= {f"SHUJIAO_{key}": str(app.config[key]) for key in CONFIG_KEYS}
    env |= {"SHUJIAO_ENV": "test", "SHUJIAO_MAIL_SINK": f"file:{tmp_path / 'mail'}"}
    env["GUNICORN_CMD_ARGS"] = f"--timeout {TIMEOUT}"
    port = _free_port()
    shujiao = Path(sys.executable).with_name("shujiao")
    process = subprocess.Popen(
        [str(shujiao), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "shujiao serve exited"
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "shujiao serve did not answer"
                time.sleep(0.5)
            finally:
                connection.close()
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(30)


def _connect(server) -> http.client.HTTPConnection:
    connection = http.client.HTTPConnection(*server, timeout=60)
    connection.connect()
    # A small receive window, so the server cannot hand the whole file to the kernel at once.
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    return connection


def test_a_part_sent_slower_than_the_worker_timeout_is_stored(app, db, server):
    provider = Caller(app, db)
    data = os.urandom(6 * MiB)
    begun = provider.begin(provider.asset(), "slow.csv", len(data))
    assert begun.status_code == 201, begun.get_json()
    upload = begun.get_json()
    [target] = provider.targets(upload["id"], [1]).get_json()
    connection = _connect(server)
    connection.putrequest("PUT", target["url"])
    for name, value in {**provider.headers, "Content-Type": "application/octet-stream"}.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(data)))
    connection.endheaders()
    pieces = 24
    size = len(data) // pieces
    for start in range(0, len(data), size):
        connection.send(data[start : start + size])
        time.sleep(SLOW / pieces)
    response = connection.getresponse()
    assert response.status == 200, response.read()
    connection.close()
    shown = provider.get(f"/api/v1/uploads/{upload['id']}").get_json()
    assert [part["number"] for part in shown["stored_parts"]] == [1]


def test_a_download_read_slower_than_the_worker_timeout_is_streamed_whole(app, db, server):
    store = app.extensions["files"]
    organisation, user = rf.provider(db)
    reviewer = rf.reviewer(db)
    listing = lf.draft_listing(db, store, organisation, user, reviewer)
    data = b"id,value\n" + os.urandom(8 * MiB).hex().encode()  # 16 MiB
    sample = listings.add_sample(
        db, store, listing, Upload("sample.csv", io.BytesIO(data)), len(data)
    )
    now = utcnow()
    listings.submit(db, listing, user, now)
    compliance.decide(db, listing, reviewer, lf.review_data(), now)
    db.commit()
    connection = _connect(server)
    connection.request("GET", f"/market/listings/{listing.id}/samples/{sample.id}")
    response = connection.getresponse()
    assert response.status == 200
    digest, received, pieces = hashlib.sha256(), 0, 64
    while chunk := response.read(len(data) // pieces):
        digest.update(chunk)
        received += len(chunk)
        time.sleep(SLOW / pieces)
    connection.close()
    assert received == len(data)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


def _get(server, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection(*server, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("characters", [501, 900])
def test_an_over_long_search_is_refused_by_the_app_naming_q(server, characters):
    # 501 Chinese characters are 4,509 bytes in the address, over gunicorn's default request
    # line (4,094 bytes), which answered with gunicorn's own HTML page; 900 come near the limit.
    words = quote("深" * characters)
    assert len(f"GET /market?q={words} HTTP/1.1") < REQUEST_LINE_LIMIT
    status, kind, body = _get(server, f"/api/v1/listings/search?q={words}")
    assert (status, kind) == (422, "application/json")
    assert list(json.loads(body)["errors"]) == ["q"]
    status, kind, body = _get(server, f"/market?q={words}")
    assert (status, kind) == (422, "text/html; charset=utf-8")
    assert "The search text is too long (at most 500 characters)." in body
