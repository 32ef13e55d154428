"""The journey's exchange: a freshly migrated database (no demo seed), the real OpenSearch node,
localstripe, the app served on loopback for Chromium, and the ``shujiao`` command beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from market import worker
from market.app import create_app
from market.listings.indexing import LISTINGS
from tests.conftest import app_config
from tests.trading.helpers import stripe_config

SHUJIAO = Path(sys.executable).parent / "shujiao"


@dataclass
class Exchange:
    """The served app, its address, and the environment the ``shujiao`` command runs in."""

    app: object
    url: str
    environment: dict

    def cli(self, *args: str, faketime: str | None = None) -> str:
        """Run ``shujiao ARGS`` against this exchange (at the moment ``faketime`` if given,
        with libfaketime); its output, or fail with its error."""
        command = [str(SHUJIAO), *args]
        if faketime is not None:
            found = shutil.which("faketime")
            if found is None:
                reason = "faketime is not installed (python tools/services.py install)"
                if os.environ.get("CI"):
                    pytest.fail(reason, pytrace=False)
                pytest.skip(reason)
            command = [found, faketime, *command]
        result = subprocess.run(
            command, env=self.environment, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def api(self, method: str, path: str, headers: dict | None = None, **kwargs):
        """Call ``/api/v1{path}``."""
        return self.app.test_client().open(
            f"/api/v1{path}", method=method, headers=headers or {}, **kwargs
        )

    def drain(self) -> None:
        """Let the worker do what is due (mail, indexing, settlement), as ``shujiao worker``."""
        while worker.run_once(self.app):
            pass


@pytest.fixture
def exchange(migrated_database_url, tmp_path, stripe_url, opensearch_url):
    """The exchange on an empty database, served on a free loopback port."""
    instance = tmp_path / "instance"
    prefix = f"journey_{uuid.uuid4().hex[:8]}_"
    config = app_config(
        migrated_database_url,
        instance,
        TESTING=False,
        SEARCH_URL=opensearch_url,
        SEARCH_INDEX_PREFIX=prefix,
        **stripe_config(stripe_url),
    )
    application = create_app(config)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    environment.update(
        TZ="UTC",
        FAKETIME_DONT_FAKE_MONOTONIC="1",
        SHUJIAO_SECRET_KEY=config["SECRET_KEY"],
        SHUJIAO_DATABASE_URL=migrated_database_url,
        SHUJIAO_INSTANCE_PATH=str(instance),
        SHUJIAO_FILES_PATH=config["FILES_PATH"],
        SHUJIAO_MAIL_SINK=config["MAIL_SINK"],
        SHUJIAO_BASE_URL=config["BASE_URL"],
        SHUJIAO_SEARCH_URL=opensearch_url,
        SHUJIAO_SEARCH_INDEX_PREFIX=prefix,
    )
    yield Exchange(application, f"http://127.0.0.1:{server.server_port}", environment)
    server.shutdown()
    thread.join(timeout=10)
    engine = application.extensions["search"]
    engine.drop_index(LISTINGS)
    engine.close()
    application.extensions["db"].dispose()
