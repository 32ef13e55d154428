"""SQL for the embedded engine: table layout and FTS5 match expressions.

Identifiers come from validated spec and index names (``[a-z0-9_-]``) and are double-quoted;
every value, including the FTS5 expression, is a bound parameter. Query terms are FTS5 string
literals, so no user text is ever read as FTS5 syntax.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from search.lexicon import UNSTEMMED
from search.spec import IndexSpec

_TOKENIZER = "porter unicode61 remove_diacritics 2"


#: FTS5's Porter stemmer cuts a final s (AIS → ai): the abbreviations of
#: :data:`search.lexicon.UNSTEMMED` are indexed and searched with a digit after them, which it
#: leaves whole.
_WHOLE = re.compile(r"(?<![0-9a-z])(?:" + "|".join(UNSTEMMED) + r")(?![0-9a-z])")


def unstemmed(tokens: str) -> str:
    """Indexed or searched text (lower case) with the :data:`search.lexicon.UNSTEMMED`
    abbreviations marked so the stemmer leaves them whole."""
    return _WHOLE.sub(lambda m: m.group() + "0", tokens)


def quote(token: str) -> str:
    """An FTS5 string literal holding ``token``."""
    return '"' + unstemmed(token).replace('"', '""') + '"'


class Tables:
    """The three tables of one physical index, and the statements that fill them."""

    def __init__(self, physical: str, spec: IndexSpec) -> None:
        self.physical = physical
        self.docs = f'"{physical}_docs"'
        self.fts = f'"{physical}_fts"'
        self.terms = f'"{physical}_terms"'
        self.vocab = f'"{physical}_vocab"'
        self.grams = f'"{physical}_grams"'
        self.scalars = spec.of_kind("integer", "long", "date", "boolean")
        self.texts = spec.text_fields
        self.weights = "".join(f", {f.boost}" for f in self.texts)
        names = ", ".join(["rowid", "id", "source", *(f'"f_{f.name}"' for f in self.scalars)])
        marks = ", ".join("?" * (3 + len(self.scalars)))
        self.insert_docs = f"INSERT INTO {self.docs} ({names}) VALUES ({marks})"
        text_names = ", ".join(["rowid", *(f"t_{f.name}" for f in self.texts)])
        marks = ", ".join("?" * (1 + len(self.texts)))
        self.insert_fts = f"INSERT INTO {self.fts} ({text_names}) VALUES ({marks})"
        self.insert_terms = (
            f"INSERT OR IGNORE INTO {self.terms} (field, value, doc) VALUES (?, ?, ?)"
        )
        self.insert_vocab = (
            f"INSERT INTO {self.vocab} (term, n) VALUES (?, 1) "
            "ON CONFLICT (term) DO UPDATE SET n = n + 1"
        )
        # The columns whose words alone make a document match (all but a provider's name).
        alone = [f for f in self.texts if f.alone]
        self.matching_columns = (
            None if len(alone) == len(self.texts) else " ".join(f"t_{f.name}" for f in alone)
        )
        self.title_columns = " ".join(
            f"t_{f.name}" for f in (spec.suggest_fields or spec.text_fields)
        )
        # The Chinese character pairs of the same columns, for loose matches.
        grammed = alone or list(self.texts)
        self.gram_fields = tuple(grammed)
        self.gram_columns = " ".join(f"g_{f.name}" for f in grammed)
        self.gram_weights = "".join(f", {f.boost}" for f in grammed)
        names = ", ".join(["rowid", *(f"g_{f.name}" for f in grammed)])
        marks = ", ".join("?" * (1 + len(grammed)))
        self.insert_grams = f"INSERT INTO {self.grams} ({names}) VALUES ({marks})"

    def loose(self) -> Tables:
        """These tables with the bigram table in place of the word table, for searching it
        with the same code."""
        view = copy.copy(self)
        view.fts, view.weights = self.grams, self.gram_weights
        return view

    def ddl(self) -> str:
        """CREATE statements for the tables and their indexes."""
        scalars = "".join(f', "f_{f.name}" INTEGER' for f in self.scalars)
        texts = ", ".join(f"t_{f.name}" for f in self.texts)
        index = f'"{self.physical}_terms_doc"'
        return f"""
        CREATE TABLE {self.docs} (
            rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL{scalars});
        CREATE VIRTUAL TABLE {self.fts} USING fts5({texts}, tokenize = '{_TOKENIZER}');
        CREATE TABLE {self.terms} (
            field TEXT NOT NULL, value TEXT NOT NULL, doc INTEGER NOT NULL,
            PRIMARY KEY (field, value, doc)) WITHOUT ROWID;
        CREATE INDEX {index} ON {self.terms} (doc, field, value);
        CREATE TABLE {self.vocab} (term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
        CREATE VIRTUAL TABLE {self.grams} USING fts5(
            {self.gram_columns.replace(" ", ", ")}, tokenize = 'unicode61', detail = column);
        """

    def drop(self) -> str:
        """DROP statements for the tables."""
        return "".join(
            f"DROP TABLE IF EXISTS {t};"
            for t in (self.docs, self.fts, self.terms, self.vocab, self.grams)
        )


def group_expression(alternatives: tuple[tuple[str, ...], ...]) -> str:
    """An FTS5 expression matching any of the alternatives; an alternative matches when all
    its terms do."""
    parts = []
    for alternative in alternatives:
        terms = " AND ".join(quote(t) for t in alternative)
        parts.append(f"({terms})" if len(alternative) > 1 else terms)
    return parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})"


def alternative_expressions(alternatives: tuple[tuple[str, ...], ...]) -> list[str]:
    """One FTS5 expression per alternative of a word group."""
    return [group_expression((alternative,)) for alternative in alternatives]


def near_expression(tables: Tables, words: list[tuple[str, ...]]) -> str:
    """The query's words close together (within four tokens) in a title column."""
    terms = " ".join(quote(t) for word in words for t in word)
    return f"{{{tables.title_columns}}} : NEAR({terms}, 4)"


@dataclass
class Matching:
    """How the words of a query are matched: FTS5 expressions of the word groups that count,
    how many of them a document needs, and a proximity expression that only adds score."""

    expressions: list[str]
    required: int
    near: str | None = None
    #: per expression: in more than half of a large index (matched, not scored)
    common: list[bool] = field(default_factory=list)
    #: per expression: the FTS5 expression of each alternative (the word first, then its
    #: synonyms and parts), scored apart so a group scores its best alternative
    alternatives: list[list[str]] = field(default_factory=list)
    #: per expression: how specific the word is (its inverse document frequency), so a
    #: document matching the rarer words of the query ranks above one matching the common
    #: ones (stock prices: the stock listings before every listing of prices)
    weights: list[float] = field(default_factory=list)
    #: documents matching this many groups rank before those matching fewer (0: no tiers):
    #: when few match most words, those matching some follow them
    tier: int = 0
    #: per expression: a factor per alternative, so that none weighs more than the word
    #: itself (:func:`search.analysis.as_one_word`); empty: all 1
    scales: list[tuple[float, ...]] = field(default_factory=list)
    #: the words no document holds (in ``columns``), left out of the expressions
    unheld: list[str] = field(default_factory=list)
    #: per expression: the factor its score is added at (words of purpose count less,
    #: :data:`search.analysis.PURPOSE_WEIGHT`); empty: all 1
    factors: list[float] = field(default_factory=list)


def gram_expression(tables: Tables, bigram: str) -> str:
    """An FTS5 expression for one Chinese character pair in the bigram table's columns."""
    return f"{{{tables.gram_columns}}} : {quote(bigram)}"


def within(columns: str | None, expression: str) -> str:
    """``expression`` matched in ``columns`` only (FTS5 column filter); as is for ``None``."""
    return expression if columns is None else f"{{{columns}}} : ({expression})"
