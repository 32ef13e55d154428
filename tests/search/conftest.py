"""Engines for the search tests: every test runs on the embedded engine and on OpenSearch."""

from __future__ import annotations

import uuid

import pytest

import search
from tests.search.listings import LISTINGS, listing_documents

ENGINES = ["embedded", pytest.param("opensearch", marks=pytest.mark.opensearch)]
RUN = uuid.uuid4().hex[:8]


def make_engine(kind: str, request, directory) -> search.SearchEngine:
    """A connected engine whose index names are unique to this test run."""
    if kind == "embedded":
        return search.connect(f"embedded://{directory}/search.sqlite3", prefix="test_")
    url = request.getfixturevalue("opensearch_url")
    return search.connect(url, prefix=f"shujiao-test-{RUN}-{uuid.uuid4().hex[:6]}-", replicas=0)


@pytest.fixture(scope="session", params=ENGINES)
def loaded(request, tmp_path_factory) -> search.SearchEngine:
    """A read-only engine holding the 60 listings (shared by the tests that only read)."""
    engine = make_engine(request.param, request, tmp_path_factory.mktemp("loaded"))
    engine.ensure_index(LISTINGS)
    engine.index(LISTINGS, listing_documents(), refresh=True)
    yield engine
    engine.drop_index(LISTINGS)
    engine.close()


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path) -> search.SearchEngine:
    """An engine with an empty listings index, dropped after the test."""
    engine = make_engine(request.param, request, tmp_path)
    engine.ensure_index(LISTINGS)
    yield engine
    engine.drop_index(LISTINGS)
    engine.close()


@pytest.fixture
def docs() -> list[dict]:
    """Fresh copies of the listings."""
    return listing_documents()
