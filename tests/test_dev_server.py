"""The development server ``shujiao demo`` runs, as curl and other clients reach it."""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from market import devserver


def _get(port: int, target: bytes) -> tuple[int, str]:
    """Send a request line with ``target`` exactly as given (no percent-encoding)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept-Language: zh-CN\r\nConnection: close\r\n\r\n"
        )
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


@pytest.fixture
def served(app):
    """The app on Werkzeug's development server, with the request handler of ``shujiao demo``."""
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=devserver.RequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/listings/suggest?q=公交".encode(),  # raw UTF-8, as curl sends it
        b"/api/v1/listings/suggest?q=%E5%85%AC%E4%BA%A4",  # percent-encoded, as browsers do
    ],
)
def test_a_chinese_query_is_read_as_sent(served, target):
    status, body = _get(served, target)
    assert status == 200, body


def test_the_query_reaches_the_page_intact(served):
    status, body = _get(served, "/market?q=深圳公交".encode())
    assert status == 200, body
    assert 'value="深圳公交"' in body


def test_control_characters_are_still_refused(served):
    status, body = _get(served, b"/api/v1/listings/suggest?q=%01")
    assert status == 422 and "q" in body
