"""Choosing an engine from a URL."""

from __future__ import annotations

import pytest

import search
from search import ConfigurationError, EmbeddedEngine, OpenSearchEngine


def test_embedded_url_with_absolute_path(tmp_path):
    engine = search.connect(f"embedded://{tmp_path}/s.sqlite3")
    assert isinstance(engine, EmbeddedEngine) and engine.path == f"{tmp_path}/s.sqlite3"


def test_embedded_url_with_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert search.connect("embedded:instance/search.sqlite3").path == "instance/search.sqlite3"


def test_http_url_gives_the_cluster_engine_without_connecting():
    engine = search.connect("http://127.0.0.1:1", prefix="app-")
    assert isinstance(engine, OpenSearchEngine) and engine.prefix == "app-"


@pytest.mark.parametrize("url", ["ftp://x", "embedded://host/file", "sqlite:///x", "http://"])
def test_unusable_url_is_refused(url):
    with pytest.raises(ConfigurationError):
        search.connect(url)


@pytest.mark.parametrize("prefix", ["UPPER", "_x", "a b", "a*"])
def test_bad_prefix_is_refused(prefix):
    with pytest.raises(ConfigurationError):
        search.connect("embedded:x.sqlite3", prefix=prefix)


def test_unreachable_cluster_raises_engine_error():
    engine = search.connect("http://127.0.0.1:1", timeout=1)
    with pytest.raises(search.EngineError):
        engine.count(search.IndexSpec("x", (search.spec.text("t", "en"),)))
