"""Queries and results: the plain dataclasses every engine takes and returns.

:func:`check` validates a :class:`Query` against an :class:`~search.spec.IndexSpec` once, so
the engines receive a :class:`Plan` whose fields, sort keys and bounds are known to be sound.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from search.errors import InvalidQuery, QueryTooLong
from search.spec import (
    FACET_KINDS,
    RANGE_KINDS,
    Field,
    IndexSpec,
    SortKey,
    canonical_date,
    epoch_millis,
)

MAX_QUERY_LENGTH = 500
MAX_PER_PAGE = 100
#: Deepest result reachable by paging (OpenSearch's default ``max_result_window``).
MAX_RESULT_WINDOW = 10_000
MAX_FACET_SIZE = 100


@dataclass(frozen=True)
class Range:
    """Bounds for an integer, long or date filter; ``None`` leaves a side open."""

    gte: Any = None
    gt: Any = None
    lte: Any = None
    lt: Any = None


@dataclass(frozen=True)
class RangeFacet:
    """Count hits per bucket of a numeric field; each bucket is ``(from, to)``,
    ``from`` inclusive, ``to`` exclusive, ``None`` for an open end."""

    field: str
    buckets: tuple[tuple[int | None, int | None], ...]

    def labels(self) -> list[str]:
        """Bucket labels, ``"from-to"`` with ``*`` for an open end."""
        return [f"{'*' if a is None else a}-{'*' if b is None else b}" for a, b in self.buckets]


@dataclass(frozen=True)
class Query:
    """A search request.

    ``filters`` maps a field to: a string or list of strings (keyword, any of), a bool
    (boolean), an int (exact) or a :class:`Range` (integer, long, date). ``facets`` names
    keyword/boolean fields to count, or holds :class:`RangeFacet` objects. ``sort`` is
    ``"relevance"``, a preset of the spec, or a sequence of :class:`~search.spec.SortKey`.
    ``boosts`` maps keyword fields to values that rank a matching document higher (a place
    named in the query → its ``region``); ``pinned`` maps keyword fields to values whose
    documents match whatever the text and rank before every other (a query that is exactly
    a provider's name → that provider's listings); ``nudges`` are boosts of the kind that only
    orders documents matching about as well (a region a word about something else names:
    HKEX → Hong Kong), never lifting a weaker match above a better one; ``synonyms`` is a
    :class:`search.analysis.Synonyms` list (the library's default when ``None``).
    """

    text: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    facets: Sequence[str | RangeFacet] = ()
    sort: str | Sequence[SortKey] = "relevance"
    page: int = 1
    per_page: int = 20
    highlight: bool = False
    facet_size: int = 20
    boosts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    synonyms: Any = None
    pinned: Mapping[str, Sequence[str]] = field(default_factory=dict)
    nudges: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One result: the stored source, a score (relevance sorts only) and highlighted snippets
    (HTML-escaped, matches wrapped in ``<mark>``)."""

    id: str
    score: float | None
    source: dict[str, Any]
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """A page of hits, the total, facet counts (field → [(value, count)]) and timings."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]
    took_ms: float
    page: int = 1
    per_page: int = 20
    total_exact: bool = True
    engine_ms: float | None = None
    relaxed: bool = False
    did_you_mean: str | None = None
    #: When fewer than :data:`FEW` documents match most of the query's words, documents
    #: matching some of them follow: how many match most (``None`` when none were added).
    strict_total: int | None = None
    #: No document holds any of the query's words: these documents share some of its
    #: Chinese character pairs (a last resort; ``relaxed`` is set too).
    loose: bool = False
    #: Some document of the index, filters aside, holds one of the query's words: with no
    #: hits, the filters left them out (the words are not loosened then).
    held: bool = False
    #: The query's words no document of the index holds (filters aside), as read (folded),
    #: left out of the match: the hits hold the others (外卖 of 外卖订单). Empty when no word
    #: is held (``loose``) or nothing matched.
    unheld: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """An as-you-type suggestion: its text and a document it leads to. ``kind`` is ``title``
    (a title of that document, ``field`` naming which), ``keyword`` (one of its values of the
    keyword field ``field``) or ``synonym`` (a term of the synonym list whose group that
    document holds; ``field`` is ``synonym``)."""

    text: str
    id: str
    field: str
    kind: str = "title"


@dataclass(frozen=True)
class BulkResult:
    """What a bulk upsert did."""

    created: int = 0
    updated: int = 0

    @property
    def indexed(self) -> int:
        """Documents written (created or replaced)."""
        return self.created + self.updated


@dataclass(frozen=True)
class Filter:
    """A checked filter: ``values`` for terms/booleans, ``bounds`` for ranges."""

    field: Field
    values: tuple[Any, ...] = ()
    bounds: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A query checked against its spec; what the engines execute."""

    text: str
    filters: tuple[Filter, ...]
    term_facets: tuple[Field, ...]
    range_facets: tuple[RangeFacet, ...]
    sort: tuple[SortKey, ...] | None  # None: relevance
    page: int
    per_page: int
    highlight: bool
    facet_size: int
    boosts: tuple[tuple[str, tuple[str, ...], float], ...] = ()
    nudges: tuple[tuple[str, tuple[str, ...], float], ...] = ()
    pinned: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tiebreak: tuple[SortKey, ...] = ()
    browse: tuple[SortKey, ...] = ()

    @property
    def offset(self) -> int:
        """Index of the first hit of the page."""
        return (self.page - 1) * self.per_page


#: Fewer documents than this matching most of a query's words are followed by the documents
#: matching some of them (relevance sorts only). A fixed number, not the page size: the
#: documents a search matches, and so its total, facets and pages, are the same whatever
#: the page and its size (the default page of the API and of the market page).
FEW = 20

#: Indexed words a half-typed last word is read as, at most (the most frequent).
COMPLETIONS = 8


def fills(plan: Plan, total: int) -> bool:
    """Whether documents matching some of the query's words should follow the ``total``
    matching most of them: fewer than :data:`FEW` do, ranked by relevance. Neither the page
    nor its size decides, so every page of one search, at any size, agrees."""
    return plan.sort is None and 0 < total < FEW


def clean_text(raw: str | None) -> str:
    """Query text with control characters dropped and whitespace collapsed."""
    raw = unicodedata.normalize("NFKC", raw or "")
    kept = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in raw)
    return " ".join(kept.split())


def check(spec: IndexSpec, query: Query) -> Plan:
    """Validate ``query`` against ``spec``; raise :class:`InvalidQuery` naming the culprit."""
    if query.text is not None and not isinstance(query.text, str):
        raise InvalidQuery("query text must be a string", field="q")
    if len(query.text or "") > MAX_QUERY_LENGTH:
        raise QueryTooLong(len(query.text), MAX_QUERY_LENGTH)
    page, per_page = query.page, query.per_page
    if not _is_int(per_page) or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidQuery(f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page")
    if not _is_int(page) or page < 1 or page * per_page > MAX_RESULT_WINDOW:
        raise InvalidQuery(
            f"page must be at least 1 and reach at most {MAX_RESULT_WINDOW} results", field="page"
        )
    if not _is_int(query.facet_size) or not 1 <= query.facet_size <= MAX_FACET_SIZE:
        raise InvalidQuery(f"facet_size must be between 1 and {MAX_FACET_SIZE}", field="facets")
    term_facets, range_facets = _check_facets(spec, query.facets)
    return Plan(
        text=clean_text(query.text),
        filters=tuple(_check_filter(spec, name, value) for name, value in query.filters.items()),
        term_facets=term_facets,
        range_facets=range_facets,
        sort=_check_sort(spec, query.sort),
        page=page,
        per_page=per_page,
        highlight=bool(query.highlight),
        facet_size=query.facet_size,
        boosts=_check_boosts(spec, query.boosts),
        nudges=_check_boosts(spec, query.nudges, "nudges", NUDGE),
        pinned=tuple(
            (name, values) for name, values, _ in _check_boosts(spec, query.pinned, "pinned")
        ),
        tiebreak=spec.tiebreak,
        browse=spec.browse,
    )


#: How much a boosted keyword value weighs: a factor on the embedded engine's BM25 score, an
#: added score on OpenSearch (scores there run from about 1 to 30).
BOOST = 1.6
#: How much a nudged keyword value weighs: a factor on the score on both engines, enough to
#: order documents whose scores are within a tenth of each other, not to lift a document
#: matching a weaker word above one matching the query better (on OpenSearch an added score
#: would, on an index whose scores are small).
NUDGE = 1.1
#: Added to the score of a pinned document, so it ranks before every document matched by
#: its text alone (text scores stay in the tens on both engines).
PINNED = 10_000.0
#: Added to the score of a document matching most of the query's words when fewer than
#: :data:`FEW` do and documents matching fewer follow them (:attr:`Results.strict_total`).
STRICT = 1_000.0


def _check_boosts(
    spec: IndexSpec,
    boosts: Mapping[str, Sequence[str]],
    where: str = "boosts",
    factor: float = BOOST,
):
    out = []
    for name, values in dict(boosts or {}).items():
        found = spec.get_field(name)
        values = (values,) if isinstance(values, str) else tuple(values or ())
        if found is None or found.kind != "keyword" or not all(isinstance(v, str) for v in values):
            raise InvalidQuery(f"{where} name keyword fields and their values", field=where)
        if values:
            out.append((name, tuple(dict.fromkeys(values)), factor))
    return tuple(out)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_sort(spec: IndexSpec, sort: str | Sequence[SortKey]) -> tuple[SortKey, ...] | None:
    if sort == "relevance" or sort is None:
        return None
    if isinstance(sort, str):
        if sort not in spec.sorts:
            choices = ["relevance", *spec.sorts]
            raise InvalidQuery(f"unknown sort {sort!r}; one of {choices}", field="sort")
        return spec.sorts[sort]
    keys = tuple(sort)
    for key in keys:
        if not isinstance(key, SortKey):
            raise InvalidQuery("sort keys are SortKey objects", field="sort")
        spec.sort_field(key.field, error=InvalidQuery)
    return keys or None


def _check_facets(
    spec: IndexSpec, facets: Sequence[str | RangeFacet]
) -> tuple[tuple[Field, ...], tuple[RangeFacet, ...]]:
    terms, ranges = [], []
    for facet in facets:
        if isinstance(facet, RangeFacet):
            found = spec.get_field(facet.field)
            if found is None or found.kind not in ("integer", "long"):
                raise InvalidQuery("range facets need an integer or long field", field="facets")
            for bucket in facet.buckets:
                if len(bucket) != 2 or not all(b is None or _is_int(b) for b in bucket):
                    raise InvalidQuery("range buckets are (from, to) integer pairs", field="facets")
            ranges.append(RangeFacet(facet.field, tuple(tuple(b) for b in facet.buckets)))
            continue
        found = spec.get_field(facet) if isinstance(facet, str) else None
        if found is None or found.kind not in FACET_KINDS:
            raise InvalidQuery(f"cannot facet on {facet!r}; use keyword/boolean", field="facets")
        terms.append(found)
    return tuple(dict.fromkeys(terms)), tuple(ranges)


def _check_filter(spec: IndexSpec, name: str, value: Any) -> Filter:
    where = f"filters.{name}"
    found = spec.get_field(name)
    if found is None or found.kind == "text":
        raise InvalidQuery("not a filterable field", field=where)
    if found.kind == "keyword":
        values = (value,) if isinstance(value, str) else tuple(value or ())
        if not values or not all(isinstance(v, str) for v in values):
            raise InvalidQuery("expected a string or a list of strings", field=where)
        return Filter(found, values=tuple(dict.fromkeys(values)))
    if found.kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidQuery("expected true or false", field=where)
        return Filter(found, values=(value,))
    assert found.kind in RANGE_KINDS
    if not isinstance(value, Range):
        value = Range(gte=value, lte=value)
    bounds = {op: getattr(value, op) for op in ("gte", "gt", "lte", "lt")}
    bounds = {op: b for op, b in bounds.items() if b is not None}
    if not bounds:
        raise InvalidQuery("a range needs at least one bound", field=where)
    for op, bound in bounds.items():
        if found.kind == "date":
            bounds[op] = canonical_date(bound, field=where, error=InvalidQuery)
        elif not _is_int(bound):
            raise InvalidQuery("range bounds must be whole numbers", field=where)
    return Filter(found, bounds=bounds)


def sql_bound(f: Field, bound: Any) -> int:
    """A checked bound as the integer the embedded engine compares (epoch ms for dates)."""
    return epoch_millis(bound) if f.kind == "date" else bound
