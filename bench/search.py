"""Listing search benchmark: bulk indexing rate, and search latency through our API next to the
same query sent straight to the engine, on OpenSearch and on the embedded engine.

    .venv/bin/python bench/search.py [--quick] [--opensearch-url URL] [--listings N]
                                     [--engine both|opensearch|embedded] [--keep PATH]
                                     [--overhead]

Documents are generated from the demo catalogue (``market.listings.catalogue``) with varied
places, years, providers and prices, in the exact shape ``market.listings.indexing.document``
produces. The API side runs the real app (``/api/v1/listings/search`` with a bearer token) on
a throwaway SQLite database. After a warm-up (five passes of the mix both ways), each round
times every kind straight to the engine and through the API, interleaved, so the raw engine is
a same-run anchor for the API under the same load. Prints medians and p95 (each kind's and
overall), this process's CPU, the OpenSearch node's CPU per search when the node is the one
``tools/services.py`` started (from ``/proc``), and for the embedded engine the first search
of each kind on a freshly opened engine (cold: nothing of the index in memory yet); never
asserts timings. ``--keep PATH`` keeps the embedded index in
that file and reuses it when it already holds the asked number of listings (indexing 100,000
takes many minutes); with it the OpenSearch index is kept too, as ``bench_kept_listings``.
``--overhead`` measures only the API's own time per search (the request less its engine
calls, wall-clock and CPU) on a small index, 2,000 listings unless ``--listings`` says.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import search  # noqa: E402
from bench.databases import load_average  # noqa: E402
from market import migrate  # noqa: E402
from market.app import create_app  # noqa: E402
from market.demo.catalogue import PLACES, entries, facts  # noqa: E402
from market.listings import discovery, vocabulary  # noqa: E402
from market.listings.indexing import LISTINGS  # noqa: E402

FACETED = {"q": "深圳 交通 数据", "category": ["transport"], "cross_border_allowed": False}
#: What buyers type: a faceted query, words, traditional script, typos, a long request, a
#: single very common word and browsing (empty text, newest first), all with facets.
MIX = [
    FACETED,
    {"q": "深圳 地铁 客流"},
    {"q": "氣象數據 香港"},
    {"q": "wether forcast api"},
    {"q": "我们想要深圳各区的人口热力图数据，最好按小时统计"},
    {"q": "Hourly grid load data for Guangdong to train a load forecasting model"},
    {"q": "数据"},
    {"q": ""},
]


#: Passes over the whole mix, both ways, before anything is timed.
WARM_PASSES = 5


def opensearch_default() -> str | None:
    """SHUJIAO_TEST_OPENSEARCH_URL, or the address in .services/env."""
    url = os.environ.get("SHUJIAO_TEST_OPENSEARCH_URL")
    env = ROOT / ".services" / "env"
    if not url and env.exists():
        for line in env.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            if key.strip() == "SHUJIAO_TEST_OPENSEARCH_URL":
                url = value.strip().strip("'\"")
    return url


def documents(count: int, seed: int = 7):
    """``count`` listing documents derived from the demo catalogue."""
    rng = random.Random(seed)
    base = entries()
    places = list(PLACES.values())
    for number in range(1, count + 1):
        entry = base[number % len(base)]
        zh, en, region = rng.choice(places)
        start = rng.randint(1990, 2022)
        price = rng.randint(1, 500) * 10_000
        topic = entry.topic
        yield {
            "id": str(number),
            "title_zh": topic.title_zh.format(c=zh),
            "title_en": topic.title_en.format(e=en),
            "description_zh": topic.description_zh.format(c=zh) + f"覆盖{start}年至{start + 3}年。",
            "description_en": topic.description_en.format(e=en) + f" Covers {start}-{start + 3}.",
            "keywords_text": " ".join(topic.keywords),
            "tags_text": vocabulary.tags(
                category=topic.industry,
                kind=topic.kind,
                delivery=topic.delivery,
                region=region,
                frequency=None,
                field_schema=facts(topic.key)["field_schema"],
            ),
            "provider_text": f"数据商{number % 500} Provider {number % 500}",
            "keywords": list(topic.keywords),
            "category": topic.industry,
            "asset_kind": topic.kind,
            "pricing_model": [topic.plan],
            "price": price,
            "price_cny": price,
            "currency": ["CNY"],
            "delivery_method": topic.delivery,
            "region": region,
            "coverage_from": start,
            "coverage_to": start + 3,
            "provider": str(number % 500),
            "provider_names": vocabulary.name_forms(f"数据商{number % 500}"),
            "cross_border_allowed": topic.cross_border,
            "certified": True,
            "appraised": number % 3 == 0,
            "published_at": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T08:00:00Z",
            "provider_zh": f"数据商{number % 500}",
            "provider_en": f"Provider {number % 500}",
            "price_currency": "CNY",
        }


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _ms(call) -> float:
    return _timed(call)[0]


def _timed(call) -> tuple[float, float]:
    """Wall-clock and this process's CPU milliseconds of one call."""
    started, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def api_client(workdir: Path, url: str, prefix: str):
    """The real app on a throwaway database, and a bearer token with catalog:read."""
    from tests import factories

    database = f"sqlite:///{workdir / 'bench.sqlite3'}"
    migrate.upgrade(database)
    app = create_app(
        {
            "ENV": "bench",
            "SECRET_KEY": uuid.uuid4().hex,
            "DATABASE_URL": database,
            "INSTANCE_PATH": str(workdir),
            "SEARCH_URL": url,
            "SEARCH_INDEX_PREFIX": prefix,
            "MAIL_SINK": f"file:{workdir / 'mail'}",
        }
    )
    with app.extensions["db"].unit_of_work() as session:
        organisation = factories.organisation(session)
        client, secret = factories.api_client(session, organisation, ["catalog:read"])
        client_id = client.client_id
    raw = app.test_client()
    token = factories.token(raw, client_id, secret, "catalog:read")
    return app, raw, {"Authorization": f"Bearer {token}"}


def run_engine(name: str, url: str, count: int, rounds: int, keep: bool = False) -> None:
    """Index ``count`` documents into a fresh index (or reuse a kept one) and time the mix
    both ways."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    prefix = "bench_kept_" if keep else f"bench_{uuid.uuid4().hex[:6]}_"
    # A loaded machine can take longer than the default 10 s to refresh 100,000 documents.
    options = {"replicas": 0, "timeout": 120} if name == "opensearch" else {}
    engine = search.connect(url, prefix=prefix, **options)
    queries = [
        discovery.build_query({**q, "sort": "relevance", "page": 1, "page_size": 20}) for q in MIX
    ]
    try:
        if keep and _holds(engine, count):
            print(f"{name}: reusing the kept index of {count} listings")
        else:
            started = time.perf_counter()
            result = engine.reindex(LISTINGS, documents(count), batch_size=2000)
            seconds = time.perf_counter() - started
            print(f"{name}: indexed {result.indexed} listings in {seconds:.1f} s "
                  f"({result.indexed / seconds:,.0f} docs/s)")  # fmt: skip
        if name == "embedded":
            print(
                f"  cold: each kind on a freshly opened engine, which first builds the index's bitmaps ({load_average()}):"
            )
            for q, query in zip(MIX, queries, strict=True):
                fresh = search.connect(url, prefix=prefix)
                started = time.perf_counter()
                fresh.search(LISTINGS, query)
                cold = (time.perf_counter() - started) * 1000
                fresh.close()
                print(f"  {cold:8.1f} ms  {q['q'][:40]!r}")
            # The timed rounds below repeat the mix, so its broad words' scores are cached;
            # a query with words not seen yet pays FTS5's bm25() for each of them.
            fresh = search.connect(url, prefix=prefix)
            for text in ("", "粤剧"):  # bitmaps, orders and facets built; no word of the mix
                fresh.search(LISTINGS, discovery.build_query({"q": text, "page_size": 20}))
            print(f"  words not cached yet: each kind once, in order, on one engine ({load_average()}):")  # fmt: skip
            for q, query in zip(MIX, queries, strict=True):
                print(f"  {_ms(lambda query=query: fresh.search(LISTINGS, query)):8.1f} ms  {q['q'][:40]!r}")  # fmt: skip
            fresh.close()
        each = max(5, rounds // len(MIX))
        app, client, headers = api_client(workdir, url, prefix)

        def through_api(params):
            response = client.get("/api/v1/listings/search", query_string=params, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

        calls = [
            (
                lambda query=query: engine.search(LISTINGS, query),
                lambda q=q: through_api(_params(q)),
            )
            for q, query in zip(MIX, queries, strict=True)
        ]
        # A JVM compiles its hot paths over the first few hundred requests, and the first
        # searches of a process fill caches: time neither as query latency.
        started = time.perf_counter()
        for _ in range(WARM_PASSES):
            for direct, api_call in calls:
                direct()
                api_call()
        print(f"  warm-up: {WARM_PASSES} passes of the mix both ways in "
              f"{time.perf_counter() - started:.1f} s ({load_average()})")  # fmt: skip
        raw = {i: [] for i in range(len(MIX))}
        api = {i: [] for i in range(len(MIX))}
        cpu = {"raw": [], "api": []}
        node = node_cpu_seconds(url) if name == "opensearch" else None
        for n in range(each):
            # Interleaved, alternating which goes first, so that both see the same load.
            for i, (direct, api_call) in enumerate(calls):
                pair = (("raw", raw, direct), ("api", api, api_call))
                for kind, into, call in pair if n % 2 == 0 else reversed(pair):
                    wall, used = _timed(call)
                    into[i].append(wall)
                    cpu[kind].append(used)
        node_used = node_cpu_seconds(url) if node is not None else None
        print(
            f"{name}: {len(MIX)} kinds of query with facets, {each} rounds each, engine and API "
            f"interleaved ({load_average()})"
        )
        print("   engine p50 / p95       API p50 / p95        hits  query")
        for i, (q, query) in enumerate(zip(MIX, queries, strict=True)):
            hits = engine.search(LISTINGS, query).total
            print(
                f"  {statistics.median(raw[i]):7.2f} /{percentile(raw[i], 0.95):7.2f} ms "
                f"{statistics.median(api[i]):7.2f} /{percentile(api[i], 0.95):7.2f} ms "
                f"{hits:6}  {q['q'][:40]!r}"
            )
        raw_all = [t for times in raw.values() for t in times]
        api_all = [t for times in api.values() for t in times]
        print(f"  engine direct  p50 {statistics.median(raw_all):7.2f} ms  "
              f"p95 {percentile(raw_all, 0.95):7.2f} ms")  # fmt: skip
        print(f"  through API    p50 {statistics.median(api_all):7.2f} ms  "
              f"p95 {percentile(api_all, 0.95):7.2f} ms")  # fmt: skip
        print(
            f"  API overhead   {statistics.median(api_all) / statistics.median(raw_all):.2f}x "
            f"(median), {percentile(api_all, 0.95) / percentile(raw_all, 0.95):.2f}x (p95)"
        )
        # On a shared machine wall-clock follows the load; the CPU this process spent does not
        # (for OpenSearch it leaves out the node's own work).
        print(f"  CPU of this process: engine p50 {statistics.median(cpu['raw']):.2f} ms "
              f"p95 {percentile(cpu['raw'], 0.95):.2f} ms; API p50 "
              f"{statistics.median(cpu['api']):.2f} ms p95 {percentile(cpu['api'], 0.95):.2f} ms")  # fmt: skip
        if node is not None and node_used is not None:
            searches = 2 * each * len(MIX)
            print(f"  CPU of the OpenSearch node: {(node_used - node) * 1000 / searches:.2f} ms "
                  "a search (mean over the timed rounds, engine and API)")  # fmt: skip
        print(f"  {load_average()}")
        app.extensions["db"].dispose()
    finally:
        if not keep:
            engine.drop_index(LISTINGS)
        engine.close()


def run_overhead(name: str, url: str, count: int, rounds: int) -> None:
    """The API's own time per search on a small index, where the engine's share is small and
    the Python around it is the same work as on a large one: each request's wall-clock and
    this thread's CPU, less those of the engine call(s) it made, medians over the mix."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-overhead-{name}-"))
    prefix = f"bench_{uuid.uuid4().hex[:6]}_"
    options = {"replicas": 0, "timeout": 120} if name == "opensearch" else {}
    engine = search.connect(url, prefix=prefix, **options)
    try:
        engine.reindex(LISTINGS, documents(count), batch_size=2000)
        app, client, headers = api_client(workdir, url, prefix)
        used = app.extensions["search"]
        inside: list[tuple[float, float]] = []
        searching = used.search

        def timed_search(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return searching(*args, **kwargs)
            finally:
                inside.append((time.perf_counter() - started, time.thread_time() - cpu))

        used.search = timed_search  # this app's engine only: the requests below go through it

        def overhead(params) -> tuple[float, float]:
            inside.clear()
            started, cpu = time.perf_counter(), time.thread_time()
            response = client.get("/api/v1/listings/search", query_string=params, headers=headers)
            wall, spent = time.perf_counter() - started, time.thread_time() - cpu
            assert response.status_code == 200, response.get_data(as_text=True)
            return (
                (wall - sum(w for w, _ in inside)) * 1000,
                (spent - sum(c for _, c in inside)) * 1000,
            )

        mix = [_params(q) for q in MIX]
        for _ in range(WARM_PASSES):
            for params in mix:
                overhead(params)
        walls, cpus = [], []
        for _ in range(rounds):
            for params in mix:
                wall, cpu = overhead(params)
                walls.append(wall)
                cpus.append(cpu)
        print(
            f"{name}: the API's own time per search, {count} listings, {rounds} rounds of the "
            f"mix, engine calls subtracted ({load_average()})"
        )
        print(f"  wall-clock p50 {statistics.median(walls):6.2f} ms  p95 {percentile(walls, 0.95):6.2f} ms")  # fmt: skip
        print(f"  CPU        p50 {statistics.median(cpus):6.2f} ms  p95 {percentile(cpus, 0.95):6.2f} ms")  # fmt: skip
        app.extensions["db"].dispose()
    finally:
        engine.drop_index(LISTINGS)
        engine.close()


def node_cpu_seconds(url: str) -> float | None:
    """CPU seconds the OpenSearch node started by ``tools/services.py`` has used, when it is
    the node at ``url`` and runs on this machine (from ``/proc/<pid>/stat``)."""
    state = ROOT / ".services" / "opensearch.json"
    try:
        started = json.loads(state.read_text())
        if started.get("url", "").rstrip("/") != url.rstrip("/"):
            return None
        fields = Path(f"/proc/{started['pid']}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, KeyError):
        return None
    # utime and stime (fields 14 and 15 of stat; the 12th and 13th after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _holds(engine: search.SearchEngine, count: int) -> bool:
    """Whether the kept index holds ``count`` listings and was built from today's spec and
    analysis (a kept index of another analysis version would time yesterday's analysis)."""
    try:
        engine.ensure_index(LISTINGS)
        return engine.count(LISTINGS) == count
    except (search.IndexMissing, search.SpecMismatch):
        return False


def _params(args: dict) -> dict:
    """Search API query-string parameters for one of :data:`MIX`."""
    params = {"q": args["q"]}
    for name, value in args.items():
        if isinstance(value, list):
            params[name] = value
        elif isinstance(value, bool):
            params[name] = str(value).lower()
    return params


def main() -> None:
    """Parse options and run both engines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 listings, fewer rounds")
    parser.add_argument("--opensearch-url", default=opensearch_default())
    parser.add_argument("--listings", type=int, default=None)
    parser.add_argument("--engine", choices=("both", "opensearch", "embedded"), default="both")
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="embedded index file to keep and reuse; OpenSearch keeps bench_kept_listings",
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="only the API's own time per search, on a small index (2,000 listings by default)",
    )
    options = parser.parse_args()
    if options.overhead:
        count, rounds = options.listings or 2_000, 5 if options.quick else 40
        if options.engine != "embedded" and options.opensearch_url:
            run_overhead("opensearch", options.opensearch_url, count, rounds)
        if options.engine != "opensearch":
            directory = tempfile.mkdtemp(prefix="bench-embedded-")
            run_overhead("embedded", f"embedded://{directory}/search.sqlite3", count, rounds)
        return
    count = options.listings or (10_000 if options.quick else 100_000)
    rounds = 30 if options.quick else 200
    if options.engine != "embedded":
        if options.opensearch_url:
            run_engine("opensearch", options.opensearch_url, count, rounds, keep=bool(options.keep))
        else:
            print("opensearch: skipped (no --opensearch-url and no .services/env)")
    if options.engine == "opensearch":
        return
    if options.keep:
        path = Path(options.keep).resolve()
        run_engine("embedded", f"embedded://{path}", count, rounds, keep=True)
        return
    directory = tempfile.mkdtemp(prefix="bench-embedded-")
    run_engine("embedded", f"embedded://{directory}/search.sqlite3", count, rounds)


if __name__ == "__main__":
    main()
