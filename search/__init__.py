"""Search for Shujiao: one interface, two real engines (SQLite FTS5 + jieba, OpenSearch).

The library takes plain dicts and imports nothing from the application::

    import search
    from search.spec import IndexSpec, text, keyword, long

    engine = search.connect("embedded:///var/lib/shujiao/search.sqlite3")
    engine.ensure_index(spec)
    engine.index(spec, [{"id": "L1", "title_zh": "深圳市公交刷卡数据", ...}])
    results = engine.search(spec, search.Query(text="公交", facets=["category"]))
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from search.embedded import EmbeddedEngine
from search.engine import SearchEngine
from search.errors import (
    ConfigurationError,
    EngineError,
    IndexMissing,
    InvalidDocument,
    InvalidQuery,
    InvalidSpec,
    QueryTooLong,
    SearchError,
    SpecMismatch,
)
from search.opensearch import OpenSearchEngine
from search.query import BulkResult, Hit, Query, Range, RangeFacet, Results, Suggestion
from search.spec import Field, IndexSpec, SortKey

__all__ = [
    "BulkResult",
    "ConfigurationError",
    "EngineError",
    "EmbeddedEngine",
    "Field",
    "Hit",
    "IndexMissing",
    "IndexSpec",
    "InvalidDocument",
    "InvalidQuery",
    "InvalidSpec",
    "OpenSearchEngine",
    "Query",
    "QueryTooLong",
    "Range",
    "RangeFacet",
    "Results",
    "SearchEngine",
    "SearchError",
    "SortKey",
    "SpecMismatch",
    "Suggestion",
    "connect",
]

_PREFIX = re.compile(r"^([a-z0-9][a-z0-9_-]*)?$")


def connect(url: str, *, prefix: str = "", **options: Any) -> SearchEngine:
    """An engine for ``url``; no connection is made until the first call.

    - ``embedded:///abs/path/search.sqlite3`` or ``embedded:relative/path.sqlite3``: the
      SQLite FTS5 engine in that file (options: ``pool_size``).
    - ``http://host:9200`` / ``https://...``: an OpenSearch 2 or Elasticsearch 8 cluster,
      told apart by ``GET /`` (options: ``shards``, ``replicas``, ``timeout`` and client
      options such as ``http_auth``, ``verify_certs``, ``ca_certs``).

    ``prefix`` is prepended to every index name so several apps or test runs share a store.
    """
    if not _PREFIX.match(prefix):
        raise ConfigurationError("prefix: lowercase letters, digits, '_' and '-'", field="prefix")
    parts = urlsplit(url)
    if parts.scheme == "embedded":
        path = parts.path if parts.netloc == "" else None
        if not path:
            raise ConfigurationError(
                "use embedded:///absolute/file.sqlite3 or embedded:relative.sqlite3", field="url"
            )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return EmbeddedEngine(path, prefix=prefix, **options)
    if parts.scheme in ("http", "https") and parts.netloc:
        return OpenSearchEngine(url, prefix=prefix, **options)
    raise ConfigurationError(f"unsupported search URL scheme {parts.scheme!r}", field="url")
