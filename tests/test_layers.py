"""The domain core loads without the web: importing a domain's models or services pulls in
neither Flask-WTF nor Flask-Babel nor any page, and the app is built by ``market.app``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = sorted(path.parent.name for path in (ROOT / "market").glob("*/models.py"))
# The doors onto a domain (HTTP, CLI, worker, webhooks) and its demo data; everything else in a
# domain package is its core: models and services.
DOORS = {"pages", "views", "schemas", "cli", "tasks", "stripe_events", "server", "webhooks", "demo"}
WEB_PACKAGES = ("flask_wtf", "flask_babel", "flask_smorest", "wtforms")

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def core_modules(domain: str) -> list[str]:
    """The models and services of ``domain``, as module names."""
    return [
        f"market.{domain}.{path.stem}"
        for path in sorted((ROOT / "market" / domain).glob("*.py"))
        if path.stem not in DOORS and path.stem != "__init__"
    ]


def loaded_after_import(modules: list[str]) -> set[str]:
    """``sys.modules`` of a fresh interpreter after importing ``modules``."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_every_domain_has_a_core():
    assert {"identity", "registry", "listings", "trading"} <= set(DOMAINS)
    for domain in DOMAINS:
        assert core_modules(domain), domain


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_core_loads_no_web_machinery(domain):
    loaded = loaded_after_import(core_modules(domain))
    web = sorted(name for name in loaded if name.split(".")[0] in WEB_PACKAGES)
    pages = sorted(
        name
        for name in loaded
        if name.startswith("market.")
        and (name.rsplit(".", 1)[-1] in {"pages", "views", "web", "app"} or name == "market.web")
    )
    assert web == [], f"market.{domain} loads the web toolkit"
    assert pages == [], f"market.{domain} loads pages, views or the app"


def test_importing_the_package_builds_nothing():
    loaded = loaded_after_import(["market", "market.outbox", "market.migrate"])
    assert "flask" not in loaded
    assert "market.app" not in loaded


def test_the_app_is_built_by_market_app(tmp_path):
    # The gunicorn target `shujiao serve` hands over, resolved the way gunicorn resolves it.
    from market import cli

    assert "market.app:create_app()" in Path(cli.__file__).read_text()
    probe = (
        "from gunicorn.util import import_app\n"
        "app = import_app('market.app:create_app()')\n"
        "print(app.import_name, sorted(app.blueprints)[:1])\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SHUJIAO_ENV": "demo",
        "SHUJIAO_INSTANCE_PATH": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("market.app ")
