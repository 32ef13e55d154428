"""Errors raised by the search library.

Every error names the offending ``field`` (a document field, or a query parameter such as
``q``, ``page`` or ``filters.price``) so an API can turn it into a 4xx response naming it.
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error this library raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidSpec(SearchError):
    """An index spec is malformed (bad field name, unknown kind, bad sort preset)."""


class InvalidDocument(SearchError):
    """A document is missing its ``id`` or holds a value of the wrong type for a field."""


class InvalidQuery(SearchError):
    """A query names an unknown field, an unsortable sort key or an out-of-range page."""


class QueryTooLong(InvalidQuery):
    """The query text is longer than :data:`search.query.MAX_QUERY_LENGTH` characters."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"query is {length} characters long; the limit is {limit}", field="q")
        self.length = length
        self.limit = limit


class SpecMismatch(SearchError):
    """The live index was built from a different spec (or synonym list): reindex it."""


class IndexMissing(SearchError):
    """The index does not exist yet: call ``ensure_index`` (or ``reindex``) first."""


class EngineError(SearchError):
    """The engine failed or could not be reached; the message carries the engine's reason."""


class ConfigurationError(SearchError):
    """``search.connect`` was given an address or option it cannot use."""


class InvalidSynonyms(SearchError):
    """A synonym list is malformed: an empty or over-long term, a group of one, a term in two
    groups (a loop), or too many groups. ``field`` names the group (``groups[3]``); ``kind``
    says which rule (``empty``, ``too_long``, ``too_few``, ``too_many_terms``, ``loop``,
    ``too_many_groups``) and ``term`` the term at fault, if any."""

    def __init__(
        self, message: str, *, field: str | None = None, kind: str = "", term: str = ""
    ) -> None:
        super().__init__(message, field=field)
        self.kind = kind
        self.term = term
