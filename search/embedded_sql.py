"""SQL for the embedded engine: table layout, FTS5 match expressions, the search query.

Identifiers come from validated spec and index names (``[a-z0-9_-]``) and are double-quoted;
every value, including the FTS5 expression, is a bound parameter. Query terms are FTS5 string
literals, so no user text is ever read as FTS5 syntax.
"""

from __future__ import annotations

import sqlite3
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
        """

    def drop(self) -> str:
        """DROP statements for the tables."""
        return "".join(f"DROP TABLE IF EXISTS {t};" for t in (self.docs, self.fts, self.terms))


def match_expression(groups: list[tuple[tuple[str, ...], ...]]) -> str:
    """An FTS5 expression: every group must match; a group matches any of its alternatives;
    an alternative matches when all its terms do."""
    parts = []
    for group in groups:
        alternatives = []
        for alternative in group:
            terms = " AND ".join(quote(t) for t in alternative)
            alternatives.append(f"({terms})" if len(alternative) > 1 else terms)
        parts.append(
            alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"
        )
    return " AND ".join(parts)


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
    if plan.sort is None:
        return "h.score DESC, d.id" if ranked else "d.id"
    parts = []
    for key in plan.sort:
        direction = "DESC" if key.descending else "ASC"
        if key.field == "id":
            parts.append(f"d.id {direction}")
        else:
            parts += [f"({column(key.field)} IS NULL)", f"{column(key.field)} {direction}"]
    return ", ".join([*parts, "d.id"])


def build_search(
    conn: sqlite3.Connection, tables: Tables, plan: Plan, groups: list
) -> tuple[int, list[tuple[str, str, float | None]], dict[str, list[tuple[Any, int]]]]:
    """Run a checked query: returns (total, [(id, source JSON, score)], facets).

    Matching rowids (and scores) go into a temp table once; the total, the page and every
    facet are then read from it.
    """
    where, params = _where(tables, plan)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits (rowid INTEGER PRIMARY KEY, score REAL)")
    conn.execute("DELETE FROM temp.hits")
    if plan.text and not groups:
        return 0, [], _facets(conn, tables, plan)  # nothing searchable in the text
    conditions = "".join(f" AND {w}" for w in where)
    if groups:
        conn.execute(
            f"INSERT INTO temp.hits SELECT d.rowid, -bm25({tables.fts}{tables.weights}) "
            f"FROM {tables.fts} JOIN {tables.docs} d ON d.rowid = {tables.fts}.rowid "
            f"WHERE {tables.fts} MATCH ?{conditions}",
            [match_expression(groups), *params],
        )
    else:
        conn.execute(
            f"INSERT INTO temp.hits SELECT d.rowid, NULL FROM {tables.docs} d WHERE 1{conditions}",
            params,
        )
    total = conn.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
    score = "h.score" if plan.sort is None else "NULL"
    rows = conn.execute(
        f"SELECT d.id, d.source, {score} FROM temp.hits h JOIN {tables.docs} d "
        f"ON d.rowid = h.rowid ORDER BY {_order(plan, bool(groups))} LIMIT ? OFFSET ?",
        (plan.per_page, plan.offset),
    ).fetchall()
    return total, rows, _facets(conn, tables, plan)


def _facets(conn: sqlite3.Connection, tables: Tables, plan: Plan) -> dict[str, list]:
    facets: dict[str, list] = {}
    keywords = [f.name for f in plan.term_facets if f.kind == "keyword"]
    if keywords:
        marks = ", ".join("?" * len(keywords))
        rows = conn.execute(
            f"SELECT t.field, t.value, count(*) FROM temp.hits h JOIN {tables.terms} t "
            f"ON t.doc = h.rowid WHERE t.field IN ({marks}) GROUP BY t.field, t.value "
            "ORDER BY t.field, count(*) DESC, t.value",
            keywords,
        ).fetchall()
        grouped = {name: [] for name in keywords}
        for name, values in groupby(rows, key=lambda row: row[0]):
            grouped[name] = [(value, n) for _, value, n in values][: plan.facet_size]
        facets.update(grouped)
    for f in plan.term_facets:
        if f.kind == "boolean":
            rows = conn.execute(
                f"SELECT {column(f.name)} AS v, count(*) AS n FROM temp.hits h "
                f"JOIN {tables.docs} d ON d.rowid = h.rowid WHERE v IS NOT NULL "
                "GROUP BY v ORDER BY n DESC, v",
            ).fetchall()
            facets[f.name] = [(bool(v), n) for v, n in rows]
    for rf in plan.range_facets:
        cases = []
        for low, high in rf.buckets:
            tests = [f"{column(rf.field)} >= {int(low)}" if low is not None else None]
            tests.append(f"{column(rf.field)} < {int(high)}" if high is not None else None)
            test = " AND ".join(t for t in tests if t) or f"{column(rf.field)} IS NOT NULL"
            cases.append(f"coalesce(sum(CASE WHEN {test} THEN 1 ELSE 0 END), 0)")
        counts = conn.execute(
            f"SELECT {', '.join(cases)} FROM temp.hits h JOIN {tables.docs} d ON d.rowid = h.rowid"
        ).fetchone()
        facets[rf.field] = list(zip(rf.labels(), counts, strict=True))
    return facets
