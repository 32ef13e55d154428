"""The one interface every search engine implements."""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from search.analysis import fold, query_terms
from search.query import BulkResult, Hit, Query, Results, Suggestion
from search.spec import IndexSpec

MAX_SUGGESTIONS = 20
MAX_SIMILAR = 50
#: A request of this many words or more is answered as typed when its correction matches
#: only some of its words: in a long request the words the listings do not hold are mostly
#: everyday words (startup, plan), not typos, and their look-alikes (status, plant) mislead.
LONG_REQUEST = 6


class SearchEngine(abc.ABC):
    """A search engine holding indexes described by :class:`~search.spec.IndexSpec`.

    Every index is reached through a stable name (an alias) pointing at a physical index, so
    :meth:`reindex` can build a replacement and switch to it without a gap. Methods raise
    :class:`~search.errors.SearchError` subclasses only.
    """

    @abc.abstractmethod
    def ensure_index(self, spec: IndexSpec) -> bool:
        """Create the index if it does not exist; return whether it was created.

        Raises :class:`~search.errors.SpecMismatch` when the live index was built from a
        different spec or analysis version (then :meth:`reindex`).
        """

    @abc.abstractmethod
    def drop_index(self, spec: IndexSpec) -> None:
        """Delete the index and every physical index behind it (tests, tear-down)."""

    @abc.abstractmethod
    def index(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> BulkResult:
        """Insert or replace documents by ``id``. Every document is validated first, so a bad
        one (:class:`~search.errors.InvalidDocument`, naming the field) writes nothing.
        ``refresh`` makes the change visible to searches before returning."""

    @abc.abstractmethod
    def delete(self, spec: IndexSpec, ids: Iterable[str], *, refresh: bool = False) -> int:
        """Delete documents by id; return how many existed."""

    @abc.abstractmethod
    def get(self, spec: IndexSpec, doc_id: str) -> dict[str, Any] | None:
        """The stored (canonical) source of a document, or ``None``."""

    @abc.abstractmethod
    def count(self, spec: IndexSpec) -> int:
        """Number of documents in the index."""

    @abc.abstractmethod
    def iter_documents(self, spec: IndexSpec) -> Iterator[dict[str, Any]]:
        """Every stored source, ordered by id (for consistency checkers)."""

    def all_ids(self, spec: IndexSpec) -> Iterator[str]:
        """Every document id, in order."""
        for doc in self.iter_documents(spec):
            yield doc["id"]

    @abc.abstractmethod
    def search(self, spec: IndexSpec, query: Query) -> Results:
        """Run a query: full text (empty matches everything), filters, facets, sort, page.

        Raises :class:`~search.errors.InvalidQuery` (or :class:`~search.errors.QueryTooLong`)
        for a query the caller should fix; any other text returns results, possibly none.
        """

    @abc.abstractmethod
    def suggest(
        self, spec: IndexSpec, prefix: str, limit: int = 8, *, synonyms: Any = None
    ) -> list[Suggestion]:
        """As-you-type suggestions, what was typed read folded (港鐵 as 港铁): values of the
        ``suggest`` keyword fields and terms of ``synonyms`` (the library's default list when
        ``None``) that start with it, a term only when some document holds its group, then
        titles (``suggest`` text fields) holding words that start with it
        (:mod:`search.suggestions`)."""

    @abc.abstractmethod
    def similar(self, spec: IndexSpec, doc_id: str, limit: int = 10) -> list[Hit]:
        """Documents like ``doc_id`` (more-like-this on its text), never itself; ``[]`` for an
        unknown id."""

    @abc.abstractmethod
    def reindex(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, batch_size: int = 1000
    ) -> BulkResult:
        """Build a new physical index from ``docs``, switch the alias to it atomically and
        drop the old one. Searches keep answering from the old index until the switch.
        Changes written with :meth:`index` during a reindex land in the old index only:
        replay them afterwards (the outbox does)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""


def bounded(limit: int, most: int) -> int:
    """``limit`` clamped to 1..most."""
    return max(1, min(int(limit), most))


def pick_suggestions(fields, prefix: str, rows, limit: int) -> list:
    """Turn matching documents into distinct suggestions: for each, the first suggest field
    containing the first typed word (else the first one with a value)."""
    words = fold(prefix).lower().split()
    probe = words[0][:2] if words else ""
    out, seen = [], set()
    for doc_id, source in rows:
        texts = [(f.name, source.get(f.name)) for f in fields if source.get(f.name)]
        chosen = next(((name, t) for name, t in texts if probe in t.lower()), None)
        chosen = chosen or (texts[0] if texts else None)
        if chosen and chosen[1] not in seen:
            seen.add(chosen[1])
            out.append(Suggestion(chosen[1], doc_id, chosen[0]))
        if len(out) == limit:
            break
    return out


def answered(
    run: Callable[[str, bool], Results], text: str, started: float, *, as_typed: bool = False
) -> Results:
    """The results of ``text`` answered through its typo correction, if any.

    ``run(text, correct)`` searches ``text``, correcting its typos if ``correct``. A query
    with a correction (``did_you_mean``) is answered by the search of the corrected text as
    if typed, so its listings are those the correction finds, not those plus every listing
    holding a fragment or a look-alike of a misspelt word. The correction is offered only
    when it finds listings (not only loose ones), and, for a request of :data:`LONG_REQUEST`
    words or more, listings matching most of its words; otherwise the query is answered as
    typed. ``as_typed``: the engine's first search of ``text`` matched its words as typed (it
    only offers corrections), so answering as typed needs no search again.
    """
    results = run(text, True)
    if not results.did_you_mean or results.did_you_mean == text:
        return results
    fixed = run(results.did_you_mean, False)
    long = fixed.relaxed and len(query_terms(text)) >= LONG_REQUEST
    if fixed.total and not fixed.loose and not long:
        return _timed(replace(fixed, did_you_mean=results.did_you_mean), started)
    typed = results if as_typed else run(text, False)
    return _timed(replace(typed, did_you_mean=None), started)


def _timed(results: Results, started: float) -> Results:
    took = (time.perf_counter() - started) * 1000
    return replace(results, took_ms=took)
