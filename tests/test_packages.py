"""Which package may import which.

``ledger`` and ``search`` stay libraries: they never import the app (or Flask). Inside
``market``, a domain's core (its models and services) knows nothing of the web: it imports
neither Flask nor the request context, the translation machinery, the form parser or the
authentication of requests, and importing it loads no page. The app is built by ``market.app``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"ledger": {"market", "flask", "search"}, "search": {"market", "flask", "ledger"}}

DOMAINS = sorted(path.parent.name for path in (ROOT / "market").glob("*/models.py"))
# The doors onto a domain (HTTP, CLI, worker, webhooks) and its demo data; everything else in a
# domain package is its core: models and services.
DOORS = {"pages", "views", "web", "schemas", "cli", "tasks", "stripe_events", "server", "webhooks"}
# Modules of ``market`` itself that the domains' cores share.
SHARED_CORE = ("config", "db", "errors", "files", "mail", "migrate", "models", "outbox", "text")
WEB_MODULES = {"flask", "market.context", "market.i18n", "market.forms", "market.auth"}
WEB_PACKAGES = ("flask_wtf", "flask_babel", "flask_smorest", "wtforms")


def _imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported_modules(path)}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def core_files() -> list[Path]:
    """The models and services of every domain, and the shared modules they build on."""
    files = [ROOT / "market" / f"{name}.py" for name in SHARED_CORE]
    for domain in DOMAINS:
        files += [
            path
            for path in sorted((ROOT / "market" / domain).glob("*.py"))
            if path.stem not in DOORS and path.stem != "__init__"
        ]
    return files


def core_modules(domain: str) -> list[str]:
    """The models and services of ``domain``, as module names."""
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in core_files()
        if path.parent.name == domain
    ]


def _is_web(module: str) -> bool:
    return any(module == web or module.startswith(web + ".") for web in WEB_MODULES)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_library_does_not_import_the_app(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in files
        if _imported_packages(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_models_and_services_do_not_import_the_web():
    files = core_files()
    assert {"identity", "registry", "listings", "trading"} <= set(DOMAINS)
    assert all(path.exists() for path in files)
    offenders = {
        str(path.relative_to(ROOT)): sorted(filter(_is_web, _imported_modules(path)))
        for path in files
        if any(map(_is_web, _imported_modules(path)))
    }
    assert offenders == {}


PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after_import(modules: list[str]) -> set[str]:
    """``sys.modules`` of a fresh interpreter after importing ``modules``."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_core_loads_no_web_machinery(domain):
    modules = core_modules(domain)
    assert modules, domain
    loaded = loaded_after_import(modules)
    web = sorted(name for name in loaded if name.split(".")[0] in WEB_PACKAGES)
    pages = sorted(
        name
        for name in loaded
        if name.startswith("market.")
        and (name.rsplit(".", 1)[-1] in {"pages", "views"} or name in {"market.web", "market.app"})
    )
    assert web == [], f"market.{domain} loads the web toolkit"
    assert pages == [], f"market.{domain} loads pages, views or the app"


def test_importing_the_package_builds_nothing():
    loaded = loaded_after_import(["market", "market.outbox", "market.migrate"])
    assert "flask" not in loaded
    assert "market.app" not in loaded


def test_the_app_is_built_by_market_app(tmp_path):
    # The gunicorn target `shujiao serve` hands over, resolved the way gunicorn resolves it.
    assert '"market.app:create_app()"' in (ROOT / "market" / "cli.py").read_text()
    probe = (
        "from gunicorn.util import import_app\n"
        "app = import_app('market.app:create_app()')\n"
        "print(app.import_name, len(app.blueprints))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "SHUJIAO_ENV": "demo", "SHUJIAO_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    name, blueprints = result.stdout.split()
    assert name == "market.app" and int(blueprints) > 5


def test_pages_and_views_are_two_doors_onto_one_core():
    # Pages share what they need with the API through services, never by importing views.
    pages = sorted((ROOT / "market").rglob("pages*.py")) + sorted(
        (ROOT / "market").rglob("pages/*.py")
    )
    assert pages
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_modules(path) if name.endswith(".views") or ".views." in name
        )
        for path in pages
        if any(name.endswith(".views") or ".views." in name for name in _imported_modules(path))
    }
    assert offenders == {}


# Domains depend one way; a domain's core may import only the domains listed for it.
LAYERS = {
    "identity": set(),
    "oauth": {"identity"},
    "payments": set(),
    "registry": {"identity"},
    "valuation": {"identity", "registry"},
    "listings": {"identity", "registry", "valuation"},
    "uploads": {"identity", "registry"},
    "trading": {"identity", "registry", "listings", "payments"},
    # Verification's suspension reaches into listings (search) and trading (open orders).
    "verification": {"identity", "registry", "listings", "trading"},
    # Search curation expands queries for listings' discovery and logs what buyers searched.
    # Its audit trail names the API client a change came through.
    "searching": {"identity", "registry", "listings", "oauth"},
    # Finance books what Stripe and the bank report and pays providers: above trading.
    "finance": {"identity", "registry", "listings", "payments", "trading"},
}


def test_domains_depend_one_way():
    assert set(DOMAINS) <= set(LAYERS)
    offenders = {}
    for path in core_files():
        domain = path.parent.name
        if domain not in LAYERS:
            continue
        used = {
            name.split(".")[1]
            for name in _imported_modules(path)
            if name.startswith("market.") and name.split(".")[1] in LAYERS
        } - {domain}
        if used - LAYERS[domain]:
            offenders[str(path.relative_to(ROOT))] = sorted(used - LAYERS[domain])
    assert offenders == {}


def test_only_the_cli_builds_the_app():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "market").rglob("*.py")
        if any(
            name == "market.app" or name.startswith("market.app.")
            for name in _imported_modules(path)
        )
    )
    assert importers == ["market/cli.py"]


# Libraries a web process loads only when it first needs them (each costs tens of MiB of
# resident memory in every gunicorn worker): pinyin for spelling, PDF printing, profiling.
LOADED_ON_FIRST_USE = ("pypinyin", "weasyprint", "duckdb")


def test_building_the_app_loads_no_heavy_library_before_it_is_used(tmp_path):
    probe = (
        "import json, sys\n"
        "from market.app import create_app\n"
        "create_app()\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "SHUJIAO_ENV": "demo", "SHUJIAO_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "flask" in loaded and "sqlalchemy" in loaded
    assert sorted(loaded & set(LOADED_ON_FIRST_USE)) == []
