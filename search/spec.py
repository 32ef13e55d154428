"""Index specs: what an index holds, declared once and shared by every engine.

An :class:`IndexSpec` names the index and its fields. Documents are plain dicts with a string
``id``; :meth:`IndexSpec.validate` checks every declared field's type and returns the document
in canonical form (dates as UTC ISO-8601 strings, keyword lists deduplicated), which is also
what the engines store and what ``get`` returns. Undeclared keys are kept in the stored source
for display but are not searchable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from search.errors import InvalidDocument, InvalidSpec

KINDS = ("text", "keyword", "integer", "long", "date", "boolean")
LANGUAGES = ("zh", "en", "mixed")
SORTABLE_KINDS = ("integer", "long", "date")
ORDER_KINDS = (*SORTABLE_KINDS, "boolean")  # tie-breaks and browse order
RANGE_KINDS = ("integer", "long", "date")
FACET_KINDS = ("keyword", "boolean")

#: Bumped whenever analysis (analyzers, synonyms, segmentation) changes, so that
#: ``ensure_index`` asks for a reindex instead of serving a stale index.
ANALYSIS_VERSION = 16

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
MAX_ID_LENGTH = 256
MAX_KEYWORD_LENGTH = 256


@dataclass(frozen=True)
class Field:
    """One declared field. Build it with :func:`text`, :func:`keyword`, :func:`integer` etc."""

    name: str
    kind: str
    language: str | None = None
    boost: float = 1.0
    suggest: bool = False
    #: A word found only in this field does not make a document match (it adds nothing),
    #: unless no document matches otherwise: a provider's name (深圳市城市交通数据有限公司)
    #: would make every listing of the provider match 交通. Mostly query-time; OpenSearch also
    #: keeps such a field out of its typo-matching field, so it is part of the fingerprint.
    alone: bool = True

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name == "id":
            raise InvalidSpec(
                "field names are lowercase identifiers (a-z, 0-9, _) and not 'id'", field=self.name
            )
        if self.kind not in KINDS:
            raise InvalidSpec(f"unknown kind {self.kind!r}; one of {KINDS}", field=self.name)
        if self.kind == "text":
            if self.language not in LANGUAGES:
                raise InvalidSpec(f"text language must be one of {LANGUAGES}", field=self.name)
            if not self.boost > 0:
                raise InvalidSpec("boost must be positive", field=self.name)
        elif self.suggest and self.kind != "keyword":
            raise InvalidSpec("suggest applies to text and keyword fields", field=self.name)
        elif self.language is not None or self.boost != 1.0 or not self.alone:
            raise InvalidSpec("language, boost and alone apply to text fields", field=self.name)


def text(
    name: str,
    language: str = "mixed",
    *,
    boost: float = 1.0,
    suggest: bool = False,
    alone: bool = True,
) -> Field:
    """An analysed full-text field in ``zh``, ``en`` or ``mixed`` text; ``suggest`` feeds
    as-you-type suggestions (use it on titles); ``alone=False`` for a field whose words
    alone should not make a document match (a provider's name), except when nothing else
    matches."""
    return Field(name, "text", language=language, boost=boost, suggest=suggest, alone=alone)


def keyword(name: str, *, suggest: bool = False) -> Field:
    """An exact-value field (one string or a list of strings): filterable and facetable;
    ``suggest`` offers its values starting with what was typed as suggestions (keywords)."""
    return Field(name, "keyword", suggest=suggest)


def integer(name: str) -> Field:
    """A 32-bit integer: range filters, range facets, sorting."""
    return Field(name, "integer")


def long(name: str) -> Field:
    """A 64-bit integer (e.g. a price in minor units): range filters, range facets, sorting."""
    return Field(name, "long")


def date(name: str) -> Field:
    """A timezone-aware instant (or a calendar date, taken as UTC midnight): ranges, sorting."""
    return Field(name, "date")


def boolean(name: str) -> Field:
    """A true/false flag: filterable and facetable."""
    return Field(name, "boolean")


@dataclass(frozen=True)
class SortKey:
    """Sort by ``field`` (an integer, long or date field, or ``id``), ascending by default.

    Documents without a value sort last in both directions; ties are always broken by ``id``.
    """

    field: str
    descending: bool = False


@dataclass(frozen=True)
class IndexSpec:
    """An index: its logical ``name``, its fields, and named sort presets.

    ``sorts`` maps preset names used by the API (``newest``, ``price_asc`` ...) to sort keys;
    ``relevance`` is always available and needs no entry. ``tiebreak`` orders documents of
    equal relevance (e.g. certified first, then newest); ``browse`` orders the results of an
    empty query (e.g. newest first). Both may use boolean fields; ``id`` always ends the order.
    """

    name: str
    fields: tuple[Field, ...]
    sorts: Mapping[str, tuple[SortKey, ...]] = field(default_factory=dict, hash=False)
    tiebreak: tuple[SortKey, ...] = ()
    browse: tuple[SortKey, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "sorts", {k: tuple(v) for k, v in dict(self.sorts).items()})
        object.__setattr__(self, "tiebreak", tuple(self.tiebreak))
        object.__setattr__(self, "browse", tuple(self.browse))
        if not _NAME.match(self.name):
            raise InvalidSpec("index names are lowercase identifiers (a-z, 0-9, _)", field="name")
        names = [f.name for f in self.fields]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise InvalidSpec("declared twice", field=sorted(duplicates)[0])
        if not any(f.kind == "text" for f in self.fields):
            raise InvalidSpec("an index needs at least one text field", field="fields")
        for preset, keys in self.sorts.items():
            if preset == "relevance" or not keys:
                raise InvalidSpec("sort presets are non-empty and not 'relevance'", field=preset)
            for key in keys:
                self.sort_field(key.field, error=InvalidSpec)
        for key in (*self.tiebreak, *self.browse):
            found = self.get_field(key.field)
            if key.field != "id" and (found is None or found.kind not in ORDER_KINDS):
                raise InvalidSpec(f"cannot order by {key.field!r}", field=key.field)

    # -- lookups --------------------------------------------------------------------------

    def get_field(self, name: str) -> Field | None:
        """The declared field called ``name``, or ``None``."""
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def of_kind(self, *kinds: str) -> tuple[Field, ...]:
        """The declared fields of the given kinds, in declaration order."""
        return tuple(f for f in self.fields if f.kind in kinds)

    @property
    def text_fields(self) -> tuple[Field, ...]:
        """The analysed text fields."""
        return self.of_kind("text")

    @property
    def matching_fields(self) -> tuple[Field, ...]:
        """Text fields whose words alone make a document match."""
        return tuple(f for f in self.text_fields if f.alone)

    def narrowed(self) -> IndexSpec | None:
        """This spec without the text fields whose words alone make no match (for building
        the matching part of a query), or ``None`` when every text field matches alone."""
        if len(self.matching_fields) == len(self.text_fields):
            return None
        return dataclasses.replace(
            self, fields=tuple(f for f in self.fields if f.kind != "text" or f.alone)
        )

    @property
    def suggest_fields(self) -> tuple[Field, ...]:
        """Text fields offered as suggestions (or every text field when none is marked)."""
        return tuple(f for f in self.text_fields if f.suggest) or self.text_fields

    @property
    def suggest_words(self) -> tuple[Field, ...]:
        """Keyword fields whose values are offered as suggestions (``keyword(suggest=True)``)."""
        return tuple(f for f in self.fields if f.kind == "keyword" and f.suggest)

    def sort_field(self, name: str, *, error: type[Exception]) -> Field | None:
        """Check that ``name`` can be sorted on (``None`` stands for ``id``)."""
        if name == "id":
            return None
        found = self.get_field(name)
        if found is None or found.kind not in SORTABLE_KINDS:
            raise error(f"cannot sort on {name!r}; sortable kinds are {SORTABLE_KINDS}", field=name)
        return found

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that shapes the physical index; a change needs a reindex."""
        shape = [
            ANALYSIS_VERSION,
            # A keyword field's values are offered as they are stored: no index change.
            [
                [f.name, f.kind, f.language, f.boost, f.suggest and f.kind == "text", f.alone]
                for f in self.fields
            ],
        ]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]

    # -- documents ------------------------------------------------------------------------

    def validate(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Check a document against the spec and return its canonical form.

        Raises :class:`~search.errors.InvalidDocument` naming the first bad field.
        """
        if not isinstance(doc, Mapping):
            raise InvalidDocument(f"documents are dicts, not {type(doc).__name__}", field="id")
        doc_id = doc.get("id")
        if not isinstance(doc_id, str) or not doc_id.strip():
            raise InvalidDocument("every document needs a non-empty string id", field="id")
        if len(doc_id) > MAX_ID_LENGTH:
            raise InvalidDocument(f"ids are at most {MAX_ID_LENGTH} characters", field="id")
        out = dict(doc)
        for f in self.fields:
            value = doc.get(f.name)
            if value is not None:
                out[f.name] = _canonical(f, value)
        for key, value in out.items():
            if self.get_field(key) is None and key != "id":
                _check_json(key, value)
        return out


def _canonical(f: Field, value: Any) -> Any:
    if f.kind == "text":
        if not isinstance(value, str):
            raise InvalidDocument(f"expected text, got {type(value).__name__}", field=f.name)
        return value
    if f.kind == "keyword":
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if not isinstance(item, str) or not item or len(item) > MAX_KEYWORD_LENGTH:
                raise InvalidDocument(
                    f"expected a non-empty string (≤{MAX_KEYWORD_LENGTH} chars) or a list of them",
                    field=f.name,
                )
        if isinstance(value, str):
            return value
        return list(dict.fromkeys(values))
    if f.kind in _INT_BOUNDS:
        low, high = _INT_BOUNDS[f.kind]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidDocument(f"expected an {f.kind} (whole number in range)", field=f.name)
        return value
    if f.kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidDocument(f"expected true or false, got {value!r}", field=f.name)
        return value
    return canonical_date(value, field=f.name, error=InvalidDocument)


def canonical_date(value: Any, *, field: str, error: type[Exception]) -> str:
    """A date value as a canonical UTC string, ``YYYY-MM-DDTHH:MM:SS[.fff]Z``."""
    moment = parse_date(value, field=field, error=error)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def parse_date(value: Any, *, field: str, error: type[Exception]) -> dt.datetime:
    """Parse a datetime, date or ISO-8601 string into an aware UTC datetime."""
    if isinstance(value, str):
        try:
            value = (
                dt.date.fromisoformat(value)
                if len(value) == 10
                else dt.datetime.fromisoformat(value)
            )
        except ValueError:
            raise error(f"not an ISO-8601 date: {value[:40]!r}", field=field) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise error("datetimes must be timezone-aware", field=field)
        return value.astimezone(dt.UTC).replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    raise error(f"expected a date, got {type(value).__name__}", field=field)


def epoch_millis(canonical: str) -> int:
    """Milliseconds since the epoch of a canonical date string (for ordering and ranges)."""
    moment = dt.datetime.fromisoformat(canonical)
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)


def _check_json(key: str, value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidDocument("undeclared fields must hold JSON values", field=key) from None
