"""Fixtures shared by the whole suite: the real services and fresh databases on both engines.

The services (PostgreSQL, OpenSearch, localstripe) are started by ``tools/services.py up``
(``make test`` does it), which writes their addresses to ``.services/env``. With ``CI`` set, a
missing service fails the run; otherwise the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import argon2
import pytest
import sqlalchemy as sa

from market import migrate, worker
from market.app import create_app
from market.identity import passwords
from market.objectstore import S3FileStore
from tests.web import WebClient

# Argon2id as in production, at the cost argon2-cffi keeps for tests: the recommended 64 MiB
# and three passes made password hashing, done for every user a test arranges and every
# sign-in, a large share of the suite's time. tests/identity/test_passwords.py covers the
# production parameters.
passwords.use_parameters(argon2.profiles.CHEAPEST)

ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = ROOT / ".services" / "env"

SERVICE_VARIABLES = {
    "postgresql": "SHUJIAO_TEST_POSTGRES_URL",
    "opensearch": "SHUJIAO_TEST_OPENSEARCH_URL",
    "localstripe": "SHUJIAO_TEST_STRIPE_URL",
    "redis": "SHUJIAO_TEST_REDIS_URL",
    "seaweedfs": "SHUJIAO_TEST_S3_URL",
}


def _read_services_env() -> dict[str, str]:
    if not SERVICES_ENV.exists():
        return {}
    values = {}
    for line in SERVICES_ENV.read_text().splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    return values


def service_value(variable: str) -> str | None:
    """A value written by ``tools/services.py up`` (the environment wins over the file)."""
    return os.environ.get(variable) or _read_services_env().get(variable)


def service_url(name: str) -> str:
    """Address of a started test service, or skip (fail under CI) with the reason."""
    variable = SERVICE_VARIABLES[name]
    url = os.environ.get(variable) or _read_services_env().get(variable)
    if url:
        return url
    reason = (
        f"{name} is not running: {variable} is not set and .services/env does not name it "
        f"(start it with `python tools/services.py up`; logs in .services/logs/)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# Fixtures that are costly to build and shared by several tests (seeded demo data): under
# pytest-xdist (``make test`` runs two workers, ``--dist loadgroup``) the tests that use one
# run on one worker, which builds it once.
SHARED_ON_ONE_WORKER = ("catalogue", "catalogue_engine", "demo_instance")


# Python's cyclic garbage collector, as the suite would otherwise run it. Every test builds an
# app (hundreds of rules, schemas, hooks), and each older collection walks every object the
# process holds: the test modules, SQLAlchemy, Hypothesis, schemathesis, Playwright. After
# collection those are frozen out of the collector's reach (they live until the process ends
# anyway); what the tests make is collected at the default thresholds, so an unclosed file or
# a connection left in a cycle is finalised as soon as before. (Young collections every
# 50,000 objects were faster still, 48 -> 27 s for 93 registry tests against 39 s frozen
# alone, but left such objects alive long enough for a SQLite connection's lock to make a
# later request of another test busy, and a file's ResourceWarning to fail another test.)


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def shared_fixture(item) -> str | None:
    """The costly shared fixture ``item`` uses, if any: one of :data:`SHARED_ON_ONE_WORKER`
    as the test sees it, built once for several tests. A module's own fixture of the same name
    made for each test (``tests/search/test_loose.py``'s ``catalogue``) ties it to no worker."""
    definitions = getattr(item, "_fixtureinfo", None)
    for name in SHARED_ON_ONE_WORKER:
        if name not in getattr(item, "fixturenames", ()):
            continue
        found = definitions.name2fixturedefs.get(name) if definitions else None
        if found and found[-1].scope == "function":
            continue
        return name.removesuffix("_engine")
    return None


def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if group := shared_fixture(item):
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """Superuser URL of the throwaway PostgreSQL cluster (its maintenance database)."""
    return service_url("postgresql")


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """HTTP address of the OpenSearch node."""
    return service_url("opensearch")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the Redis server (shared rate limits); under pytest-xdist each worker has a
    database of its own, so a test that empties its database leaves the other's counters."""
    url = service_url("redis")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        url = urlsplit(url)._replace(path=f"/{int(worker[2:]) % 16}").geturl()
    return url


@pytest.fixture(scope="session")
def stripe_url() -> str:
    """Base URL of localstripe."""
    return service_url("localstripe")


def _admin_engine(admin_url: str) -> sa.Engine:
    """An autocommit engine on the maintenance database that does not wait for WAL flushes."""
    return sa.create_engine(
        admin_url,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c synchronous_commit=off"},
    )


def _create_database(connection, name: str, template: str | None = None) -> None:
    """CREATE DATABASE; commits in it do not wait for the disk (the throwaway cluster is never
    recovered after a crash, so this changes no result, only the wait: 27 ms -> 7 ms a commit
    under load)."""
    suffix = f' TEMPLATE "{template}"' if template else ""
    connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
    connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


DROPPING_THREADS = 4


class _Copies:
    """Copies of a template database, made and dropped by two threads of this process.

    ``DROP DATABASE`` makes PostgreSQL 15 checkpoint (it waits for every dirty page of the
    cluster to reach the disk) and ``CREATE DATABASE`` copies the catalogue: 0.1-2 s each,
    more when the disk is busy, for every test on PostgreSQL. Here the next copy is made and
    the last one dropped while a test runs; each test still gets a database nobody used.
    Drops run on several threads: drops waiting together are served by one checkpoint (eight
    drops took 8-16 s one after the other and 1.6-2.8 s on four threads, under load).
    """

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.admin = _admin_engine(admin_url)
        self.creating = ThreadPoolExecutor(1, thread_name_prefix="create-database")
        self.dropping = ThreadPoolExecutor(DROPPING_THREADS, thread_name_prefix="drop-database")
        self.next: dict[str, Future] = {}
        self.drops: list[Future] = []

    def _create(self, template: str) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as connection:
            _create_database(connection, name, template)
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def take(self, template: str) -> str:
        """A new copy of ``template`` (made ahead if possible); the next one is started."""
        made = self.next.pop(template, None) or self.creating.submit(self._create, template)
        name = made.result()
        self.next[template] = self.creating.submit(self._create, template)
        return name

    def drop(self, name: str) -> None:
        self.drops.append(self.dropping.submit(self._drop, name))

    def close(self) -> None:
        self.creating.shutdown(wait=True)
        for made in self.next.values():
            self.drop(made.result())
        self.dropping.shutdown(wait=True)
        self.admin.dispose()
        for dropped in self.drops:
            dropped.result()  # a database that could not be dropped fails the run here


@pytest.fixture(scope="session")
def _postgres_copies(_migrated_templates):
    """This process's :class:`_Copies` (made when a test first needs PostgreSQL); closed before
    the templates it copies are dropped."""
    copies: list[_Copies] = []

    def get() -> _Copies:
        if not copies:
            copies.append(_Copies(service_url("postgresql")))
        return copies[0]

    yield get
    if copies:
        copies[0].close()


@pytest.fixture
def make_database_url(request, tmp_path, _postgres_copies):
    """Factory: ``make_database_url("sqlite" | "postgresql")`` gives a new, empty database.

    PostgreSQL databases are copies of the cluster's ``template1`` (what ``CREATE DATABASE``
    copies by default), dropped after the test.
    """
    created: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        if kind != "postgresql":
            raise ValueError(kind)
        copies = _postgres_copies()
        name = copies.take("template1")
        created.append(name)
        return (
            sa.make_url(copies.admin_url).set(database=name).render_as_string(hide_password=False)
        )

    yield make

    for name in created:
        _postgres_copies().drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, make_database_url) -> str:
    """A new, empty database; every test using it runs once per engine."""
    return make_database_url(request.param)


# --- The application on a migrated database -------------------------------------------------


class _Templates:
    """Databases migrated to head once per process, one per engine; tests get copies of them.

    The PostgreSQL one (``tpl_*``) is dropped by :meth:`close` when the session ends: every run
    used to leave one per worker on the server (12 MB each).
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.urls: dict[str, str] = {}

    def url(self, kind: str) -> str:
        if kind in self.urls:
            return self.urls[kind]
        if kind == "sqlite":
            url = f"sqlite:///{self.directory / 'template.sqlite3'}"
        else:
            admin_url = service_url("postgresql")
            name = f"tpl_{uuid.uuid4().hex[:12]}"
            admin = _admin_engine(admin_url)
            with admin.connect() as connection:
                _create_database(connection, name)
            admin.dispose()
            url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        self.urls[kind] = url
        return url

    def close(self) -> None:
        url = self.urls.pop("postgresql", None)
        if url is None:
            return
        admin = _admin_engine(service_url("postgresql"))
        with admin.connect() as connection:
            name = sa.make_url(url).database
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory):
    """This process's :class:`_Templates`, closed when the session ends."""
    templates = _Templates(tmp_path_factory.mktemp("template"))
    yield templates
    templates.close()


@pytest.fixture
def migrated_database_url(engine_kind, tmp_path, _postgres_copies, _migrated_templates):
    """A new database at the head migration, on the engine of ``engine_kind``."""
    kind = engine_kind
    template = _migrated_templates.url(kind)
    if kind == "sqlite":
        target = tmp_path / "app.sqlite3"
        shutil.copyfile(sa.make_url(template).database, target)
        yield f"sqlite:///{target}"
        return
    copies = _postgres_copies()
    name = copies.take(sa.make_url(template).database)
    yield sa.make_url(copies.admin_url).set(database=name).render_as_string(hide_password=False)
    copies.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_kind(request) -> str:
    """Which database engine the test runs on; every app test runs on both."""
    return request.param


def app_config(database_url: str, instance: Path, **overrides) -> dict:
    """The configuration tests build the app with (no environment variables read)."""
    config = {
        "ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SEARCH_URL": f"embedded:///{instance / 'search.sqlite3'}",
        "FILES_PATH": str(instance / "files"),
        "MAIL_SINK": f"file:{instance / 'mail'}",
        "BASE_URL": "http://shujiao.test",
        # Limits far above what any test sends; tests of rate limits set their own.
        "RATELIMIT_ANONYMOUS": "100000/minute",
        "RATELIMIT_CLIENT": "100000/minute",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(migrated_database_url, tmp_path):
    """The application on a fresh, migrated database (once per engine)."""
    application = create_app(app_config(migrated_database_url, tmp_path / "instance"))
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def db(app):
    """A unit of work on the app's database, for arranging and checking state.

    No app context is pushed: requests made during the test must get their own ``g``.
    """
    with app.extensions["db"].unit_of_work() as session:
        yield session


@pytest.fixture
def client(app):
    """A browser-like test client that fills in CSRF tokens (see :class:`tests.web.WebClient`)."""
    return WebClient(app)


@pytest.fixture
def store(app):
    """The app's file store (a temporary directory, or a bucket where the app is built so)."""
    return app.extensions["files"]


@pytest.fixture
def drain(app):
    """Run the worker until the outbox has nothing due (indexing, matching, mail, trading)."""

    def run() -> int:
        total = 0
        while handled := worker.run_once(app):
            total += handled
        return total

    return run


# --- The S3-compatible object store (SeaweedFS) -----------------------------------------------


@pytest.fixture(scope="session")
def s3_service() -> dict:
    """Endpoint and credentials of the SeaweedFS node's S3 gateway."""
    return {
        "endpoint_url": service_url("seaweedfs"),
        "access_key_id": service_value("SHUJIAO_TEST_S3_ACCESS_KEY_ID"),
        "secret_access_key": service_value("SHUJIAO_TEST_S3_SECRET_ACCESS_KEY"),
    }


@pytest.fixture
def s3_bucket(s3_service):
    """A new, empty bucket for one test; emptied and removed afterwards."""
    name = f"t-{uuid.uuid4().hex[:16]}"
    store = S3FileStore.from_url(f"s3://{name}", **s3_service)
    store.client.create_bucket(Bucket=name)
    yield name
    for upload in store.client.list_multipart_uploads(Bucket=name).get("Uploads", []):
        store.client.abort_multipart_upload(
            Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            store.client.delete_object(Bucket=name, Key=item["Key"])
    store.client.delete_bucket(Bucket=name)


def s3_config(s3_service: dict, bucket: str, prefix: str = "files") -> dict:
    """App settings that put the file store in ``bucket`` on the SeaweedFS node."""
    return {
        "FILES_URL": f"s3://{bucket}/{prefix}",
        "S3_ENDPOINT_URL": s3_service["endpoint_url"],
        "S3_ACCESS_KEY_ID": s3_service["access_key_id"],
        "S3_SECRET_ACCESS_KEY": s3_service["secret_access_key"],
    }


CHROMIUM = os.environ.get("SHUJIAO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, driven by Playwright) for the whole session: page tests
    and the journey share it, since a second Playwright cannot start while one runs."""
    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
