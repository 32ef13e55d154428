"""SQL for the embedded engine: table layout, FTS5 match expressions, the search query.

Identifiers come from validated spec and index names (``[a-z0-9_-]``) and are double-quoted;
every value, including the FTS5 expression, is a bound parameter. Query terms are FTS5 string
literals, so no user text is ever read as FTS5 syntax.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from search.query import Plan, sql_bound
from search.spec import IndexSpec

_OPS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}
_TOKENIZER = "porter unicode61 remove_diacritics 2"


def quote(token: str) -> str:
    """An FTS5 string literal holding ``token``."""
    return '"' + token.replace('"', '""') + '"'


def column(name: str) -> str:
    """The docs-table column of a scalar field."""
    return f'd."f_{name}"'


class Tables:
    """The three tables of one physical index, and the statements that fill them."""

    def __init__(self, physical: str, spec: IndexSpec) -> None:
        self.physical = physical
        self.docs = f'"{physical}_docs"'
        self.fts = f'"{physical}_fts"'
        self.terms = f'"{physical}_terms"'
        self.vocab = f'"{physical}_vocab"'
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
        self.title_columns = " ".join(
            f"t_{f.name}" for f in (spec.suggest_fields or spec.text_fields)
        )

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
        """

    def drop(self) -> str:
        """DROP statements for the tables."""
        return "".join(
            f"DROP TABLE IF EXISTS {t};" for t in (self.docs, self.fts, self.terms, self.vocab)
        )


def group_expression(alternatives: tuple[tuple[str, ...], ...]) -> str:
    """An FTS5 expression matching any of the alternatives; an alternative matches when all
    its terms do."""
    parts = []
    for alternative in alternatives:
        terms = " AND ".join(quote(t) for t in alternative)
        parts.append(f"({terms})" if len(alternative) > 1 else terms)
    return parts[0] if len(parts) == 1 else f"({' OR '.join(parts)})"


def near_expression(tables: Tables, words: list[tuple[str, ...]]) -> str:
    """The query's words close together (within four tokens) in a title column."""
    terms = " ".join(quote(t) for word in words for t in word)
    return f"{{{tables.title_columns}}} : NEAR({terms}, 4)"


def _where(tables: Tables, plan: Plan) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for flt in plan.filters:
        f = flt.field
        if f.kind == "keyword":
            marks = ", ".join("?" * len(flt.values))
            where.append(
                f"d.rowid IN (SELECT doc FROM {tables.terms} WHERE field = ? AND value IN ({marks}))"
            )
            params += [f.name, *flt.values]
        elif f.kind == "boolean":
            where.append(f"{column(f.name)} = ?")
            params.append(int(flt.values[0]))
        else:
            for op, bound in flt.bounds.items():
                where.append(f"{column(f.name)} {_OPS[op]} ?")
                params.append(sql_bound(f, bound))
    return where, params


def _order(plan: Plan, ranked: bool) -> str:
    keys = plan.sort
    if keys is None:
        keys = plan.tiebreak if ranked else plan.browse
    parts = ["h.score DESC"] if ranked and plan.sort is None else []
    for key in keys:
        direction = "DESC" if key.descending else "ASC"
        if key.field == "id":
            parts.append(f"d.id {direction}")
        else:
            parts += [f"({column(key.field)} IS NULL)", f"{column(key.field)} {direction}"]
    return ", ".join([*parts, "d.id"])


@dataclass
class Matching:
    """How the words of a query are matched: FTS5 expressions of the word groups that count,
    how many of them a document needs, and a proximity expression that only adds score."""

    expressions: list[str]
    required: int
    near: str | None = None


def build_search(
    conn: sqlite3.Connection, tables: Tables, plan: Plan, matching: Matching | None
) -> tuple[int, list[tuple[str, str, float | None]], dict[str, list[tuple[Any, int]]]]:
    """Run a checked query: returns (total, [(id, source JSON, score)], facets).

    ``matching`` is ``None`` for an empty query (everything matches). Each word group is
    scored by BM25 (column weights = field boosts) on its own; a document's score is the sum
    over the groups it matches, scaled by the share of groups matched, and it must match
    ``matching.required`` of them. Matching rowids and scores go into a temp table once; the
    total, the page and every facet are then read from it.
    """
    where, params = _where(tables, plan)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits (rowid INTEGER PRIMARY KEY, score REAL)")
    conn.execute("DELETE FROM temp.hits")
    if matching is not None and not matching.expressions:
        return 0, [], _facets(conn, tables, plan)  # nothing searchable in the text
    conditions = "".join(f" AND {w}" for w in where)
    if matching is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS scores (rowid INTEGER, s REAL, c INTEGER)")
        conn.execute("DELETE FROM temp.scores")
        parts = [(e, 1) for e in matching.expressions]
        parts += [(matching.near, 0)] if matching.near else []
        for expression, counts in parts:
            conn.execute(
                f"INSERT INTO temp.scores SELECT rowid, -bm25({tables.fts}{tables.weights}), "
                f"{counts} FROM {tables.fts} WHERE {tables.fts} MATCH ?",
                (expression,),
            )
        count = float(len(matching.expressions))
        # Filters read the documents' rows: each scored row is looked up (CROSS JOIN), never
        # the whole table walked; without filters the rows are not read at all.
        source = (
            f"temp.scores u CROSS JOIN {tables.docs} d ON d.rowid = u.rowid"
            if where
            else "temp.scores u"
        )
        conn.execute(
            f"INSERT INTO temp.hits SELECT u.rowid, sum(u.s) * sum(u.c) / {count} "
            f"FROM {source} WHERE 1{conditions} GROUP BY u.rowid HAVING sum(u.c) >= ?",
            [*params, matching.required],
        )
        for name, values, factor in plan.boosts:
            marks = ", ".join("?" * len(values))
            conn.execute(
                f"UPDATE temp.hits SET score = score * {float(factor)} WHERE rowid IN "
                f"(SELECT doc FROM {tables.terms} WHERE field = ? AND value IN ({marks}))",
                [name, *values],
            )
    else:
        conn.execute(
            f"INSERT INTO temp.hits SELECT d.rowid, NULL FROM {tables.docs} d WHERE 1{conditions}",
            params,
        )
    total = conn.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
    ranked = matching is not None
    score = "h.score" if plan.sort is None and ranked else "NULL"
    cut, cut_params = "", []
    if plan.sort is None and ranked:
        # Ranked by score first: only hits scoring at least the page's last one (ties
        # included) need their rows read for the tie-breaks.
        cut = (
            " WHERE h.score >= coalesce((SELECT score FROM temp.hits ORDER BY score DESC "
            "LIMIT 1 OFFSET ?), -1e308)"
        )
        cut_params = [plan.offset + plan.per_page - 1]
    rows = conn.execute(
        f"SELECT d.id, d.source, {score} FROM temp.hits h CROSS JOIN {tables.docs} d "
        f"ON d.rowid = h.rowid{cut} ORDER BY {_order(plan, ranked)} LIMIT ? OFFSET ?",
        (*cut_params, plan.per_page, plan.offset),
    ).fetchall()
    return total, rows, _facets(conn, tables, plan, total)


def _join(conn: sqlite3.Connection, tables: Tables, total: int | None) -> str:
    """How to join the hits with a table keyed by document.

    SQLite's planner, knowing nothing of the temp table, walks the whole other table (every
    document's row, or every term of the facet fields) and probes the hits; for a match of
    under a quarter of the index, looking up each hit is ten times faster (``CROSS JOIN``
    fixes that order). A broad match keeps the walk.
    """
    size = conn.execute(f"SELECT max(rowid) FROM {tables.docs}").fetchone()[0] or 0
    return "CROSS JOIN" if total is not None and total * 4 < size else "JOIN"


def _facets(
    conn: sqlite3.Connection, tables: Tables, plan: Plan, total: int | None = None
) -> dict[str, list]:
    facets: dict[str, list] = {}
    keywords = [f.name for f in plan.term_facets if f.kind == "keyword"]
    join = _join(conn, tables, total)
    if keywords:
        marks = ", ".join("?" * len(keywords))
        rows = conn.execute(
            f"SELECT t.field, t.value, count(*) FROM temp.hits h {join} {tables.terms} t "
            f"ON t.doc = h.rowid WHERE t.field IN ({marks}) GROUP BY t.field, t.value "
            "ORDER BY t.field, count(*) DESC, t.value",
            keywords,
        ).fetchall()
        grouped = {name: [] for name in keywords}
        for name, values in groupby(rows, key=lambda row: row[0]):
            grouped[name] = [(value, n) for _, value, n in values][: plan.facet_size]
        facets.update(grouped)
    # Boolean and range facets: one pass over the hits' rows, one count per value or bucket.
    booleans = [f for f in plan.term_facets if f.kind == "boolean"]
    cases = []
    for f in booleans:
        for value in (1, 0):
            cases.append(f"coalesce(sum(CASE WHEN {column(f.name)} = {value} THEN 1 END), 0)")
    for rf in plan.range_facets:
        for low, high in rf.buckets:
            tests = [f"{column(rf.field)} >= {int(low)}" if low is not None else None]
            tests.append(f"{column(rf.field)} < {int(high)}" if high is not None else None)
            test = " AND ".join(t for t in tests if t) or f"{column(rf.field)} IS NOT NULL"
            cases.append(f"coalesce(sum(CASE WHEN {test} THEN 1 END), 0)")
    if not cases:
        return facets
    counts = list(
        conn.execute(
            f"SELECT {', '.join(cases)} FROM temp.hits h {join} {tables.docs} d "
            "ON d.rowid = h.rowid"
        ).fetchone()
    )
    for f in booleans:
        pairs = [(True, counts.pop(0)), (False, counts.pop(0))]
        facets[f.name] = sorted(
            ((v, n) for v, n in pairs if n), key=lambda pair: (-pair[1], pair[0])
        )
    for rf in plan.range_facets:
        found = [counts.pop(0) for _ in rf.buckets]
        facets[rf.field] = list(zip(rf.labels(), found, strict=True))
    return facets
