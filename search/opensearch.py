"""The cluster engine: OpenSearch 2 through opensearch-py, Elasticsearch 8 through
elasticsearch-py, chosen by what the server reports at ``GET /``.

Both clients receive the same request bodies (:mod:`search.bodies`); the only per-client
parts are the client object and its exception classes. Every index is an alias
(``<prefix><name>``) over one physical index (``<prefix><name>_<timestamp>``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import elastic_transport
import elasticsearch
import opensearchpy

from search import analysis, bodies, suggestions
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
from search.spec import IndexSpec

BATCH = 1000
#: A response that matched nothing, for a query no request needs to be sent for.
_NOTHING = {"took": 0, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
#: How long whether a word group is in some document is remembered (writes through this
#: engine forget it at once), and how many groups at most.
KNOWN_SECONDS = 30.0
KNOWN_HELD = 10_000
#: Threads searching a query's remembered correction beside the query (see
#: :meth:`OpenSearchEngine._corrections_ahead`).
AHEAD_THREADS = 4
#: Documents holding a keyword starting with the typed text read for keyword suggestions.
WORD_DOCUMENTS = 100
#: A search needing one word that this many documents hold counts its facets in a request of
#: its own, which the node's request cache keeps (see :meth:`OpenSearchEngine._browse`).
BROAD = 10_000


@dataclass(frozen=True)
class _Driver:
    client: Any
    distribution: str
    not_found: type[Exception]
    errors: tuple[type[Exception], ...]


class OpenSearchEngine(SearchEngine):
    """Search in an OpenSearch (or Elasticsearch) cluster at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "",
        shards: int = 1,
        replicas: int = 1,
        timeout: float = 10.0,
        **client_options: Any,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.shards = shards
        self.replicas = replicas
        self.timeout = timeout
        self.client_options = client_options
        self._driver: _Driver | None = None
        self._lock = threading.Lock()
        # (alias, alternatives, fuzzy) -> (documents matching, until when: monotonic)
        self._known_groups: dict[tuple, tuple[int, float]] = {}
        # (alias, fields, term of a synonym group) -> documents holding it
        self._terms: dict[tuple[str, int, str], int] = {}
        # (alias, a synonym group's alternatives) -> (a document holding one or None, until)
        self._leads: dict[tuple[str, tuple], tuple[str | None, int, float]] = {}
        # (alias, a typed word, lower case) -> (its completions or None, until when: monotonic)
        self._completed: dict[tuple[str, str], tuple[analysis.Group | None, float]] = {}
        self._held_words: dict[tuple[str, str], tuple[bool, float]] = {}
        # (alias, query text) -> (the correction its search offered, until when: monotonic)
        self._corrections: dict[tuple[str, str], tuple[str, float]] = {}
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None
        # alias -> (documents in the index, until when: monotonic)
        self._sizes: dict[str, tuple[int, float]] = {}
        # (alias, strict search) -> (the retry it called for: "relaxed" or "tier", whether
        # that matched BROAD documents or more, until when: monotonic)
        self._retries: dict[tuple[str, str], tuple[str, bool, float]] = {}

    # -- plumbing ----------------------------------------------------------------------

    @property
    def driver(self) -> _Driver:
        """The client, created on first use after asking the server what it is."""
        if self._driver is None:
            with self._lock:
                if self._driver is None:
                    self._driver = self._connect()
        return self._driver

    def _connect(self) -> _Driver:
        probe = opensearchpy.OpenSearch(
            hosts=[self.url], timeout=self.timeout, **self.client_options
        )
        try:
            info = probe.info()
        except opensearchpy.TransportError as exc:
            raise EngineError(f"cannot reach {self.url}: {exc}") from exc
        if info.get("version", {}).get("distribution") == "opensearch":
            return _Driver(
                probe, "opensearch", opensearchpy.NotFoundError, (opensearchpy.TransportError,)
            )
        probe.close()
        client = elasticsearch.Elasticsearch(
            self.url, request_timeout=self.timeout, **self.client_options
        )
        errors = (elasticsearch.ApiError, elastic_transport.TransportError)
        return _Driver(client, "elasticsearch", elasticsearch.NotFoundError, errors)

    @property
    def distribution(self) -> str:
        """``opensearch`` or ``elasticsearch``."""
        return self.driver.distribution

    def _call(self, method: str, **kwargs: Any) -> Any:
        driver = self.driver
        target: Any = driver.client
        for part in method.split("."):
            target = getattr(target, part)
        try:
            response = target(**kwargs)
        except driver.not_found as exc:
            if "index_not_found" in str(exc):
                raise IndexMissing(f"no index {kwargs.get('index')!r}: {exc}") from exc
            raise
        except driver.errors as exc:
            kind = _TooManyClauses if _too_many_clauses(exc) else EngineError
            raise kind(f"{driver.distribution} {method}: {exc}") from exc
        return getattr(response, "body", response)

    def close(self) -> None:
        """Close the client's connections."""
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
        if self._driver is not None:
            self._driver.client.close()
            self._driver = None

    # -- index lifecycle ---------------------------------------------------------------

    def _alias(self, spec: IndexSpec) -> str:
        return f"{self.prefix}{spec.name}"

    def _behind(self, alias: str) -> list[str]:
        try:
            return sorted(self._call("indices.get_alias", name=alias))
        except self.driver.not_found:
            return []

    def _physicals(self, alias: str) -> list[str]:
        pattern = re.compile(rf"^{re.escape(alias)}_\d{{20}}$")
        try:
            found = self._call("indices.get", index=f"{alias}_*")
        except self.driver.not_found:
            return []
        return sorted(name for name in found if pattern.match(name))

    def ensure_index(self, spec: IndexSpec) -> bool:
        """Create a physical index and its alias unless the alias exists."""
        alias = self._alias(spec)
        if self._behind(alias):
            mappings = self._call("indices.get_mapping", index=alias)
            for physical in mappings.values():
                meta = physical.get("mappings", {}).get("_meta", {})
                if meta.get("fingerprint") != spec.fingerprint:
                    raise SpecMismatch(f"index {alias!r} was built from another spec; reindex it")
            return False
        body = bodies.index_body(spec, shards=self.shards, replicas=self.replicas)
        body["aliases"] = {alias: {}}
        self._call("indices.create", index=self._new_name(alias), body=body)
        return True

    def drop_index(self, spec: IndexSpec) -> None:
        """Delete every physical index of ``spec`` (the alias goes with them)."""
        self._forget_words()
        names = self._physicals(self._alias(spec))
        if names:
            self._call("indices.delete", index=",".join(names))

    def _new_name(self, alias: str) -> str:
        return f"{alias}_{dt.datetime.now(dt.UTC).strftime('%Y%m%d%H%M%S%f')}"

    def reindex(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, batch_size: int = BATCH
    ) -> BulkResult:
        """Load a new physical index (no refresh, no replicas while loading), then swap the
        alias in one ``_aliases`` call and delete the old indices."""
        alias = self._alias(spec)
        physical = self._new_name(alias)
        body = bodies.index_body(spec, shards=self.shards, replicas=0)
        body["settings"]["index"]["refresh_interval"] = "-1"
        self._call("indices.create", index=physical, body=body)
        try:
            result = BulkResult()
            batch: list[dict[str, Any]] = []
            for doc in docs:
                batch.append(spec.validate(doc))
                if len(batch) == batch_size:
                    result = _add(result, self._bulk_index(spec, physical, batch))
                    batch = []
            result = _add(result, self._bulk_index(spec, physical, batch))
            settings = {"index": {"refresh_interval": None, "number_of_replicas": self.replicas}}
            self._call("indices.put_settings", index=physical, body=settings)
            self._call("indices.refresh", index=physical)
            old = self._behind(alias)
            actions = [{"remove": {"index": name, "alias": alias}} for name in old]
            actions.append({"add": {"index": physical, "alias": alias}})
            self._call("indices.update_aliases", body={"actions": actions})
            self._forget_words()
        except BaseException:
            self._call("indices.delete", index=physical, ignore_unavailable=True)
            raise
        stale = [name for name in self._physicals(alias) if name != physical]
        if stale:
            self._call("indices.delete", index=",".join(stale))
        return result

    # -- documents ---------------------------------------------------------------------

    def _bulk_index(self, spec: IndexSpec, index: str, docs: list[dict[str, Any]]) -> BulkResult:
        lines: list[dict[str, Any]] = []
        for doc in docs:
            lines += [{"index": {"_index": index, "_id": doc["id"]}}, bodies.with_sounds(spec, doc)]
        items = self._bulk(lines)
        created = sum(1 for item in items if item["index"].get("result") == "created")
        return BulkResult(created=created, updated=len(items) - created)

    def _bulk(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not lines:
            return []
        self._forget_words()  # a write may add or remove the only holder of a word
        self._sizes.clear()
        self._retries.clear()
        response = self._call("bulk", body=lines)
        items = response["items"]
        if response.get("errors"):
            failed = [i for i in items for op in i.values() if op.get("error")]
            if failed:
                raise EngineError(f"bulk request failed for {len(failed)} items: {failed[0]}")
        return items

    def index(
        self, spec: IndexSpec, docs: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> BulkResult:
        """Validate every document, then upsert them through the alias in bulk requests."""
        checked = list({d["id"]: d for d in (spec.validate(doc) for doc in docs)}.values())
        alias = self._alias(spec)
        result = BulkResult()
        for start in range(0, len(checked), BATCH):
            result = _add(result, self._bulk_index(spec, alias, checked[start : start + BATCH]))
        if refresh:
            self._call("indices.refresh", index=alias)
        return result

    def delete(self, spec: IndexSpec, ids: Iterable[str], *, refresh: bool = False) -> int:
        """Delete by id through the alias; return how many existed."""
        alias = self._alias(spec)
        lines = [{"delete": {"_index": alias, "_id": i}} for i in dict.fromkeys(ids)]
        items = self._bulk(lines) if lines else []
        if refresh:
            self._call("indices.refresh", index=alias)
        return sum(1 for item in items if item["delete"].get("result") == "deleted")

    def get(self, spec: IndexSpec, doc_id: str) -> dict[str, Any] | None:
        """The stored source, or ``None``."""
        try:
            return self._call("get", index=self._alias(spec), id=doc_id)["_source"]
        except self.driver.not_found:
            return None

    def count(self, spec: IndexSpec) -> int:
        """Number of documents."""
        return self._call("count", index=self._alias(spec))["count"]

    def iter_documents(self, spec: IndexSpec) -> Iterator[dict[str, Any]]:
        """Every source ordered by id, paged with ``search_after``."""
        body: dict[str, Any] = {"size": BATCH, "sort": [{"id": "asc"}], "query": {"match_all": {}}}
        while True:
            hits = self._call("search", index=self._alias(spec), body=body)["hits"]["hits"]
            yield from (hit["_source"] for hit in hits)
            if len(hits) < BATCH:
                return
            body["search_after"] = hits[-1]["sort"]

    # -- queries -----------------------------------------------------------------------

    def search(self, spec: IndexSpec, query: Query) -> Results:
        """One request: query, filters, sort, page, facets as aggregations, highlights.

        Most (not all) query words must match, counting only words some document holds
        (:meth:`_known`, asked in the same round trip as the search and remembered for
        :data:`KNOWN_SECONDS`); an unknown Chinese word is replaced by an indexed one that
        sounds the same. When nothing matches, the query is retried needing any one word
        (``relaxed``). English words missing from the index get a ``did_you_mean`` from the
        term suggester.
        """
        started = time.perf_counter()
        plan = check(spec, query)

        def run(text: str, correct: bool) -> Results:
            return self._answer(spec, query, dataclasses.replace(plan, text=text), correct)

        return answered(
            self._corrections_ahead(self._alias(spec), plan.text, run),
            plan.text,
            started,
            # Only Chinese words are corrected in the search itself (by sound); English
            # corrections are suggestions beside it.
            as_typed=not analysis.has_chinese(plan.text),
        )

    def _corrections_ahead(self, alias: str, text: str, run):
        """``run`` for :func:`~search.engine.answered`, which searches a corrected query
        after the search of the text as typed: the correction the text had last time (within
        :data:`KNOWN_SECONDS`) is searched at the same time as the text, in a thread of its
        own, so a query with a typo takes one round trip's time instead of two. Its results
        are used only when the search of the text offers that correction again, so they are
        always those of the searches one after the other."""
        key = (alias, text)
        remembered = self._corrections.get(key)
        ahead = None
        if remembered is not None and remembered[1] > time.monotonic():
            ahead = self._pool().submit(run, remembered[0], False)

        def answer(asked: str, correct: bool) -> Results:
            # One not started yet (every thread busy) is cancelled and searched here.
            if ahead is not None and not correct and asked == remembered[0] and not ahead.cancel():
                return ahead.result()
            results = run(asked, correct)
            if correct and asked == text:
                self._remember_correction(key, results.did_you_mean)
            return results

        return answer

    def _remember_correction(self, key: tuple[str, str], corrected: str | None) -> None:
        if not corrected or corrected == key[1]:
            self._corrections.pop(key, None)
            return
        if len(self._corrections) > KNOWN_HELD:
            self._corrections.clear()
        self._corrections[key] = (corrected, time.monotonic() + KNOWN_SECONDS)

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._threads is None:
            with self._lock:
                if self._threads is None:
                    self._threads = concurrent.futures.ThreadPoolExecutor(
                        AHEAD_THREADS, thread_name_prefix="search-ahead"
                    )
        return self._threads

    def _answer(self, spec: IndexSpec, query: Query, plan, correct: bool) -> Results:
        """The search of ``plan``, its Chinese typos corrected unless not ``correct``."""
        started = time.perf_counter()
        groups = None
        if plan.text:
            groups = analysis.words_of(plan.text, query.synonyms)
        alias = self._alias(spec)
        if not groups:
            response = self._browse(alias, bodies.search_body(spec, plan, groups))
            return self._results(plan, response, float(response.get("took", 0)), started)
        *wider, alone = _fewer_synonyms(groups)
        for fewer in wider:
            try:
                return self._words(spec, alias, plan, fewer, started, correct)
            except _TooManyClauses:
                # Many words with many synonyms each (a request pasted from a synonym list)
                # make more clauses than the engine takes (1,024): ask with fewer synonyms.
                continue
        return self._words(spec, alias, plan, alone, started, correct)

    def _words(self, spec: IndexSpec, alias: str, plan, groups, started, correct) -> Results:
        narrow = spec.narrowed()
        results = self._search(narrow or spec, alias, plan, groups, started, correct)
        if results.total == 0 and narrow is not None:
            # Nothing matched but for a provider's name, say: look there too.
            results = self._search(spec, alias, plan, groups, started, correct)
        if results.total == 0 and not results.held:
            # No document holds any word: those sharing Chinese character pairs. (A word
            # held only outside the filters is an honest zero within them.)
            results = self._loose(narrow or spec, alias, plan, started) or results
        return results

    def _browse(self, alias: str, body: dict[str, Any]) -> dict[str, Any]:
        """Browsing (no words): the page and the facets as two searches of one ``_msearch``.

        The facets of browsing depend on the filters only, so the same request comes back
        for every visitor of a catalogue page; as a request of ``size`` 0 the node's shard
        request cache keeps them until the index next changes (a refresh with writes clears
        it), so they are counted over every document once instead of on every page view.
        The page alone, without counting every hit, takes a few milliseconds.
        """
        if not body.get("aggs"):
            body.pop("aggs", None)
            return self._call("search", index=alias, body=body)
        return _joined(*self._msearch(alias, _split(body)))

    def _loose(self, spec: IndexSpec, alias: str, plan, started) -> Results | None:
        """The last resort when no document holds any of the query's words: documents
        holding enough of its informative Chinese character pairs (in the index, not in
        most of it), searched in the Chinese fields, whose ``cjk_bigram`` analysis indexes
        every pair already; ``None`` with no informative pair. Two requests: the pairs'
        document counts (remembered like words'), then the search."""
        pairs = [analysis.Group(b, ((b,),)) for b in analysis.query_bigrams(plan.text)]
        if not pairs:
            return None
        known, _, _, _, _ = self._known(spec, alias, plan, pairs, search=False)
        size = self._sizes.get(alias, (0, 0.0))[0]
        counted = [
            (pair, n)
            for pair, n in zip(pairs, known, strict=True)
            if n and not analysis.loose_common(size, n)
        ]
        if not counted:
            return None
        groups = [pair for pair, _ in counted]
        weights = self._weights(alias, counted)
        minimum = analysis.loose_required(len(groups))
        body = bodies.search_body(spec, plan, groups, minimum, [], weights, phrase=False)
        response = self._call("search", index=alias, body=body)
        results = self._results(plan, response, float(response.get("took", 0)), started, True)
        return dataclasses.replace(results, loose=results.total > 0)

    def _search(self, spec: IndexSpec, alias: str, plan, groups, started, correct) -> Results:
        """Match the query's word groups in ``spec``'s text fields (Chinese typos corrected
        if ``correct``), retrying needing one word, then, when no document holds any of
        them (filters aside), with the words inside them (``held`` says whether one does).

        A strict search that called for a retry (nothing matched most words, or fewer than a
        page did) is remembered for :data:`KNOWN_SECONDS`: the next time the retry goes in its
        place, counting the strict matches beside it, so the search takes one request. When
        that count no longer calls for the retry (the index changed), the strict search is
        sent after all, so the results are always those of the two requests."""
        asked = groups
        known, sent, response, sent_weights, ahead = self._known(spec, alias, plan, groups)
        response = response or _NOTHING
        key, retry = ahead or (None, None)
        total = response["hits"]["total"]["value"]
        if retry:
            total = response["aggregations"].pop(bodies.STRICT_COUNT)["doc_count"]
        engine_ms = float(response.get("took", 0))
        relaxed, corrected = False, None
        if correct and _maybe_typos(groups, known, total):
            # Unknown Chinese words may be typos (气像; 博物官, split by jieba): one request.
            fixed, corrected = self._homophones(alias, plan.text, groups)
            if corrected:
                groups = fixed
                known, _, _, _, _ = self._known(spec, alias, plan, groups, search=False)
        completed = None
        if _half_typed(groups[-1]) and (not known[-1] or len(groups[-1].text) >= 4):
            # The last word may be half typed (weath, weather fore): read as a prefix, as
            # the suggestions do, before any typo correction. (A word of four letters or
            # more may be "known" by a fuzzy match only: the index's words tell.)
            completed = self._completions(alias, groups[-1])
            if completed:
                groups = [*groups[:-1], completed]
                known, _, _, _, _ = self._known(spec, alias, plan, groups, search=False)
        counted = self._as_one(spec, alias, [g for g, k in zip(groups, known, strict=True) if k])
        weights = self._weights(alias, [(g, k) for g, k in zip(groups, known, strict=True) if k])
        minimum = analysis.required(len(counted))
        called = retry and (total == 0 if retry == "relaxed" else fills(plan, total))
        if not counted:  # no word any document holds: straight to the words inside them
            response, retry = _NOTHING, None
        elif (
            counted != sent
            or (len(counted) > 1 and weights != sent_weights)
            or (retry and not called)
        ):
            if retry and not called:
                self._retries.pop(key, None)
            body = bodies.search_body(spec, plan, counted, minimum, asked, weights)
            response = self._call("search", index=alias, body=body)
            engine_ms += float(response.get("took", 0))
            key, retry = (_retry_key(alias, body) if minimum > 1 else None), None
            total = response["hits"]["total"]["value"]
        strict = None
        if minimum > 1 and total == 0:
            relaxed = True
            if retry != "relaxed":
                body = bodies.search_body(spec, plan, counted, 1, asked, weights)
                response = self._call("search", index=alias, body=body)
                engine_ms += float(response.get("took", 0))
                self._remember_retry(key, "relaxed", response)
        elif minimum > 1 and fills(plan, total):
            # Few match most words: those matching some follow them.
            strict = total
            if retry != "tier":
                body = bodies.search_body(spec, plan, counted, 1, asked, weights, tier=minimum)
                response = self._call("search", index=alias, body=body)
                engine_ms += float(response.get("took", 0))
                self._remember_retry(key, "tier", response)
            strict = None if response["hits"]["total"]["value"] == strict else strict
        # The words inside the words, only when no document holds any of them: when one
        # does, but not within the filters, nothing within them is the answer.
        loose = None if counted or response["hits"]["total"]["value"] else analysis.loosen(groups)
        if loose:
            relaxed = True
            # Weighed by specificity as the embedded engine weighs them, so a word of form
            # or price (行情 of 股票行情) does not rank its listings above the subject's.
            held, _, _, _, _ = self._known(spec, alias, plan, loose, search=False)
            found = [(g, k) for g, k in zip(loose, held, strict=True) if k]
            weights = self._weights(alias, found) if found else None
            loose = [g for g, _ in found] or loose
            body = bodies.search_body(spec, plan, loose, 1, asked, weights)
            response = self._call("search", index=alias, body=body)
            engine_ms += float(response.get("took", 0))
        if plan.pinned and response is _NOTHING:  # no word to search, but pinned documents
            response = self._call(
                "search", index=alias, body=bodies.search_body(spec, plan, [], 1, asked)
            )
            engine_ms += float(response.get("took", 0))
        kept = _not_typos(asked, completed) | self._held(alias, response.get("suggest", {}))
        results = self._results(
            plan, response, engine_ms, started, relaxed, corrected, strict, kept
        )  # fmt: skip
        # The words no document holds, left out of the match (外卖 of 外卖订单), when others
        # are held and matched.
        unheld = (
            tuple(g.text for g, k in zip(groups, known, strict=True) if not k)
            if counted and results.total
            else ()
        )
        return dataclasses.replace(results, held=bool(counted), unheld=unheld)

    def _held(self, alias: str, suggest: dict[str, Any]) -> frozenset:
        """The English words the suggester would replace that the index holds in another
        form (scoring, for the listings' score): a word of the index has the same stem, as
        the embedded engine's stemmer makes it. The embedded engine, whose vocabulary is of
        stems, corrects none of them. One request, only when there is a word to replace and
        not remembered (for :data:`KNOWN_SECONDS`, like the words' completions)."""
        now = time.monotonic()
        held, asked = set(), []
        for word in _spelling_fixes(suggest):
            remembered = self._held_words.get((alias, word))
            if remembered is not None and remembered[1] > now:
                held.update([word] if remembered[0] else [])
            else:
                asked.append(word)
        if not asked:
            return frozenset(held)
        stems = [analysis.stem(word) for word in asked]
        found = self._call("search", index=alias, body=bodies.held_body(stems))
        found = found.get("aggregations", {})
        if len(self._held_words) > KNOWN_HELD:
            self._held_words.clear()
        for k, (word, stem) in enumerate(zip(asked, stems, strict=True)):
            buckets = found.get(f"held__{k}", {}).get("buckets", ())
            keys = (b["key"][len(bodies.WORD_KEY) :] for b in buckets)
            holds = any(analysis.stem(key) == stem for key in keys)
            self._held_words[(alias, word)] = (holds, now + KNOWN_SECONDS)
            held.update([word] if holds else [])
        return frozenset(held)

    def _completions(self, alias: str, group: analysis.Group) -> analysis.Group | None:
        """``group``'s word read as the start of the index's English words (at most
        :data:`COMPLETIONS`, most frequent first), or ``None`` when none starts so or the
        word is one of them. Remembered like which words are known (a long request ending
        in a word of the index, model, asks for every search of it)."""
        typed = group.text.lower()
        now = time.monotonic()
        remembered = self._completed.get((alias, typed))
        if remembered is not None and remembered[1] > now:
            found = remembered[0]
            return (
                None
                if found is None
                else dataclasses.replace(group, alternatives=found.alternatives)
            )
        body = bodies.completions_body(typed)
        buckets = self._call("search", index=alias, body=body)["aggregations"]["words"]["buckets"]
        words = {b["key"][len(bodies.WORD_KEY) :]: b["doc_count"] for b in buckets}
        completed = None
        if words and typed not in words:  # else none, or a word of the index itself
            found = sorted((-n, word) for word, n in words.items())[:COMPLETIONS]
            completed = dataclasses.replace(group, alternatives=tuple((word,) for _, word in found))
        if len(self._completed) > KNOWN_HELD:
            self._completed.clear()
        self._completed[(alias, typed)] = (completed, now + KNOWN_SECONDS)
        return completed

    def _remember_retry(self, key: tuple[str, str] | None, retry: str, response) -> None:
        if key is None:
            return
        if len(self._retries) > KNOWN_HELD:
            self._retries.clear()
        broad = response["hits"]["total"]["value"] >= BROAD
        self._retries[key] = (retry, broad, time.monotonic() + KNOWN_SECONDS)

    def _ahead(self, spec: IndexSpec, alias: str, plan, counted, minimum, asked, weights, body):
        """The request to send for the strict search ``body``: ``(key, retry, request,
        broad)``, the request being the retry it called for last time (with the strict
        matches counted beside it), else ``body`` itself (``retry`` ``None``); ``broad`` when
        that retry matched :data:`BROAD` documents or more. A search needing one word has no
        retry (and no key)."""
        if minimum < 2:
            return None, None, body, False
        key = _retry_key(alias, body)
        remembered = self._retries.get(key)
        if not remembered or remembered[2] <= time.monotonic():
            return key, None, body, False
        retry, broad, _ = remembered
        tier = minimum if retry == "tier" else 0
        request = bodies.search_body(spec, plan, counted, 1, asked, weights, tier=tier)
        request.setdefault("aggs", {})[bodies.STRICT_COUNT] = bodies.strict_count(
            spec, plan, counted, minimum
        )
        return key, retry, request, broad

    def _known(self, spec: IndexSpec, alias: str, plan, groups, *, search: bool = True):
        """How many documents hold each word group, and (``search``) the search needing most
        of them, in one ``_msearch``: groups not remembered are counted beside the search,
        which assumes them known; ``(documents per group, the groups the search counted, its
        response, the weights it was sent with, ``(key, retry)``: the search's key and the
        retry sent in its place (see :meth:`_search`))`` (``None`` without ``search``, the
        response and ``(key, retry)`` ``None`` when no group is known, the weights ``None``
        when a count was not known).

        A word no document holds must not count among the words that must match (the
        embedded engine does the same): with it, 台风 海啸 火山 would need two words where
        one is all the index can match. How many hold a word is how specific it is.
        """
        now = time.monotonic()
        known: list[int | None] = []
        for n, group in enumerate(groups):
            key = (alias, len(spec.text_fields), group.alternatives, n < bodies.MAX_FUZZY_CHUNKS)
            remembered = self._known_groups.get(key)
            known.append(remembered[0] if remembered and remembered[1] > now else None)
        unsure = [n for n, k in enumerate(known) if k is None]
        size = self._sizes.get(alias)
        sized = size is not None and size[1] > now
        requests, counted, weights, ahead, broad = [], None, None, None, False
        if search:
            counted = [g for g, k in zip(groups, known, strict=True) if k != 0]
            counted = self._as_one(spec, alias, counted)
            minimum = analysis.required(len(counted))
            if not unsure and sized:
                weights = self._weights(
                    alias, [(g, k) for g, k in zip(groups, known, strict=True) if k]
                )
            if counted:
                body = bodies.search_body(spec, plan, counted, minimum, groups, weights)
                key, retry, body, broad = self._ahead(
                    spec, alias, plan, counted, minimum, groups, weights, body
                )
                ahead = (key, retry)
                if not unsure and sized and minimum == 1:
                    broad = max(k for k in known if k) >= BROAD
                # A broad search (数据): its facets count much of the index, the same for
                # every search of it, so they go apart where the request cache keeps them.
                broad = broad and bool(body.get("aggs"))
                requests += _split(body) if broad else [body]
        requests += [bodies.probe_body(spec, groups[n], n) for n in unsure]
        if not sized:
            requests.append(bodies.count_body())
        responses = self._msearch(alias, requests) if requests else []
        if broad:
            responses[:2] = [_joined(*responses[:2])]
        if len(self._known_groups) > KNOWN_HELD:
            self._forget_words()
        searched = bool(search and counted)
        if not sized:
            total = responses.pop()["hits"]["total"]["value"]
            self._sizes[alias] = (total, now + KNOWN_SECONDS)
        for n, probe in zip(unsure, responses[1 if searched else 0 :], strict=True):
            known[n] = probe["hits"]["total"]["value"]
            key = (
                alias,
                len(spec.text_fields),
                groups[n].alternatives,
                n < bodies.MAX_FUZZY_CHUNKS,
            )
            self._known_groups[key] = (known[n], now + KNOWN_SECONDS)
            if len(groups[n].alternatives) > 1:
                for k, term in enumerate(bodies.group_terms(groups[n])):
                    found = probe["aggregations"][bodies.TERMS][bodies.TERM.format(k)]["doc_count"]
                    self._terms[(alias, len(spec.text_fields), term)] = found
        response = responses[0] if searched else None
        return [k or 0 for k in known], counted, response, weights, ahead

    def _forget_words(self) -> None:
        """Forget how many documents hold each word (a write may have changed it)."""
        self._known_groups.clear()
        self._terms.clear()
        self._leads.clear()
        self._completed.clear()
        self._held_words.clear()

    def _as_one(self, spec: IndexSpec, alias: str, groups) -> list[analysis.Group]:
        """``groups`` with the scales that keep each alternative from weighing more than the
        word itself (:func:`search.analysis.as_one_word`), where their terms' counts are
        known (the probes count them)."""
        size = self._sizes.get(alias, (0, 0.0))[0]
        out = []
        for group in groups:
            counts = [
                [self._terms.get((alias, len(spec.text_fields), t)) for t in alternative]
                for alternative in group.alternatives
            ]
            if size and len(counts) > 1 and all(n is not None for c in counts for n in c):
                apart = [[analysis.idf(size, n) for n in c] for c in counts]
                group = dataclasses.replace(group, scales=analysis.as_one_word(apart))
            out.append(group)
        return out

    def _weights(self, alias: str, counted: list[tuple[analysis.Group, int]]) -> list[float]:
        """Each word group's weight (:func:`search.analysis.weight`), from how many documents
        hold it."""
        size = max(self._sizes.get(alias, (0, 0.0))[0], *(n for _, n in counted), 1)
        return [analysis.group_weight(group, size, n) for group, n in counted]

    def _msearch(self, alias: str, bodies_: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches of ``alias`` in one round trip; an error in any raises."""
        lines: list[dict[str, Any]] = []
        for body in bodies_:
            lines += [{}, body]
        responses = self._call("msearch", index=alias, body=lines)["responses"]
        for response in responses:
            if "error" in response:
                error = response["error"]
                if "index_not_found" in str(error):
                    raise IndexMissing(f"no index {alias!r}: {error}")
                kind = _TooManyClauses if _too_many_clauses(error) else EngineError
                raise kind(f"{self.driver.distribution} msearch: {error}")
        return responses

    def _results(
        self, plan, response, engine_ms, started, relaxed=False, corrected=None, strict=None,
        kept=frozenset(),
    ):  # fmt: skip
        scored = plan.sort is None and bool(plan.text)
        hits = [
            Hit(
                hit["_id"],
                hit.get("_score") if scored else None,
                hit["_source"],
                {name: frags[0] for name, frags in hit.get("highlight", {}).items() if frags},
            )
            for hit in response["hits"]["hits"]
        ]
        facets = _facets(plan, response.get("aggregations", {}))
        total = response["hits"]["total"]
        return Results(
            total=total["value"],
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=plan.page,
            per_page=plan.per_page,
            total_exact=total["relation"] == "eq",
            engine_ms=engine_ms,
            # A retry that found nothing either did not find "some of the words".
            relaxed=relaxed and total["value"] > 0,
            did_you_mean=corrected or _did_you_mean(plan.text, response.get("suggest", {}), kept),
            strict_total=strict,
        )

    def _homophones(self, alias: str, text: str, groups: list[analysis.Group]):
        """Chinese words the index lacks replaced by indexed words that sound the same
        (气像 → 气象; 博物官, split by jieba, → 博物馆): ``(groups, corrected text)``, or
        ``(groups, None)`` when nothing was replaced. Common words are left as typed
        (:func:`search.analysis.respellable`). One aggregation request."""
        candidates = []  # (start, width, word)
        for i, group in enumerate(groups):
            if _cjk(group.text) and len(group.text) > 1 and analysis.respellable(group.text):
                candidates.append((i, 1, group.text))
            following = groups[i + 1].text if i + 1 < len(groups) else ""
            joined = group.text + following
            if (
                _cjk(group.text)
                and _cjk(following)
                and len(following) == 1
                and analysis.respellable(joined)
            ):
                candidates.append((i, 2, joined))
        if not candidates:
            return groups, None
        keys = sorted({bodies.sound_key(word) for _, _, word in candidates})
        response = self._call("search", index=alias, body=bodies.sounds_body(keys))
        alike: dict[str, dict[str, int]] = {}
        present = set()
        for bucket in response["aggregations"]["words"]["buckets"]:
            length, spoken, word = bucket["key"].split("|", 2)
            present.add(word)
            alike.setdefault(f"{length}|{spoken}|", {})[word] = bucket["doc_count"]
        out, fixes, skip = [], {}, set()
        replace = {}
        for start, width, word in candidates:
            if word in present or start in skip:
                continue
            found = analysis.closest_sounding(word, alike.get(bodies.sound_key(word), {}))
            if found:
                replace[start] = (width, found)
                fixes[word] = found
                skip.update(range(start, start + width))
        i = 0
        while i < len(groups):
            if i in replace:
                width, word = replace[i]
                out.append(analysis.Group(word, ((word,),), groups[i].purpose))
                i += width
            else:
                out.append(groups[i])
                i += 1
        if not fixes:
            return groups, None
        corrected = analysis.fold(text)
        for wrong, right in fixes.items():
            corrected = corrected.replace(wrong, right)
        return out, corrected

    def suggest(
        self, spec: IndexSpec, prefix: str, limit: int = 8, *, synonyms: Any = None
    ) -> list[Suggestion]:
        """Keywords and synonym terms starting with the typed text, then titles whose words
        start with the typed words, in one round trip (:mod:`search.suggestions`)."""
        limit = bounded(limit, MAX_SUGGESTIONS)
        prefix = analysis.fold(clean_text(prefix)[:100])
        if not any(ch.isalnum() for ch in prefix):
            return []
        start = suggestions.word_prefix(prefix)
        alias = self._alias(spec)
        candidates = suggestions.synonym_candidates(synonyms, start)
        # Which document a group leads to (None: none) is remembered like which words are
        # known, and forgotten on any write through this engine.
        now, leads = time.monotonic(), {}
        for term, alternatives in candidates:
            kept = self._leads.get((alias, alternatives))
            if kept is not None and kept[2] > now:
                leads[term] = kept[:2]
        unsure = [(term, alternatives) for term, alternatives in candidates if term not in leads]
        requests = [bodies.suggest_body(spec, prefix, limit * 3)]
        if start and spec.suggest_words:
            requests.append(bodies.words_body(spec, start, WORD_DOCUMENTS))
        requests += [bodies.leading_body(spec, alternatives) for _, alternatives in unsure]
        titles, *rest = self._msearch(alias, requests)
        holding = rest.pop(0) if start and spec.suggest_words else _NOTHING
        probes = rest
        if len(self._leads) > KNOWN_HELD:
            self._leads.clear()
        for (term, alternatives), probe in zip(unsure, probes, strict=True):
            hits = probe["hits"]["hits"]
            leads[term] = (hits[0]["_id"] if hits else None, probe["hits"]["total"]["value"])
            self._leads[(alias, alternatives)] = (*leads[term], now + KNOWN_SECONDS)
        rows = [(hit["_id"], hit["_source"]) for hit in titles["hits"]["hits"]]
        # Counted over the documents read (the first WORD_DOCUMENTS holding one by id).
        held: dict[tuple[str, str], list] = {}
        for hit in holding["hits"]["hits"]:
            for f in spec.suggest_words:
                values = hit["_source"].get(f.name) or []
                for value in [values] if isinstance(values, str) else values:
                    held.setdefault((f.name, value), [0, hit["_id"]])[0] += 1
        found = suggestions.Words((f, v, n, doc) for (f, v), (n, doc) in held.items())
        words = [
            (Suggestion(value, doc, field, "keyword"), n)
            for field, value, n, doc in found.starting(start, limit)
        ]
        words += [
            (Suggestion(term, leads[term][0], suggestions.SYNONYM, "synonym"), leads[term][1])
            for term, _ in candidates
            if leads[term][0] is not None
        ]
        offered = pick_suggestions(spec.suggest_fields, prefix, rows, limit)
        return suggestions.offered(offered, suggestions.by_reach(words), limit)

    def similar(self, spec: IndexSpec, doc_id: str, limit: int = 10) -> list[Hit]:
        """``more_like_this`` on the document's text; the document itself is excluded."""
        limit = bounded(limit, MAX_SIMILAR)
        if self.get(spec, doc_id) is None:
            return []
        alias = self._alias(spec)
        body = bodies.similar_body(spec, alias, doc_id, limit)
        hits = self._call("search", index=alias, body=body)["hits"]["hits"]
        return [Hit(h["_id"], h.get("_score"), h["_source"]) for h in hits if h["_id"] != doc_id]


class _TooManyClauses(EngineError):
    """The engine refused a query of more clauses than it takes (``maxClauseCount``)."""


def _too_many_clauses(error: Any) -> bool:
    """Whether the engine refused a query for its number of clauses: named by type when the
    refusal comes as a 400 (refused while parsing), or only in words inside a failed search
    phase (a 500, refused by every shard)."""
    text = str(error).lower()
    signs = (
        "too_many_nested_clauses",
        "too_many_clauses",
        "too many nested clauses",
        "maxclausecount",
    )
    return any(sign in text for sign in signs)


def _fewer_synonyms(groups: list[analysis.Group]) -> list[list[analysis.Group]]:
    """``groups`` as asked, then with three alternatives a word, then the words alone (each
    group's first alternative is the word as typed): what to ask when the engine refuses a
    query of too many clauses."""
    return [groups] + [
        [
            dataclasses.replace(g, alternatives=g.alternatives[:keep], scales=g.scales[:keep])
            for g in groups
        ]
        for keep in (3, 1)
    ]


def _add(a: BulkResult, b: BulkResult) -> BulkResult:
    return BulkResult(created=a.created + b.created, updated=a.updated + b.updated)


def _facets(plan, aggregations: dict[str, Any]) -> dict[str, list[tuple[Any, int]]]:
    facets: dict[str, list[tuple[Any, int]]] = {}
    for f in plan.term_facets:
        buckets = aggregations.get(f.name, {}).get("buckets", [])
        if f.kind == "boolean":
            facets[f.name] = [(bool(b["key"]), b["doc_count"]) for b in buckets]
        else:
            facets[f.name] = [(b["key"], b["doc_count"]) for b in buckets]
    for rf in plan.range_facets:
        buckets = aggregations.get(rf.field, {}).get("buckets", {})
        counts = {k: b["doc_count"] for k, b in buckets.items()}
        facets[rf.field] = [(key, counts.get(key, 0)) for key in rf.labels()]
    return facets


def _split(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A search with facets as two: the page without counting every hit, and the count and
    facets with ``size`` 0, which the node's shard request cache keeps until the index next
    changes (it caches only requests of ``size`` 0)."""
    aggs = body.pop("aggs")
    counted = {"size": 0, "track_total_hits": True, "query": body["query"], "aggs": aggs}
    return [{**body, "track_total_hits": False}, counted]


def _joined(page: dict[str, Any], counted: dict[str, Any]) -> dict[str, Any]:
    """The response of the search :func:`_split` split, from those of its two halves."""
    return {
        **page,
        "took": max(page.get("took", 0), counted.get("took", 0)),
        "hits": {**page["hits"], "total": counted["hits"]["total"]},
        "aggregations": counted.get("aggregations", {}),
    }


def _retry_key(alias: str, body: dict[str, Any]) -> tuple[str, str]:
    return alias, json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)


def _not_typos(groups: list[analysis.Group], completed: analysis.Group | None) -> frozenset:
    """The query's words the suggester must not correct: words of the synonym list (stock,
    which the index may lack while its synonyms 股票 and equities find listings) and the
    ``completed`` word, read as the start of indexed words."""
    kept = {g.text for g in groups if len(g.alternatives) > 1}
    return frozenset(kept | ({completed.text} if completed else set()))


def _did_you_mean(text: str, suggest: dict[str, Any], kept: frozenset = frozenset()) -> str | None:
    """The query with each English word no document holds replaced by the suggester's best
    (not the words ``kept``: see :func:`_not_typos` and :meth:`OpenSearchEngine._held`)."""
    fixes = {}
    for word, fix in _spelling_fixes(suggest).items():
        if word not in kept:
            fixes[word] = fix
    return analysis.corrected(text, fixes)


def _spelling_fixes(suggest: dict[str, Any]) -> dict[str, str]:
    """``{word: the suggester's best}`` for each English word the suggesters would replace."""
    return {
        entry["text"]: entry["options"][0]["text"]
        for name in (bodies.SPELLING_SUGGESTER, bodies.SHORT_SUGGESTER)
        for entry in suggest.get(name, ())
        if entry.get("options")
    }


def _maybe_typos(groups: list[analysis.Group], known: list[bool], total: int) -> bool:
    """Whether a Chinese word may be mistyped: no document holds it, or nothing matched and
    a word is followed by a lone character (jieba splits an unknown word: 博物官 → 博物 / 官)."""
    for n, (group, holds) in enumerate(zip(groups, known, strict=True)):
        if not _cjk(group.text):
            continue
        if not holds and len(group.text) > 1:
            return True
        following = groups[n + 1].text if n + 1 < len(groups) else ""
        if not total and _cjk(following) and len(following) == 1:
            return True
    return False


def _half_typed(group: analysis.Group) -> bool:
    """Whether ``group`` is one English word of three letters or more, as the start of one."""
    word = group.alternatives[0]
    return len(word) == 1 and word[0].isascii() and word[0].isalpha() and len(word[0]) >= 3


def _cjk(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" for ch in text)
