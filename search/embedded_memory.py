"""What the embedded engine keeps in memory per physical index: bitmaps for facets and
filters, and the browse orders.

Counting a facet with SQL joins every hit with the terms table, one lookup per hit and field:
about a second for a broad query at 100,000 listings. Here each keyword value, boolean value
and range bucket is a bitmap of rowids (a Python ``int``), read from the index once; a facet
count is then ``(hits & value).bit_count()``, a few microseconds per value whatever the number
of hits. A :class:`Snapshot` belongs to one generation of one physical index: every write
bumps the generation (``search_generation``), and the next search builds a new snapshot
lazily, field by field.
"""

from __future__ import annotations

import bisect
import heapq
import sqlite3
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

from search.query import PINNED, STRICT, Plan, sql_bound
from search.spec import SortKey

if TYPE_CHECKING:
    from search.embedded_sql import Tables


def column(name: str) -> str:
    """The docs-table column of a scalar field."""
    return f'd."f_{name}"'


#: Word groups matching fewer documents are cheap to score again; the cache holds at most
#: ``SCORES_HELD`` document scores in all, as arrays of rowids and scores (16 bytes each,
#: about 16 MB; as a dict they took 100 bytes each).
SCORES_MIN = 500
SCORES_HELD = 1_000_000
#: Match counts of word groups kept per snapshot (a few bytes each).
COUNTS_HELD = 20_000


def bitmap(rowids: Iterable[int], size: int) -> tuple[int, bytearray]:
    """The rowids as an ``int`` bitmap and as the bytes it was built from (for lookups)."""
    bits = bytearray((size >> 3) + 1)
    for rowid in rowids:
        bits[rowid >> 3] |= 1 << (rowid & 7)
    return int.from_bytes(bits, "little"), bits


def has(bits: bytearray, rowid: int) -> bool:
    """Whether ``rowid`` is in the bitmap's bytes."""
    return bool(bits[rowid >> 3] >> (rowid & 7) & 1)


class Snapshot:
    """Bitmaps and orders of one generation of one physical index, built on first use."""

    def __init__(self, generation: int, size: int, count: int) -> None:
        self.generation = generation
        self.size = size  # the largest rowid
        self.count = count  # documents
        self._lock = threading.Lock()
        self._keywords: dict[str, dict[str, int]] = {}
        self._codes: dict[str, list[str | None] | None] = {}
        self._columns: dict[str, tuple[list[int], list[int]]] = {}
        self._ranges: dict[tuple[str, int | None, int | None], int] = {}
        self._orders: dict[tuple, list[int]] = {}
        self._everything: int | None = None
        self._ids: list[str | None] = []
        self._values: dict[str, list[int | None]] = {}
        # expression -> (rowids, scores), scores None for a group matched without BM25
        self._scores: OrderedDict[str, tuple[array, array | None]] = OrderedDict()
        self._held = 0  # entries in self._scores
        self._counts: dict[str, int] = {}
        self._hits: dict[str, int] = {}
        self._documents: dict[tuple[str, str], list[int]] = {}

    def scores(self, expression: str) -> dict[int, float] | None:
        """The cached BM25 scores of a word group's FTS5 expression, if kept."""
        found = self._scores.get(expression)
        if found is None:
            return None
        with self._lock:
            if expression in self._scores:
                self._scores.move_to_end(expression)
        rowids, scores = found
        return (
            dict.fromkeys(rowids, 0.0) if scores is None else dict(zip(rowids, scores, strict=True))
        )

    def matches(self, expression: str, count: Callable[[], int]) -> int:
        """How many documents match a word group's FTS5 expression, asked of the index
        (``count()``) once per generation: counting 数据 or api reads every posting of the
        word, and the same words come back query after query."""
        found = self._counts.get(expression)
        if found is None:
            kept = self._scores.get(expression)
            found = len(kept[0]) if kept is not None else count()
            with self._lock:
                if len(self._counts) >= COUNTS_HELD:
                    self._counts.clear()
                self._counts[expression] = found
        return found

    def hits(self, expression: str, rowids: Iterable[int]) -> int:
        """The bitmap of a word group's documents (``rowids``), kept while its scores are:
        setting 100,000 bits one by one takes longer than the rest of the facets."""
        found = self._hits.get(expression)
        if found is None:
            found = bitmap(rowids, self.size)[0]
            if expression in self._scores:
                with self._lock:
                    self._hits = {e: b for e, b in self._hits.items() if e in self._scores}
                    self._hits[expression] = found
        return found

    def keep(self, expression: str, scores: dict[int, float], common: bool) -> None:
        """Keep a broad word group's scores (least recently used dropped first): words like
        数据, 深圳 or api come back in query after query, and scoring them is most of a
        search's cost (FTS5's ``bm25()`` takes four times as long as reading the rowids).
        ``common``: matched without BM25, every score nil."""
        if not SCORES_MIN <= len(scores) <= SCORES_HELD:
            return
        kept = (array("q", scores), None if common else array("d", scores.values()))
        with self._lock:
            if expression in self._scores:
                return
            while self._scores and self._held + len(scores) > SCORES_HELD:
                self._held -= len(self._scores.popitem(last=False)[1][0])
            self._scores[expression] = kept
            self._held += len(scores)

    def _scan(self, conn: sqlite3.Connection, tables: Tables) -> None:
        # One pass over the documents for every scalar column and the ids: each pass reads
        # the whole table, sources included.
        names = [f.name for f in tables.scalars]
        selected = ", ".join(["d.rowid", "d.id", *(column(n) for n in names)])
        rows = conn.execute(f"SELECT {selected} FROM {tables.docs} d").fetchall()
        ids: list[str | None] = [None] * (self.size + 1)
        values: dict[str, list[int | None]] = {n: [None] * (self.size + 1) for n in names}
        for rowid, doc_id, *scalars in rows:
            ids[rowid] = doc_id
            for name, value in zip(names, scalars, strict=True):
                values[name][rowid] = value
        with self._lock:
            self._ids, self._values = ids, values
            self._everything = bitmap((r[0] for r in rows), self.size)[0]

    def everything(self, conn: sqlite3.Connection, tables: Tables) -> int:
        """Every document."""
        if self._everything is None:
            self._scan(conn, tables)
        return self._everything

    def keyword(self, conn: sqlite3.Connection, tables: Tables, name: str) -> dict[str, int]:
        """Each value of a keyword field → the documents holding it."""
        found = self._keywords.get(name)
        if found is None:
            rows = conn.execute(
                f"SELECT value, doc FROM {tables.terms} WHERE field = ? ORDER BY value", (name,)
            ).fetchall()
            found, start = {}, 0
            for end in range(1, len(rows) + 1):
                if end == len(rows) or rows[end][0] != rows[start][0]:
                    found[rows[start][0]] = bitmap((d for _, d in rows[start:end]), self.size)[0]
                    start = end
            # A field with at most one value per document also gets each rowid's value, for
            # counting a facet over a few hits (see :func:`facets`).
            codes: list[str | None] | None = [None] * (self.size + 1)
            for value, doc in rows:
                if codes[doc] is not None:
                    codes = None
                    break
                codes[doc] = value
            with self._lock:
                self._keywords[name] = found
                self._codes[name] = codes
        return found

    def documents(self, conn: sqlite3.Connection, tables: Tables, name: str, value: str):
        """The rowids holding one value of a keyword field (a place boost's documents)."""
        key = (name, value)
        found = self._documents.get(key)
        if found is None:
            found = [
                doc
                for (doc,) in conn.execute(
                    f"SELECT doc FROM {tables.terms} WHERE field = ? AND value = ?", key
                )
            ]
            with self._lock:
                if len(self._documents) > 256:
                    self._documents.clear()
                self._documents[key] = found
        return found

    def values(self, conn: sqlite3.Connection, tables: Tables, name: str) -> list | None:
        """Each rowid's value of a keyword field, ``None`` when a document holds several."""
        self.keyword(conn, tables, name)
        return self._codes[name]

    def _column(self, conn, tables: Tables, name: str) -> tuple[list[int], list[int]]:
        found = self._columns.get(name)
        if found is None:
            if self._everything is None:
                self._scan(conn, tables)
            pairs = sorted((v, r) for r, v in enumerate(self._values[name]) if v is not None)
            found = ([v for v, _ in pairs], [r for _, r in pairs])
            with self._lock:
                self._columns[name] = found
        return found

    def between(
        self, conn: sqlite3.Connection, tables: Tables, name: str, low: int | None, high: int | None
    ) -> int:
        """Documents whose integer field ``name`` is ≥ ``low`` and < ``high`` (``None``: open;
        both open: every document with a value)."""
        key = (name, low, high)
        found = self._ranges.get(key)
        if found is None:
            values, rowids = self._column(conn, tables, name)
            start = 0 if low is None else bisect.bisect_left(values, low)
            end = len(values) if high is None else bisect.bisect_left(values, high)
            found = bitmap(rowids[start:end], self.size)[0]
            with self._lock:
                if len(self._ranges) > 256:  # filters with ever new bounds
                    self._ranges.clear()
                self._ranges[key] = found
        return found

    def position(self, conn, tables: Tables, keys: tuple[SortKey, ...]) -> list[int]:
        """Each rowid's place in the order of ``keys`` (indexed by rowid)."""
        key = ("position", *keys)
        found = self._orders.get(key)
        if found is None:
            found = [0] * (self.size + 1)
            for place, rowid in enumerate(self.order(conn, tables, keys)):
                found[rowid] = place
            with self._lock:
                self._orders[key] = found
        return found

    def order(
        self, conn: sqlite3.Connection, tables: Tables, keys: tuple[SortKey, ...]
    ) -> list[int]:
        """Every rowid in the order of ``keys`` (then ``id``), missing values last."""
        found = self._orders.get(keys)
        if found is None:
            if self._everything is None:
                self._scan(conn, tables)
            ids = self._ids
            found = [r for r, i in enumerate(ids) if i is not None]
            found.sort(key=ids.__getitem__)
            for key in reversed(keys):  # stable sorts, least significant key first
                if key.field == "id":
                    found.sort(key=ids.__getitem__, reverse=key.descending)
                    continue
                values = self._values[key.field]
                sign = -1 if key.descending else 1
                found.sort(key=lambda r, v=values, s=sign: (v[r] is None, s * (v[r] or 0)))
            with self._lock:
                self._orders[keys] = found
        return found


def facets(
    conn: sqlite3.Connection,
    tables: Tables,
    snapshot: Snapshot,
    plan: Plan,
    hits: int,
    rowids: Collection[int] | None = None,
) -> dict[str, list[tuple[Any, int]]]:
    """Facet counts over the ``hits`` bitmap (whose documents are ``rowids``, when known):
    term facets by count then value, cut to the plan's facet size; booleans
    ``True``/``False``; range facets in bucket order.

    A bitmap AND per value costs the same whatever the hits: for a field of many values
    (500 providers) and a few thousand hits, counting each hit's value is ten times faster.
    """
    out: dict[str, list[tuple[Any, int]]] = {}
    for f in plan.term_facets:
        if f.kind == "keyword":
            values = snapshot.keyword(conn, tables, f.name)
            codes = snapshot.values(conn, tables, f.name) if rowids is not None else None
            if codes is not None and len(rowids) < len(values) * (snapshot.size // 1000):
                tally = Counter(map(codes.__getitem__, rowids))
                tally.pop(None, None)
                counts = list(tally.items())
            else:
                counts = [(value, (hits & bits).bit_count()) for value, bits in values.items()]
            counts = sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))
            out[f.name] = counts[: plan.facet_size]
        else:
            pairs = [
                (True, (hits & snapshot.between(conn, tables, f.name, 1, 2)).bit_count()),
                (False, (hits & snapshot.between(conn, tables, f.name, 0, 1)).bit_count()),
            ]
            out[f.name] = sorted((p for p in pairs if p[1]), key=lambda p: (-p[1], p[0]))
    for rf in plan.range_facets:
        found = [
            (hits & snapshot.between(conn, tables, rf.field, low, high)).bit_count()
            for low, high in rf.buckets
        ]
        out[rf.field] = list(zip(rf.labels(), found, strict=True))
    return out


def _members(bits: int, size: int) -> bytes:
    return bits.to_bytes((size >> 3) + 1, "little")


def _half_open(flt) -> tuple[int | None, int | None]:
    """A checked range filter as ``[low, high)`` on the integer column."""
    low = high = None
    for op, bound in flt.bounds.items():
        value = sql_bound(flt.field, bound)
        if op == "gte":
            low = value if low is None else max(low, value)
        elif op == "gt":
            low = value + 1 if low is None else max(low, value + 1)
        elif op == "lte":
            high = value + 1 if high is None else min(high, value + 1)
        else:
            high = value if high is None else min(high, value)
    return low, high


def allowed(conn: sqlite3.Connection, tables: Tables, snapshot: Snapshot, plan: Plan) -> int | None:
    """The documents every filter of ``plan`` lets through; ``None`` without filters."""
    found = None
    for flt in plan.filters:
        f = flt.field
        if f.kind == "keyword":
            values = snapshot.keyword(conn, tables, f.name)
            bits = 0
            for value in flt.values:
                bits |= values.get(value, 0)
        elif f.kind == "boolean":
            bits = snapshot.between(
                conn, tables, f.name, int(flt.values[0]), int(flt.values[0]) + 1
            )
        else:
            low, high = _half_open(flt)
            if low is not None and high is not None and low >= high:
                bits = 0
            else:
                bits = snapshot.between(conn, tables, f.name, low, high)
        found = bits if found is None else found & bits
    return found


def _walk(order: list[int], wanted, start: int, stop: int) -> list[int]:
    """The rowids of ``order`` for which ``wanted(rowid)`` holds, from the ``start``-th
    such rowid to the ``stop``-th."""
    out, seen = [], 0
    for rowid in order:
        if wanted(rowid):
            if seen >= start:
                out.append(rowid)
                if len(out) == stop - start:
                    break
            seen += 1
    return out


def search(
    conn: sqlite3.Connection,
    tables: Tables,
    plan: Plan,
    matching,
    snapshot: Snapshot,
    scored: dict[str, dict[int, float]],
) -> tuple[int, list[tuple[str, str, float | None]], dict[str, list[tuple[Any, int]]]]:
    """Run a checked query: ``(total, [(id, source JSON, score)], facets)``.

    ``matching`` is ``None`` for an empty query (everything matches). Each word group is an
    FTS5 query scored by BM25 (column weights = field boosts) on its own, kept in ``scored``
    so a relaxed retry reads it again for free; a group in more than half of a large index
    is matched without BM25 (its inverse document frequency is nil, FTS5 clamps it to 1e-6).
    A group scores a document by its best alternative (:func:`_best`); a document's score is
    the sum over the groups it matches, scaled by the share of groups
    matched, and it must match ``matching.required`` of them. Filters, boosts and facets are
    bitmaps; the page is the top of the scores (``heapq``), ties broken in the snapshot's
    tie-break order.
    """
    filtered = allowed(conn, tables, snapshot, plan)
    start, stop = plan.offset, plan.offset + plan.per_page
    if matching is None:
        hits = snapshot.everything(conn, tables) if filtered is None else filtered
        keys = plan.sort if plan.sort is not None else plan.browse
        order = snapshot.order(conn, tables, tuple(keys))
        if filtered is None:
            page = order[start:stop]
        else:
            members = _members(filtered, snapshot.size)
            page = _walk(order, lambda r: members[r >> 3] >> (r & 7) & 1, start, stop)
        rows = _rows(conn, tables, page, None)
        return hits.bit_count(), rows, facets(conn, tables, snapshot, plan, hits)
    if not matching.expressions and not plan.pinned:
        return 0, [], facets(conn, tables, snapshot, plan, 0)  # nothing searchable
    alternatives = matching.alternatives or [[e] for e in matching.expressions]
    scales = matching.scales or [()] * len(alternatives)
    groups = [
        _best(conn, tables, snapshot, e, c, alts, scored, scale)
        for e, c, alts, scale in zip(
            matching.expressions, matching.common, alternatives, scales, strict=True
        )
    ]
    count = len(groups)
    members = None if filtered is None else _members(filtered, snapshot.size)
    # Closeness in a title adds score (before the share of groups matched scales it).
    near = _scored(conn, tables, snapshot, matching.near, False, scored) if matching.near else {}
    # The documents of each place the query names and of each nudge, looked up once.
    lifts = [
        (factor, _documents(conn, tables, snapshot, name, values))
        for name, values, factor in plan.boosts + plan.nudges
    ]
    if count == 0:
        found = {}
    elif count == 1:
        found = dict(groups[0])
        if members is not None:
            found = {r: s for r, s in found.items() if members[r >> 3] >> (r & 7) & 1}
        for rowid, score in near.items():
            if rowid in found:
                found[rowid] += score
    else:
        weights = matching.weights or [1.0] * count
        # How many groups each document matches is the same for a relaxed retry: counted once.
        key = "\0matched\0" + "\0".join(matching.expressions)
        matched = scored.get(key)
        if matched is None:
            matched = scored[key] = Counter()
            for group in groups:
                matched.update(group.keys())
        # A document in a place the query names counts that place as one more word matched
        # (澳門 旅客 消費: Macao's visitor counts beside other cities' retail footfall).
        placed = set().union(*(documents for _, documents in lifts[: len(plan.boosts)]))
        if placed:
            matched = Counter({r: n + 1 if r in placed else n for r, n in matched.items()})
        found = _combined(
            groups, near, matching.required, members, weights, matched, matching.factors
        )
    for factor, boosted in lifts:
        if len(boosted) < len(found):
            for rowid in boosted:
                if rowid in found:
                    found[rowid] *= factor
        elif boosted:
            for rowid in found:
                if rowid in boosted:
                    found[rowid] *= factor
    if matching.tier and count > 1:
        # After the boosts, so the documents matching most words keep their own order.
        for rowid in found:
            if matched[rowid] >= matching.tier:
                found[rowid] += STRICT
    pinned = _pinned(conn, tables, snapshot, plan, members)
    for rowid in pinned:
        found[rowid] = found.get(rowid, 0.0) + PINNED
    if plan.sort is not None:
        order = snapshot.order(conn, tables, tuple(plan.sort))
        rows = _rows(conn, tables, _walk(order, found.__contains__, start, stop), None)
    else:
        rows = _rows(conn, tables, _ranked(conn, tables, snapshot, plan, found), found)
    hits = 0
    if plan.term_facets or plan.range_facets:
        if count == 1 and filtered is None and not pinned:  # the one word group's documents
            hits = snapshot.hits(matching.expressions[0], found)
        else:
            hits = bitmap(found, snapshot.size)[0]
    return len(found), rows, facets(conn, tables, snapshot, plan, hits, found)


def _documents(conn, tables: Tables, snapshot: Snapshot, name: str, values) -> set[int]:
    """The documents whose field ``name`` holds one of ``values``."""
    found: set[int] = set()
    for value in values:
        found.update(snapshot.documents(conn, tables, name, value))
    return found


def _pinned(conn, tables: Tables, snapshot: Snapshot, plan: Plan, members) -> set[int]:
    """The documents the query pins that its filters allow."""
    pinned: set[int] = set()
    for name, values in plan.pinned:
        for value in values:
            pinned.update(snapshot.documents(conn, tables, name, value))
    if members is not None:
        pinned = {r for r in pinned if members[r >> 3] >> (r & 7) & 1}
    return pinned


def _combined(
    groups: list[dict[int, float]],
    near: dict[int, float],
    required: int,
    members: bytes | None,
    weights: list[float],
    matched: Counter | None = None,
    factors: list[float] | None = None,
) -> dict[int, float]:
    """The documents matching ``required`` of the word groups (and the filters' ``members``),
    each scored ``(near + group scores, in group order)`` times the share of the groups'
    ``weights`` it matches (rarer words weigh more: "stock prices" is about stock); each
    group's scores are added times its ``factors`` (all 1 without).

    Each group's scores are added to the documents kept in one pass over the smaller of the
    two, instead of looking every group up for every document: the sums are the same (a
    missing group added nothing), in the same order.
    """
    if matched is None:  # how many groups each document matches
        matched = Counter()
        for group in groups:
            matched.update(group.keys())
    keep = [rowid for rowid, n in matched.items() if n >= required]
    if members is not None:
        keep = [rowid for rowid in keep if members[rowid >> 3] >> (rowid & 7) & 1]
    sums = dict.fromkeys(keep, 0.0)
    said = dict.fromkeys(keep, 0.0)  # the specificity of the groups each document matches
    for rowid, score in near.items():
        if rowid in sums:
            sums[rowid] = score
    for group, weight, factor in zip(groups, weights, factors or [1.0] * len(groups), strict=True):
        if len(group) <= len(sums):
            for rowid, score in group.items():
                if rowid in sums:
                    sums[rowid] += score * factor
                    said[rowid] += weight
        else:
            for rowid in sums:
                score = group.get(rowid)
                if score is not None:
                    sums[rowid] += score * factor
                    said[rowid] += weight
    # The share of the query's specificity each document matches.
    whole = sum(weights)
    share = 1.0 / whole if whole > 0 else 0.0
    if not share:
        return sums
    return {rowid: score * (said[rowid] * share) for rowid, score in sums.items()}


#: Weight of a word's synonyms, parts and stems against the word itself (OpenSearch gives
#: its alternatives the same boost).
ALTERNATIVE_WEIGHT = 0.8


def _best(
    conn,
    tables: Tables,
    snapshot: Snapshot,
    expression: str,
    common: bool,
    alternatives: list[str],
    scored: dict,
    scales: tuple[float, ...] = (),
) -> dict[int, float]:
    """A word group's documents, each scored by its best alternative: the word's own BM25,
    or a synonym's at :data:`ALTERNATIVE_WEIGHT` (OpenSearch's ``dis_max``). One FTS5 query
    of all the alternatives would sum them, so a listing holding three synonyms of one word
    would outrank one holding a rarer word of the query. ``scales`` (one per alternative)
    weigh each by the group's document frequency instead of its own."""
    if common or len(alternatives) < 2:
        return _scored(conn, tables, snapshot, expression, common, scored)
    found = scored.get(expression) or snapshot.scores(expression)
    if found is None:
        found = {}
        for n, alternative in enumerate(alternatives):
            sql = (
                f"SELECT rowid, -bm25({tables.fts}{tables.weights}) FROM {tables.fts} "
                f"WHERE {tables.fts} MATCH ?"
            )
            weight = (ALTERNATIVE_WEIGHT if n else 1.0) * (scales[n] if scales else 1.0)
            get = found.get
            for rowid, score in conn.execute(sql, (alternative,)):
                score *= weight
                if score > get(rowid, -1.0):
                    found[rowid] = score
        snapshot.keep(expression, found, False)
    scored[expression] = found
    return found


def _scored(
    conn, tables: Tables, snapshot: Snapshot, expression: str, common: bool, scored: dict
) -> dict[int, float]:
    found = scored.get(expression) or snapshot.scores(expression)
    if found is None:
        if common:
            sql = f"SELECT rowid, 0.0 FROM {tables.fts} WHERE {tables.fts} MATCH ?"
        else:
            sql = (
                f"SELECT rowid, -bm25({tables.fts}{tables.weights}) FROM {tables.fts} "
                f"WHERE {tables.fts} MATCH ?"
            )
        found = dict(conn.execute(sql, (expression,)).fetchall())
        snapshot.keep(expression, found, common)
    scored[expression] = found
    return found


def _ranked(conn, tables: Tables, snapshot: Snapshot, plan: Plan, found: dict[int, float]):
    """The page's rowids: by score, equal scores in the tie-break order (then ``id``)."""
    start, stop = plan.offset, plan.offset + plan.per_page
    if len(found) <= start:
        return []
    top = heapq.nlargest(stop, found.values())
    threshold = top[-1]
    above = [r for r, s in found.items() if s > threshold]
    position = snapshot.position(conn, tables, tuple(plan.tiebreak))
    above.sort(key=lambda r: (-found[r], position[r]))
    need = stop - len(above)
    if need > 0:
        equal = [r for r, s in found.items() if s == threshold]
        if len(equal) <= 4 * stop:
            equal.sort(key=position.__getitem__)
            above += equal[:need]
        else:
            order = snapshot.order(conn, tables, tuple(plan.tiebreak))
            above += _walk(order, lambda r: found.get(r) == threshold, 0, need)
    return above[start:stop]


def _rows(conn, tables: Tables, page: list[int], scores: dict[int, float] | None):
    if not page:
        return []
    marks = ", ".join("?" * len(page))
    found = {
        rowid: (doc_id, source)
        for rowid, doc_id, source in conn.execute(
            f"SELECT rowid, id, source FROM {tables.docs} WHERE rowid IN ({marks})", page
        )
    }
    return [(*found[r], None if scores is None else scores[r]) for r in page if r in found]
