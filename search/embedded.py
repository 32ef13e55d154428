"""The embedded engine: SQLite FTS5 over jieba-segmented text, in its own SQLite file.

Each physical index is three tables: ``<p>_docs`` (rowid, id, JSON source and one INTEGER
column per integer/long/date/boolean field), ``<p>_fts`` (FTS5, one column per text field
holding jieba tokens, ``porter unicode61`` tokenizer so English is stemmed) and ``<p>_terms``
(keyword values, one row per value, for filters and GROUP BY facets). The table
``search_alias`` names the live physical index of each index; ``reindex`` switches it in one
transaction. WAL mode lets searches read a consistent snapshot while a writer works.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import queue
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from rapidfuzz import process as rf_process
from rapidfuzz.distance import OSA

from search import analysis, suggestions
from search import embedded_memory as memory
from search.embedded_sql import (
    Matching,
    Tables,
    alternative_expressions,
    gram_expression,
    group_expression,
    near_expression,
    quote,
    unstemmed,
    within,
)
from search.engine import (
    MAX_SIMILAR,
    MAX_SUGGESTIONS,
    SearchEngine,
    answered,
    bounded,
    pick_suggestions,
)
from search.errors import EngineError, IndexMissing, SpecMismatch
from search.query import (
    COMPLETIONS,
    BulkResult,
    Hit,
    Query,
    Results,
    Suggestion,
    check,
    clean_text,
    fills,
)
from search.spec import IndexSpec, epoch_millis

BATCH = 1000
#: Words whose longer words are kept per index generation (see ``_containers``).
HOLDING = 10_000
#: Most longer words a query word is kept apart from; with more, it matches inside them all
#: as itself (the FTS5 expression stays small).
CONTAINERS = 32
_LATIN = re.compile(r"\b[a-z]{4,30}\b")  # words offered as typo corrections
_CJK_WORD = re.compile(r"(?<!\S)[\u3400-\u9fff]{2,6}(?!\S)")  # and Chinese words, by sound
_META = """
CREATE TABLE IF NOT EXISTS search_alias (
    alias TEXT PRIMARY KEY, physical TEXT NOT NULL, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_physical (
    physical TEXT PRIMARY KEY, alias TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_generation (
    physical TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""


class EmbeddedEngine(SearchEngine):
    """SQLite FTS5 search in the file at ``path``; ``prefix`` namespaces its index names."""

    def __init__(self, path: str | Path, *, prefix: str = "", pool_size: int = 4) -> None:
        self.path = str(path)
        self.prefix = prefix
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue(maxsize=pool_size)
        self._write_lock = threading.Lock()
        self._meta_ready = False
        self._vocabularies: dict[str, tuple[Any, dict[str, int]]] = {}
        self._sounds: dict[str, dict[tuple[int, str], dict[str, int]]] = {}
        #: per physical index: its generation and the longer words holding a word by
        #: accident (``_containers``)
        self._holding: dict[str, tuple[int, dict[str, tuple[str, ...]]]] = {}
        self._snapshots: dict[str, memory.Snapshot] = {}
        self._suggest_words: dict[str, tuple[int, suggestions.Words]] = {}

    # -- connections -------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA temp_store=MEMORY")
        except sqlite3.Error as exc:
            raise EngineError(f"cannot open {self.path}: {exc}") from exc
        if not self._meta_ready:
            _script(conn, _META)
            self._meta_ready = True
        return conn

    @contextlib.contextmanager
    def _connection(self, begin: str) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._open()
        healthy = False
        try:
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                healthy = True
                raise
            conn.execute("COMMIT")
            healthy = True
        except sqlite3.Error as exc:
            raise EngineError(f"sqlite: {exc}") from exc
        finally:
            if healthy:
                try:
                    self._pool.put_nowait(conn)
                except queue.Full:
                    conn.close()
            else:
                conn.close()

    def _read(self):
        return self._connection("BEGIN")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock, self._connection("BEGIN IMMEDIATE") as conn:
            yield conn

    def close(self) -> None:
        """Close pooled connections."""
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    # -- index lifecycle ---------------------------------------------------------------

    def _alias(self, spec: IndexSpec) -> str:
        return f"{self.prefix}{spec.name}"

    def _live(self, conn: sqlite3.Connection, spec: IndexSpec) -> Tables:
        row = conn.execute(
            "SELECT physical FROM search_alias WHERE alias = ?", (self._alias(spec),)
        ).fetchone()
        if row is None:
            raise IndexMissing(f"no index {self._alias(spec)!r}; call ensure_index first")
        return Tables(row[0], spec)

    def _create_physical(self, conn: sqlite3.Connection, spec: IndexSpec) -> Tables:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
        tables = Tables(f"{self._alias(spec)}_{stamp}", spec)
        _script(conn, tables.ddl())
        conn.execute(
            "INSERT INTO search_physical VALUES (?, ?, ?)",
            (tables.physical, self._alias(spec), stamp),
        )
        return tables

    def ensure_index(self, spec: IndexSpec) -> bool:
        """Create the index unless it exists; refuse a live index built from another spec."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT fingerprint FROM search_alias WHERE alias = ?", (self._alias(spec),)
            ).fetchone()
            if row is not None:
                if row[0] != spec.fingerprint:
                    raise SpecMismatch(
                        f"index {self._alias(spec)!r} was built from another spec; reindex it"
                    )
                return False
            tables = self._create_physical(conn, spec)
            conn.execute(
                "INSERT INTO search_alias VALUES (?, ?, ?)",
                (self._alias(spec), tables.physical, spec.fingerprint),
            )
            return True

    def drop_index(self, spec: IndexSpec) -> None:
        """Drop the alias and every physical index of ``spec``."""
        with self._write() as conn:
            for (physical,) in conn.execute(
                "SELECT physical FROM search_physical WHERE alias = ?", (self._alias(spec),)
            ).fetchall():
                _script(conn, Tables(physical, spec).drop())
                _forget(conn, physical)
                self._snapshots.pop(physical, None)
            conn.execute("DELETE FROM search_physical WHERE alias = ?", (self._alias(spec),))
            conn.execute("DELETE FROM search_alias WHERE alias = ?", (self._alias(spec),))

    def reindex(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, batch_size: int = BATCH
    ) -> BulkResult:
        """Load ``docs`` into a new physical index, then switch the alias and drop the old."""
        with self._write() as conn:
            tables = self._create_physical(conn, spec)
        created = 0
        try:
            for batch in _batches(docs, batch_size):
                rows = [_Row.build(spec, doc) for doc in batch]
                with self._write() as conn:
                    created += _upsert(conn, tables, rows).created
            with self._write() as conn:
                old = conn.execute(
                    "SELECT physical FROM search_physical WHERE alias = ? AND physical != ?",
                    (self._alias(spec), tables.physical),
                ).fetchall()
                conn.execute(
                    "INSERT OR REPLACE INTO search_alias VALUES (?, ?, ?)",
                    (self._alias(spec), tables.physical, spec.fingerprint),
                )
        except BaseException:
            with self._write() as conn:
                _script(conn, tables.drop())
                _forget(conn, tables.physical)
                conn.execute("DELETE FROM search_physical WHERE physical = ?", (tables.physical,))
            raise
        with self._write() as conn:
            for (physical,) in old:
                _script(conn, Tables(physical, spec).drop())
                _forget(conn, physical)
                self._snapshots.pop(physical, None)
                conn.execute("DELETE FROM search_physical WHERE physical = ?", (physical,))
        return BulkResult(created=created)

    # -- documents ---------------------------------------------------------------------

    def index(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> BulkResult:
        """Validate every document, then upsert them all in one transaction."""
        rows = [_Row.build(spec, doc) for doc in docs]
        with self._write() as conn:
            return _upsert(conn, self._live(conn, spec), rows)

    def delete(self, spec: IndexSpec, ids: Iterable[str], *, refresh: bool = False) -> int:
        """Delete documents by id; return how many existed."""
        ids = list(dict.fromkeys(ids))
        with self._write() as conn:
            tables = self._live(conn, spec)
            found = _existing(conn, tables, ids)
            _remove(conn, tables, list(found.values()))
            return len(found)

    def get(self, spec: IndexSpec, doc_id: str) -> dict[str, Any] | None:
        """The stored source of ``doc_id``, or ``None``."""
        with self._read() as conn:
            tables = self._live(conn, spec)
            row = conn.execute(f"SELECT source FROM {tables.docs} WHERE id = ?", (doc_id,))
            found = row.fetchone()
        return json.loads(found[0]) if found else None

    def count(self, spec: IndexSpec) -> int:
        """Number of documents."""
        with self._read() as conn:
            return conn.execute(f"SELECT count(*) FROM {self._live(conn, spec).docs}").fetchone()[0]

    def iter_documents(self, spec: IndexSpec) -> Iterator[dict[str, Any]]:
        """Every stored source ordered by id, read in pages."""
        after = ""
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    f"SELECT id, source FROM {self._live(conn, spec).docs} "
                    "WHERE id > ? ORDER BY id LIMIT ?",
                    (after, BATCH),
                ).fetchall()
            yield from (json.loads(source) for _, source in rows)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    # -- queries -----------------------------------------------------------------------

    def search(self, spec: IndexSpec, query: Query) -> Results:
        """Full-text match, filters, facets, sort and a page, in one read transaction.

        Most (not all) query words must match (:func:`search.analysis.required`); words no
        document holds do not count, an English word no document holds is corrected to the
        nearest word of the index (reported as ``did_you_mean``), and when nothing matches the
        query is retried needing any one word (``relaxed``).
        """
        started = time.perf_counter()
        plan = check(spec, query)
        return answered(
            lambda text, correct: self._answer(spec, query, replace(plan, text=text), correct),
            plan.text,
            started,
        )

    def _answer(self, spec: IndexSpec, query: Query, plan, correct: bool) -> Results:
        """The search of ``plan``, its typos corrected unless not ``correct``."""
        started = time.perf_counter()
        groups = None
        if plan.text:
            groups = analysis.words_of(plan.text, query.synonyms)
        with self._read() as conn:
            tables = self._live(conn, spec)
            snapshot, scored = self._snapshot(conn, tables), {}
            columns = tables.matching_columns
            found = self._search(conn, tables, snapshot, scored, plan, groups, columns, correct)
            if found[0] == 0 and groups and columns is not None:
                # Nothing matched but for a provider's name, say: look there too.
                found = self._search(conn, tables, snapshot, {}, plan, groups, None, correct)
            loose = None
            if found[0] == 0 and groups and not found[-1]:
                # No document holds any word: those sharing Chinese character pairs. (A
                # word held only outside the filters is an honest zero within them.)
                loose = self._loose(conn, tables, snapshot, plan)
            total, rows, facets, groups, relaxed, suggestion, strict, unheld, _ = found
            if loose is not None:
                total, rows, facets, groups = loose
                relaxed, strict = True, None
        pattern = None
        if plan.highlight and groups:
            terms = {t for g in groups for alt in g.alternatives for t in alt}
            pattern = analysis.highlight_pattern(terms)
        hits = []
        for doc_id, source, score in rows:
            source = json.loads(source)
            marks = {}
            for f in spec.text_fields if pattern else ():
                snippet = analysis.highlight(source.get(f.name) or "", pattern)
                if snippet:
                    marks[f.name] = snippet
            hits.append(Hit(doc_id, score, source, marks))
        took = (time.perf_counter() - started) * 1000
        return Results(
            total,
            hits,
            facets,
            took,
            plan.page,
            plan.per_page,
            engine_ms=took,
            # A retry that found nothing either did not find "some of the words".
            relaxed=relaxed and total > 0,
            did_you_mean=suggestion,
            strict_total=strict,
            loose=loose is not None and total > 0,
            held=found[-1],
            unheld=unheld,
        )

    def _loose(self, conn, tables: Tables, snapshot: memory.Snapshot, plan):
        """The last resort when no document holds any of the query's words: documents
        holding enough of its informative Chinese character pairs (in the index, not in
        most of it), scored like words (BM25 with the fields' weights, rarer pairs weighing
        more): ``(total, rows, facets, pairs)``, or ``None`` with no informative pair."""
        view = tables.loose()
        counted = []
        for bigram in analysis.query_bigrams(plan.text):
            expression = gram_expression(view, bigram)
            n = snapshot.matches(expression, lambda e=expression: _frequency(conn, view, e))
            if n and not analysis.loose_common(snapshot.count, n):
                counted.append((bigram, expression, n))
        if not counted:
            return None
        matching = Matching(
            [e for _, e, _ in counted],
            analysis.loose_required(len(counted)),
            None,
            [False] * len(counted),
            [[e] for _, e, _ in counted],
            [analysis.specificity(snapshot.count, n) for _, _, n in counted],
        )
        total, rows, facets = memory.search(conn, view, plan, matching, snapshot, {})
        pairs = [analysis.Group(b, ((b,),)) for b, _, _ in counted]
        return total, rows, facets, pairs

    def _search(self, conn, tables: Tables, snapshot, scored, plan, groups, columns, correct):
        """Match the query's word groups in ``columns`` (every column: ``None``), typos
        corrected if ``correct``, retrying needing one word, then, when no document holds any
        of them (filters aside), with the words inside them: ``(total, rows, facets, groups
        matched, relaxed, did you mean, strict total, the words no document holds, whether a
        document holds a word of the query, not of its loosening)``."""
        relaxed, suggestion = False, None
        matching, asked = None, groups
        if groups is not None:
            groups, matching, suggestion = self._matching(
                conn, tables, snapshot, plan.text, groups, columns, correct
            )
        total, rows, facets = memory.search(conn, tables, plan, matching, snapshot, scored)
        strict = None
        if total == 0 and matching is not None and matching.required > 1:
            relaxed = True
            matching.required = 1
            total, rows, facets = memory.search(conn, tables, plan, matching, snapshot, scored)
        elif fills(plan, total) and matching is not None and matching.required > 1:
            strict, matching.tier, matching.required = total, matching.required, 1
            total, rows, facets = memory.search(conn, tables, plan, matching, snapshot, scored)
            strict = None if total == strict else strict
        # The words inside the words, only when no document holds any of them: when one
        # does, but not within the filters, nothing within them is the answer.
        held = bool(groups)
        unheld = tuple(matching.unheld) if held and total else ()
        loose = analysis.loosen(asked) if total == 0 and asked and not held else None
        if loose:
            relaxed = True
            groups, matching, _ = self._matching(
                conn, tables, snapshot, plan.text, loose, columns, correct
            )
            matching.required = 1
            total, rows, facets = memory.search(conn, tables, plan, matching, snapshot, scored)
        return total, rows, facets, groups, relaxed, suggestion, strict, unheld, held

    def _snapshot(self, conn: sqlite3.Connection, tables: Tables) -> memory.Snapshot:
        """The in-memory bitmaps of the live index as of this read transaction."""
        row = conn.execute(
            "SELECT n FROM search_generation WHERE physical = ?", (tables.physical,)
        ).fetchone()
        generation = row[0] if row else 0
        snapshot = self._snapshots.get(tables.physical)
        if snapshot is None or snapshot.generation != generation:
            size, count = conn.execute(
                f"SELECT coalesce(max(rowid), 0), count(*) FROM {tables.docs}"
            ).fetchone()
            snapshot = self._snapshots[tables.physical] = memory.Snapshot(generation, size, count)
        return snapshot

    def _matching(
        self,
        conn,
        tables: Tables,
        snapshot: memory.Snapshot,
        text: str,
        groups: list[analysis.Group],
        columns: str | None = None,
        correct: bool = True,
    ):
        """The groups that count (known to the index's ``columns``, not in most documents),
        typos corrected if ``correct``, and how many of them must match."""
        size = snapshot.size
        counted, corrections, unheld = [], {}, []
        frequency = {}

        def matches(expression: str) -> int:
            return snapshot.matches(expression, lambda: _frequency(conn, tables, expression))

        def found_in(group: analysis.Group) -> int:
            if group.text not in frequency:
                frequency[group.text] = matches(
                    within(columns, group_expression(group.alternatives))
                )
            return frequency[group.text]

        i = 0
        while i < len(groups):
            group, used = groups[i], 1
            word = group.alternatives[0]
            after = groups[i + 1] if i + 1 < len(groups) else None
            # jieba splits an unknown word (博物官 → 博物 / 官): try it whole first.
            if (
                correct
                and after is not None
                and _cjk_word(group.text)
                and _cjk_word(after.text)
                and len(after.text) == 1
                and not found_in(after)
            ):
                fixed = self._sounds_like(conn, tables, group.text + after.text)
                if fixed:
                    corrections[group.text + after.text] = fixed
                    group, used = analysis.Group(fixed, ((fixed,),), group.purpose), 2
            if used == 1 and i == len(groups) - 1 and not found_in(group):
                # The last word may be half typed (weath, weather fore): read as a prefix,
                # as the suggestions do, before any typo correction.
                completed = self._completions(conn, tables, word)
                if completed:
                    group = replace(group, alternatives=tuple((w,) for w in completed))
                    del frequency[group.text]
            if correct and used == 1 and not found_in(group):
                fixed = None
                if len(word) == 1 and word[0].isascii() and word[0].isalpha():
                    fixed = self._correct(conn, tables, word[0])
                elif _cjk_word(group.text) and len(group.text) > 1:
                    fixed = self._sounds_like(conn, tables, group.text)
                if fixed:
                    corrections[group.text] = fixed
                    group = replace(
                        group, text=fixed, alternatives=((fixed,), *group.alternatives[1:])
                    )
            i += used
            expression = within(columns, group_expression(group.alternatives))
            count = frequency.get(group.text)
            if count is None:
                count = frequency[group.text] = matches(expression)
            if count:
                counted.append((group, expression, count))
            else:
                unheld.append(group.text)
        # Words in more than half of a large index say little; they neither count nor cost.
        rare = [c for c in counted if size < 1000 or c[2] <= size // 2] or counted
        matched = [g for g, _, _ in counted]
        required = analysis.required(len(rare))
        near = None
        if len(matched) > 1:
            near = near_expression(tables, [g.alternatives[0] for g in matched])
        common = [size >= 1000 and n > size // 2 for _, _, n in rare]
        alternatives = [
            [within(columns, a) for a in alternative_expressions(g.alternatives)]
            for g, _, _ in rare
        ]
        weights = [analysis.group_weight(g, snapshot.count, n) for g, _, n in rare]

        # No alternative of a group weighs more than the word itself (企业 ≡ 公司).
        def apart(alternative: tuple[str, ...]) -> list[float]:
            return [_idf(snapshot.count, matches(within(columns, quote(t)))) for t in alternative]

        scales = [
            analysis.as_one_word([apart(a) for a in g.alternatives])
            if len(g.alternatives) > 1 and not broad
            else ()
            for (g, _, _), broad in zip(rare, common, strict=True)
        ]
        # A word inside a longer word it is no part of (行车 in 自行车: 自行 + 车) matches
        # there as a synonym does, after the listings holding it as a word.
        for n, (group, _, _) in enumerate(rare):
            word = group.alternatives[0]
            inside = (
                ()
                if common[n] or len(word) != 1
                else self._containers(conn, tables, snapshot, word[0])
            )
            if inside:
                alone = f"({quote(word[0])} NOT ({' OR '.join(quote(c) for c in inside)}))"
                alternatives[n] = [within(columns, alone), *alternatives[n]]
                if scales[n]:
                    scales[n] = (scales[n][0], *scales[n])
        matching = Matching(
            [e for _, e, _ in rare],
            required,
            near,
            common,
            alternatives,
            weights,
            scales=scales,
            unheld=unheld,
            factors=[analysis.PURPOSE_WEIGHT if g.purpose else 1.0 for g, _, _ in rare],
        )
        return matched, matching, _suggestion(text, corrections)

    def _containers(self, conn, tables: Tables, snapshot, word: str) -> tuple[str, ...]:
        """The index's longer Chinese words that hold ``word`` without it being one of their
        parts (:func:`search.analysis.accidental`): 自行车 for 行车, not 气象观测 for 气象;
        none when more than :data:`CONTAINERS` do. Kept per generation of the index (at most
        :data:`HOLDING` words)."""
        if not _cjk_word(word) or len(word) < 2:
            return ()
        generation, found = self._holding.get(tables.physical, (None, {}))
        if generation != snapshot.generation or len(found) > HOLDING:
            found = {}
            self._holding[tables.physical] = (snapshot.generation, found)
        if word not in found:
            self._vocabulary(conn, tables)
            words = {w for known in self._sounds.get(tables.physical, {}).values() for w in known}
            inside = sorted(
                w for w in words if word in w and w != word and analysis.accidental(w, word)
            )
            found[word] = tuple(inside) if len(inside) <= CONTAINERS else ()
        return found[word]

    def _sounds_like(self, conn, tables: Tables, word: str) -> str | None:
        """A word of the index written differently but pronounced the same (气像 → 气象,
        博物官 → 博物馆), the likeliest if several (:func:`search.analysis.closest_sounding`);
        ``None`` if none, or if ``word`` is a common word (:func:`search.analysis.respellable`)."""
        if not 2 <= len(word) <= 6 or not analysis.respellable(word):
            return None
        self._vocabulary(conn, tables)
        sounds = self._sounds.get(tables.physical, {})
        return analysis.closest_sounding(word, sounds.get((len(word), analysis.sound(word)), {}))

    def _completions(self, conn, tables: Tables, word: tuple[str, ...]) -> list[str]:
        """The index's words starting with a half-typed ``word``, English of three letters or
        more or one Chinese character (港 → 港口: the index holds no word of one character,
        where OpenSearch matches the character inside any word), most frequent first (at most
        :data:`COMPLETIONS`); ``[]`` for anything else."""
        if len(word) != 1:
            return []
        typed = word[0]
        if typed.isascii() and typed.isalpha() and len(typed) >= 3:
            vocabulary = self._vocabulary(conn, tables)
        elif len(typed) == 1 and _cjk_word(typed):
            self._vocabulary(conn, tables)
            vocabulary = {
                w: n
                for known in self._sounds.get(tables.physical, {}).values()
                for w, n in known.items()
                if w.startswith(typed)
            }
        else:
            return []
        found = [w for w in vocabulary if w.startswith(typed) and w != typed]
        return sorted(found, key=lambda w: (-vocabulary[w], w))[:COMPLETIONS]

    def _correct(self, conn, tables: Tables, word: str) -> str | None:
        """The nearest word of the index's vocabulary starting with the same letter (one edit
        for words under eight letters, two beyond), the most frequent on a tie; ``None`` for
        short words. As OpenSearch's suggester and fuzzy matching (``prefix_length`` 1):
        typists rarely get the first letter wrong, and a word that differs there is mostly
        another word (admissions is not emissions)."""
        if len(word) < 4:
            return None
        vocabulary = self._vocabulary(conn, tables)
        limit = 1 if len(word) < 8 else 2
        candidates = [w for w in vocabulary if w[0] == word[0]]
        found = rf_process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=20
        )
        if not found:
            return None
        best = min(found, key=lambda m: (m[1], -vocabulary[m[0]], m[0]))
        return best[0]

    def _vocabulary(self, conn, tables: Tables) -> dict[str, int]:
        """English words of the index (for edit distance); Chinese words by sound."""
        size = conn.execute(f"SELECT count(*), sum(n) FROM {tables.vocab}").fetchone()
        cached = self._vocabularies.get(tables.physical)
        if cached is None or cached[0] != size:
            rows = conn.execute(f"SELECT term, n FROM {tables.vocab}").fetchall()
            latin = {term: n for term, n in rows if term.isascii()}
            sounds: dict[tuple[int, str], dict[str, int]] = {}
            for term, n in rows:
                if not term.isascii():
                    sounds.setdefault((len(term), analysis.sound(term)), {})[term] = n
            self._sounds[tables.physical] = sounds
            cached = self._vocabularies[tables.physical] = (size, latin)
        return cached[1]

    def suggest(
        self, spec: IndexSpec, prefix: str, limit: int = 8, *, synonyms: Any = None
    ) -> list[Suggestion]:
        """Keywords and synonym terms starting with ``prefix``, then titles with words
        starting so (last term matched as a prefix); see :mod:`search.suggestions`."""
        limit = bounded(limit, MAX_SUGGESTIONS)
        prefix = clean_text(prefix)[:100]
        terms = analysis.query_terms(prefix)
        if not terms:
            return []
        fields = spec.suggest_fields
        columns = " ".join(f"t_{f.name}" for f in fields)
        words = [quote(t) for t in terms[:-1]] + [quote(terms[-1]) + "*"]
        expression = f"{{{columns}}} : ({' AND '.join(words)})"
        start = suggestions.word_prefix(prefix)
        with self._read() as conn:
            tables = self._live(conn, spec)
            rows = conn.execute(
                f"SELECT d.id, d.source FROM {tables.fts} JOIN {tables.docs} d "
                f"ON d.rowid = {tables.fts}.rowid WHERE {tables.fts} MATCH ? "
                f"ORDER BY bm25({tables.fts}{tables.weights}), d.id LIMIT ?",
                (expression, limit * 3),
            ).fetchall()
            # Found by rowid, named by id: (text, rowid, field, kind).
            found = [
                (value, doc, field, "keyword", n)
                for field, value, n, doc in self._words(conn, tables, spec).starting(start, limit)
            ]
            for term, alternatives in suggestions.synonym_candidates(synonyms, start):
                doc = self._leading(conn, tables, alternatives)
                if doc is not None:
                    n = self._reach(conn, tables, alternatives)
                    found.append((term, doc, suggestions.SYNONYM, "synonym", n))
            marks = ", ".join("?" * len(found))
            ids = conn.execute(
                f"SELECT rowid, id FROM {tables.docs} WHERE rowid IN ({marks})",
                [doc for _, doc, *_ in found],
            ).fetchall()
        named = dict(ids)
        words = suggestions.by_reach(
            (Suggestion(t, named[doc], f, k), n) for t, doc, f, k, n in found if doc in named
        )
        titles = pick_suggestions(fields, prefix, [(i, json.loads(s)) for i, s in rows], limit)
        return suggestions.offered(titles, words, limit)

    def _words(
        self, conn: sqlite3.Connection, tables: Tables, spec: IndexSpec
    ) -> suggestions.Words:
        """The ``suggest`` keyword fields' values of the live index, kept per generation."""
        row = conn.execute(
            "SELECT n FROM search_generation WHERE physical = ?", (tables.physical,)
        ).fetchone()
        generation = row[0] if row else 0
        kept = self._suggest_words.get(tables.physical)
        if kept is None or kept[0] != generation:
            names = [f.name for f in spec.suggest_words]
            rows = conn.execute(
                f"SELECT field, value, count(*), min(doc) FROM {tables.terms} "
                f"WHERE field IN ({', '.join('?' * len(names))}) GROUP BY field, value",
                names,
            ).fetchall()
            kept = self._suggest_words[tables.physical] = (generation, suggestions.Words(rows))
        return kept[1]

    def _leading(self, conn: sqlite3.Connection, tables: Tables, alternatives) -> int | None:
        """The rowid of a document a search of a word of these ``alternatives`` matches."""
        for expression in alternative_expressions(alternatives):
            row = conn.execute(
                f"SELECT rowid FROM {tables.fts} WHERE {tables.fts} MATCH ? LIMIT 1",
                (within(tables.matching_columns, expression),),
            ).fetchone()
            if row is not None:
                return row[0]
        return None

    def _reach(self, conn: sqlite3.Connection, tables: Tables, alternatives) -> int:
        """How many documents a search of a word of these ``alternatives`` matches, counted
        up to :data:`~search.suggestions.MOST_COUNTED`."""
        expression = within(tables.matching_columns, group_expression(alternatives))
        return conn.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {tables.fts} WHERE {tables.fts} MATCH ? "
            "LIMIT ?)",
            (expression, suggestions.MOST_COUNTED),
        ).fetchone()[0]

    def similar(self, spec: IndexSpec, doc_id: str, limit: int = 10) -> list[Hit]:
        """OR-query of the document's most weighted tokens, ranked by BM25, minus itself."""
        limit = bounded(limit, MAX_SIMILAR)
        source = self.get(spec, doc_id)
        if source is None:
            return []
        weights: Counter[str] = Counter()
        for f in spec.text_fields:
            for token in analysis.index_tokens(source.get(f.name) or "").split():
                if len(token) > 1 and token not in analysis.STOPWORDS and not token.isdigit():
                    weights[token] += f.boost
        if not weights:
            return []
        expression = " OR ".join(quote(t) for t, _ in weights.most_common(25))
        with self._read() as conn:
            tables = self._live(conn, spec)
            rows = conn.execute(
                f"SELECT d.id, d.source, -bm25({tables.fts}{tables.weights}) AS score "
                f"FROM {tables.fts} JOIN {tables.docs} d ON d.rowid = {tables.fts}.rowid "
                f"WHERE {tables.fts} MATCH ? AND d.id != ? ORDER BY score DESC, d.id LIMIT ?",
                (expression, doc_id, limit),
            ).fetchall()
        return [Hit(i, score, json.loads(src)) for i, src, score in rows]


def _forget(conn: sqlite3.Connection, physical: str) -> None:
    conn.execute("DELETE FROM search_generation WHERE physical = ?", (physical,))


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # Not executescript: it commits first, and DDL here belongs to the caller's transaction.
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


class _Row:
    """A validated document turned into the rows the three tables take."""

    __slots__ = ("id", "source", "columns", "texts", "terms", "words", "grams")

    @classmethod
    def build(cls, spec: IndexSpec, doc: Mapping[str, Any]) -> _Row:
        canonical = spec.validate(doc)
        row = cls()
        row.id = canonical["id"]
        row.source = json.dumps(canonical, ensure_ascii=False, allow_nan=False)
        row.columns, row.texts, row.terms, row.grams = [], [], [], []
        words: set[str] = set()
        for f in spec.fields:
            value = canonical.get(f.name)
            if f.kind == "text":
                row.texts.append(analysis.index_tokens(value or ""))
                if f.alone or not any(t.alone for t in spec.text_fields):
                    row.grams.append(analysis.index_bigrams(value or ""))
                words.update(_LATIN.findall(row.texts[-1]))
                words.update(_CJK_WORD.findall(row.texts[-1]))
            elif f.kind == "keyword":
                values = [value] if isinstance(value, str) else value or []
                row.terms.extend((f.name, v) for v in values)
            elif f.kind == "date":
                row.columns.append(None if value is None else epoch_millis(value))
            else:
                row.columns.append(None if value is None else int(value))
        row.words = sorted(words)
        return row


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(conn: sqlite3.Connection, tables: Tables, ids: list[str]) -> dict[str, int]:
    found = {}
    for batch in _batches(ids, 500):
        marks = ",".join("?" * len(batch))
        sql = f"SELECT id, rowid FROM {tables.docs} WHERE id IN ({marks})"
        found.update(conn.execute(sql, batch).fetchall())
    return found


def _remove(conn: sqlite3.Connection, tables: Tables, rowids: list[int]) -> None:
    # Every write goes through here: the next search sees a new generation and drops its
    # bitmaps (searches in other processes too).
    conn.execute(
        "INSERT INTO search_generation VALUES (?, 1) ON CONFLICT (physical) DO UPDATE SET n = n + 1",
        (tables.physical,),
    )
    params = [(r,) for r in rowids]
    conn.executemany(f"DELETE FROM {tables.fts} WHERE rowid = ?", params)
    conn.executemany(f"DELETE FROM {tables.grams} WHERE rowid = ?", params)
    conn.executemany(f"DELETE FROM {tables.terms} WHERE doc = ?", params)
    conn.executemany(f"DELETE FROM {tables.docs} WHERE rowid = ?", params)


def _upsert(conn: sqlite3.Connection, tables: Tables, rows: list[_Row]) -> BulkResult:
    rows = list({row.id: row for row in rows}.values())
    existing = _existing(conn, tables, [row.id for row in rows])
    _remove(conn, tables, list(existing.values()))
    next_rowid = conn.execute(f"SELECT coalesce(max(rowid), 0) + 1 FROM {tables.docs}").fetchone()
    next_rowid = next_rowid[0]
    docs, fts, terms, grams = [], [], [], []
    for row in rows:
        rowid = existing.get(row.id)
        if rowid is None:
            rowid, next_rowid = next_rowid, next_rowid + 1
        docs.append((rowid, row.id, row.source, *row.columns))
        fts.append((rowid, *(unstemmed(text) for text in row.texts)))
        grams.append((rowid, *row.grams))
        terms.extend((field, value, rowid) for field, value in row.terms)
    conn.executemany(tables.insert_docs, docs)
    conn.executemany(tables.insert_fts, fts)
    conn.executemany(tables.insert_grams, grams)
    conn.executemany(tables.insert_terms, terms)
    conn.executemany(tables.insert_vocab, [(w,) for row in rows for w in row.words])
    return BulkResult(created=len(rows) - len(existing), updated=len(existing))


def _frequency(conn: sqlite3.Connection, tables: Tables, expression: str) -> int:
    """How many documents match an FTS5 expression."""
    sql = f"SELECT count(*) FROM {tables.fts} WHERE {tables.fts} MATCH ?"
    return conn.execute(sql, (expression,)).fetchone()[0]


def _idf(documents: int, matching: int) -> float:
    """FTS5's ``bm25()`` inverse document frequency (clamped to 1e-6, as FTS5 does)."""
    return max(1e-6, math.log((documents - matching + 0.5) / (matching + 0.5)))


def _cjk_word(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" for ch in text)


def _suggestion(text: str, corrections: dict[str, str]) -> str | None:
    """The query with corrected words, or ``None`` when nothing was corrected."""
    if not corrections:
        return None
    folded = analysis.fold(text)
    for wrong, right in corrections.items():
        if not wrong.isascii():
            folded = folded.replace(wrong, right)
    latin = {k.lower(): v for k, v in corrections.items() if k.isascii()}
    fixed = analysis.corrected(folded, latin) or " ".join(folded.split())
    return fixed if fixed != " ".join(analysis.fold(text).split()) else None
