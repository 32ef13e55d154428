"""Listing fixtures: the file store, a provider, a reviewer, API tokens, the worker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

import search
from market import demo, migrate
from market.app import create_app
from market.db import utcnow
from market.demo import listings as listings_demo
from market.identity.models import StaffRole
from market.listings import indexing
from tests import factories
from tests.conftest import app_config
from tests.registry import factories as registry_factories


@pytest.fixture
def staff(db):
    """A reviewer."""
    return registry_factories.reviewer(db)


@pytest.fixture
def provider(db):
    """``(organisation, owner)`` of a verified mainland provider."""
    return registry_factories.provider(db)


@pytest.fixture
def bearer(app, db, client):
    """Factory: ``bearer(organisation, scopes)`` gives Authorization headers for its client."""

    def make(organisation, scopes):
        api_client, secret = factories.api_client(db, organisation, scopes)
        db.commit()
        token = factories.token(client.raw, api_client.client_id, secret, " ".join(scopes))
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def operator(db):
    """The exchange itself, with a reviewer member (for staff API scopes)."""
    reviewer = factories.user(db, staff=(StaffRole.REVIEWER,))
    organisation = factories.organisation(db, reviewer, is_operator=True)
    db.commit()
    return organisation, reviewer


# --- The demo catalogue, built once per session ------------------------------------------------

ENGINES = ["embedded", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@dataclass
class Catalogue:
    """The seeded demo exchange: its app (SQLite), listing ids by key, search documents."""

    app: object
    ids: dict[str, int]
    docs: list[dict]


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory) -> Catalogue:
    """The 300-listing demo catalogue, seeded once per session through the real services."""
    instance = tmp_path_factory.mktemp("catalogue")
    url = f"sqlite:///{instance / 'catalogue.sqlite3'}"
    migrate.upgrade(url)
    application = create_app(app_config(url, instance))
    with application.app_context(), application.extensions["db"].unit_of_work() as session:
        demo.seed(session)
        ids = listings_demo.listing_ids(session)
        docs = list(indexing.documents(session, utcnow()))
    yield Catalogue(application, ids, docs)
    application.extensions["db"].dispose()


@pytest.fixture(scope="session", params=ENGINES)
def catalogue_engine(request, catalogue, tmp_path_factory):
    """``(engine, kind)``: the catalogue indexed in the embedded engine and in OpenSearch."""
    kind = request.param
    if kind == "embedded":
        directory = tmp_path_factory.mktemp("catalogue-search")
        engine = search.connect(f"embedded://{directory}/search.sqlite3", prefix="t_")
    else:
        url = request.getfixturevalue("opensearch_url")
        prefix = f"shujiao-listings-{uuid.uuid4().hex[:8]}-"
        engine = search.connect(url, prefix=prefix, replicas=0)
    engine.ensure_index(indexing.LISTINGS)
    engine.index(indexing.LISTINGS, catalogue.docs, refresh=True)
    yield engine, kind
    engine.drop_index(indexing.LISTINGS)
    engine.close()
