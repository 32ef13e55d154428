"""Two app processes with their counters in Redis share one limit; in memory they would not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

SHUJIAO = Path(sys.executable).parent / "shujiao"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_processes(tmp_path, redis_url):
    """Two ``shujiao serve`` processes (one worker each) on one database and one Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    env.update(
        SHUJIAO_SECRET_KEY="k" * 40,
        SHUJIAO_INSTANCE_PATH=str(tmp_path),
        SHUJIAO_RATELIMIT_STORAGE_URL=redis_url,
        SHUJIAO_RATELIMIT_ANONYMOUS="3/minute",
    )
    # The test Redis serves this suite alone: start every run from empty counters.
    redis.Redis.from_url(redis_url).flushdb()
    subprocess.run([str(SHUJIAO), "db", "upgrade"], env=env, check=True, timeout=300)
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [str(SHUJIAO), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 120
            while _status_or_none(f"http://127.0.0.1:{port}/healthz") != 200:
                assert time.monotonic() < deadline, f"the app on {port} never answered"
                time.sleep(0.3)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _status_or_none(url: str) -> int | None:
    try:
        return _status(url)
    except OSError:
        return None


def test_two_app_processes_share_one_limit(two_processes):
    first, second = two_processes
    path = "/api/v1/organisations"
    statuses = [_status(first + path), _status(first + path), _status(second + path)]
    assert statuses == [200, 200, 200]
    assert _status(second + path) == 429
    assert _status(first + path) == 429
