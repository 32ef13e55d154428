"""Valuation benchmark: data-quality profiling time and peak memory, and report PDF time.

    .venv/bin/python bench/valuation.py [--rows N] [--runs N] [--large-mb MB] [--large-runs N]
        [--large-encoding gbk|utf-8] [--budget 512MB] [--limit 384MB] [--threads 2]
        [--xlsx-rows N | --xlsx-file PATH] [--xlsx-readers auto,openpyxl] [--pdf-runs N]
        [--pdf-only]

1. Profiles a generated CSV of ``--rows`` rows (default 1,000,000; planted missing values,
   bad numbers and duplicates) against a declared schema within a process memory budget
   (``--budget``, as SHUJIAO_PROFILE_MEMORY_LIMIT; ``--limit`` caps DuckDB's share), each run
   in a fresh process so its peak RSS is its own; prints the median time and the highest
   peak RSS.
2. With ``--large-mb``, a file bigger than the memory limit (GBK-encoded by default, so
   transcoding is included; ``--large-encoding utf-8`` for one DuckDB reads directly),
   ``--large-runs`` times: median throughput in MB/s of wall and of CPU time.
3. With ``--xlsx-rows`` (or ``--xlsx-file``), a workbook of the CSV's rows, read as the app
   reads it (``auto``: python-calamine for a sheet it can hold) and by openpyxl alone.
4. Renders a final demo report to PDF with WeasyPrint ``--pdf-runs`` times; prints the median.

Each profile is printed beside same-run anchors: DuckDB alone scanning the same rows
(``count(*)`` over ``read_csv``, UTF-8) and, for the GBK file, ``iconv`` alone transcoding it
(piped to ``wc -c``); the load average is printed before and after.

Prints figures; never asserts timings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "station", "type": "string"},
        {"name": "district", "type": "string", "values": ["福田", "南山", "罗湖", "宝安"]},
        {"name": "amount", "type": "number", "minimum": "0"},
        {"name": "day", "type": "date"},
    ],
    "key": ["id"],
    "timestamp_field": "day",
    "update_frequency_days": 1,
}
DISTRICTS = ["福田", "南山", "罗湖", "宝安"]


def write_csv(path: Path, rows: int, encoding: str = "utf-8") -> int:
    """A CSV of ``rows`` rows with a few planted defects; returns its size in bytes."""
    rng = random.Random(15)
    start = datetime(2026, 1, 1)
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write("id,station,district,amount,day\n")
        batch = []
        for i in range(rows):
            amount = (
                "" if i % 997 == 0 else ("n/a" if i % 1999 == 0 else f"{rng.random() * 900:.2f}")
            )
            day = (start + timedelta(days=i % 300)).date().isoformat()
            row = f"{i if i % 5003 else i - 1},站点{i % 4000},{DISTRICTS[i % 4]},{amount},{day}\n"
            batch.append(row)
            if len(batch) == 10000:
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))
    return path.stat().st_size


CHILD = """
import json, resource, shlex, subprocess, sys, time
from datetime import UTC, datetime
from pathlib import Path
from market.valuation import profiling, sheets
path, schema, budget = Path(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
threads, limit, file_format = int(sys.argv[4]), sys.argv[5] or None, sys.argv[6]
if sys.argv[7] == "openpyxl":
    sheets.CELLS_IN_MEMORY = 0
started, cpu, timings = time.perf_counter(), time.process_time(), {}
result = profiling.profile_file(
    path, file_format, profiling.schema_from_dict(schema), now=datetime.now(UTC), documented=True,
    memory_budget=budget, memory_limit=limit, work_dir=path.parent, timings=timings,
    threads=threads,
)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
# The anchors: iconv alone transcoding a GBK file, and DuckDB alone scanning the UTF-8 rows.
scanned, transcoding = path, None
if file_format == "xlsx":
    scanned = path.with_name("anchor.csv")
    sheets.xlsx_to_csv(path, scanned)
elif result.encoding != "utf-8":
    scanned = path.with_name("anchor-utf8.csv")
    command = ["iconv", "-f", result.encoding.upper(), "-t", "UTF-8", str(path)]
    transcoding = time.perf_counter()
    subprocess.run(" ".join(map(shlex.quote, command)) + " | wc -c", shell=True, check=True,
                   capture_output=True)
    transcoding = time.perf_counter() - transcoding
    with scanned.open("wb") as target:
        subprocess.run(command, check=True, stdout=target)
import duckdb
connection = duckdb.connect(":memory:")
connection.execute(f"SET memory_limit = '{timings['memory limit MiB']:.0f}MiB'")
connection.execute(f"SET threads = {threads}")
connection.execute("SET enable_progress_bar = false")  # it writes to stdout
anchor = time.perf_counter()
connection.execute(
    "SELECT count(*) FROM read_csv(?, header=true, all_varchar=true)", [str(scanned)]
).fetchall()
anchor = time.perf_counter() - anchor
connection.close()
if scanned != path:
    scanned.unlink()
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak": peak, "rows": result.rows,
                  "encoding": result.encoding, "phases": timings, "anchor": anchor,
                  "transcoding": transcoding}))
"""


def profile_in_child(
    path: Path, budget: str, limit: str | None, threads: int, xlsx_reader: str = "auto"
) -> dict:
    """Profile ``path`` in a fresh interpreter; its time, its own peak RSS and its phases."""
    file_format = "xlsx" if path.suffix == ".xlsx" else "csv"
    arguments = [str(path), json.dumps(SCHEMA), budget, str(threads), limit or ""]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *arguments, file_format, xlsx_reader],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode:
        sys.exit(f"profiling {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def phases(results: list[dict]) -> str:
    """Median wall (and CPU) seconds per profiling phase."""
    names = [name for name in results[0]["phases"] if not name.endswith((" cpu", " MiB"))]
    return ", ".join(
        f"{name} {statistics.median(r['phases'][name] for r in results):.2f}"
        f" ({statistics.median(r['phases'][name + ' cpu'] for r in results):.2f} CPU)"
        for name in names
    )


def bench_profile(args: argparse.Namespace) -> None:
    budget, cap, threads = args.budget, args.limit, args.threads
    with tempfile.TemporaryDirectory(prefix="bench-valuation-") as scratch:
        if args.rows:
            path = Path(scratch) / "data.csv"
            size = write_csv(path, args.rows)
            runs = [profile_in_child(path, budget, cap, threads) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            peak = max(r["peak"] for r in runs)
            print(
                f"profile {args.rows:,} rows ({size / 2**20:.0f} MiB CSV, budget {budget}, "
                f"{limits(runs)}): median {seconds:.2f} s ({cpu:.2f} s CPU) over "
                f"{args.runs} runs, peak RSS {peak / 2**20:.0f} MiB, "
                f"{size / 2**20 / seconds:.0f} MB/s"
            )
            print(f"  phases, median s: {phases(runs)}")
            anchor = statistics.median(r["anchor"] for r in runs)
            print(
                f"  anchor, DuckDB scanning the file alone: median {size / 2**20 / anchor:.0f} "
                f"MB/s; profile / anchor {anchor / seconds:.2f}"
            )
            path.unlink()
        if args.large_mb or args.large_file:
            large = args.large_file or Path(scratch) / "large.csv"
            if not args.large_file:
                # About 37.7 bytes a row in UTF-8; GBK's Chinese is shorter.
                factor = 1.35 if args.large_encoding == "gbk" else 1.0
                write_csv(large, int(args.large_mb * 2**20 / 37.7 * factor), args.large_encoding)
            big = large.stat().st_size
            runs = [profile_in_child(large, budget, cap, threads) for _ in range(args.large_runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            peak = max(r["peak"] for r in runs)
            print(
                f"profile {runs[0]['rows']:,} rows ({big / 2**20:.0f} MiB CSV, encoding "
                f"{runs[0]['encoding']}, budget {budget}, {limits(runs)}): median {seconds:.1f} s "
                f"({cpu:.1f} s CPU) over {args.large_runs} runs, "
                f"{big / 2**20 / seconds:.0f} MB/s ({big / 2**20 / cpu:.0f} MB/s of CPU), "
                f"peak RSS {peak / 2**20:.0f} MiB (runs: "
                f"{', '.join(str(round(r['peak'] / 2**20)) for r in runs)})"
            )
            print(f"  phases, median s: {phases(runs)}")
            anchor = statistics.median(r["anchor"] for r in runs)
            print(
                f"  anchor, DuckDB scanning its UTF-8 rows alone: median {big / 2**20 / anchor:.0f}"
                f" MB/s; profile / anchor {anchor / seconds:.2f}"
            )
            if runs[0]["transcoding"] is not None:
                transcoding = statistics.median(r["transcoding"] for r in runs)
                print(
                    f"  anchor, iconv | wc -c alone: median {big / 2**20 / transcoding:.0f} MB/s;"
                    f" profile / anchor {transcoding / seconds:.2f}"
                )
            print(f"  load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def write_xlsx(path: Path, rows: int) -> None:
    """The CSV's rows as a workbook (numbers and dates typed, as a spreadsheet holds them)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["id", "station", "district", "amount", "day"])
    rng, start = random.Random(15), datetime(2026, 1, 1)
    for i in range(rows):
        amount = "" if i % 997 == 0 else "n/a" if i % 1999 == 0 else round(rng.random() * 900, 2)
        day = (start + timedelta(days=i % 300)).date()
        sheet.append([i if i % 5003 else i - 1, f"站点{i % 4000}", DISTRICTS[i % 4], amount, day])
    workbook.save(path)


def bench_xlsx(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as scratch:
        path = args.xlsx_file
        if path is None:
            path = Path(scratch) / "data.xlsx"
            write_xlsx(path, args.xlsx_rows)
        for reader in args.xlsx_readers.split(","):
            runs = [
                profile_in_child(path, args.budget, args.limit, args.threads, reader)
                for _ in range(args.runs)
            ]
            print(
                f"profile XLSX {runs[0]['rows']:,} rows ({path.stat().st_size / 2**20:.1f} MiB, "
                f"reader {reader}): median {statistics.median(r['seconds'] for r in runs):.2f} s "
                f"({statistics.median(r['cpu'] for r in runs):.2f} s CPU) over {args.runs} runs, "
                f"peak RSS {max(r['peak'] for r in runs) / 2**20:.0f} MiB"
            )
            print(f"  phases, median s: {phases(runs)}")
            print(f"  load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def limits(runs: list[dict]) -> str:
    """DuckDB's memory limit in the runs (derived from the budget, so it varies a little)."""
    low, high = (f(round(r["phases"]["memory limit MiB"]) for r in runs) for f in (min, max))
    return f"DuckDB limit {low} MiB" if low == high else f"DuckDB limit {low}-{high} MiB"


def bench_pdf(runs: int) -> None:
    from flask import render_template

    from market import migrate
    from market.app import create_app
    from market.demo import valuation as demo
    from market.identity import services as identity
    from market.identity.models import StaffRole
    from market.registry import assets
    from market.registry.assets import Upload
    from market.registry.models import AssetKind, Industry
    from market.valuation import pages, pdf

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as scratch:
        url = f"sqlite:///{scratch}/bench.db"
        migrate.upgrade(url)
        app = create_app(
            {
                "ENV": "demo",
                "SECRET_KEY": os.urandom(16).hex(),
                "DATABASE_URL": url,
                "INSTANCE_PATH": scratch,
                "FILES_PATH": f"{scratch}/files",
            }
        )
        with app.extensions["db"].unit_of_work() as session:
            now = datetime.now(UTC)
            appraiser = identity.register_user(
                session,
                demo.APPRAISER_EMAIL,
                "评估师 王芳",
                "bench password 1",
                "zh",
                verified=True,
            )
            identity.grant_staff_role(session, appraiser, StaffRole.APPRAISER)
            owner = identity.register_user(
                session, "p@bench.example", "Provider", "pw pw pw pw", "zh", verified=True
            )
            organisation = identity.create_organisation(
                session, owner, {"name_zh": "基准测试公司", "name_en": "Bench Ltd", "jurisdiction": "HK",
                                 "registration_number": "12345678"},
            )  # fmt: skip
            asset = assets.create_asset(
                session,
                organisation.id,
                owner,
                {"kind": AssetKind.DATASET, "title_zh": "深圳公交站点客流", "title_en": "Bus stops",
                 "industry": Industry.TRANSPORT, "keywords": [], "description_zh": "客流"},
            )  # fmt: skip
            sample = Path(scratch) / "sample.csv"
            write_csv(sample, 5000)
            with sample.open("rb") as handle:
                assets.add_version(
                    session, app.extensions["files"], asset, owner,
                    [Upload("stations.csv", handle)], 2**30, now,
                )  # fmt: skip
            report = demo.appraise(session, app.extensions["files"], asset, owner, 5_000_000, now)
            timings, cpu_timings = [], []
            with app.test_request_context(f"/valuations/{report.id}/report.pdf"):
                for _ in range(runs):
                    started, cpu = time.perf_counter(), time.process_time()
                    html = render_template(
                        "valuation/report_print.html",
                        report=report,
                        charts=pages.report_charts(report),
                        verified=True,
                    )
                    body = pdf.render(html)
                    timings.append(time.perf_counter() - started)
                    cpu_timings.append(time.process_time() - cpu)
            print(
                f"report PDF: median {statistics.median(timings):.2f} s "
                f"({statistics.median(cpu_timings):.2f} s CPU) over {runs} runs "
                f"({len(body) / 1024:.0f} KB)"
            )
        app.extensions["db"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pdf-only", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=0, help="also profile a file this big")
    parser.add_argument("--large-runs", type=int, default=3)
    parser.add_argument("--large-encoding", default="gbk", choices=["gbk", "utf-8"])
    parser.add_argument("--large-file", type=Path, help="profile this CSV instead of a new one")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="profile a workbook this long")
    parser.add_argument("--xlsx-file", type=Path, help="profile this workbook")
    parser.add_argument("--xlsx-readers", default="auto,openpyxl", help="auto: as the app")
    parser.add_argument("--budget", default="512MB", help="as SHUJIAO_PROFILE_MEMORY_LIMIT")
    parser.add_argument("--limit", default=None, help="cap on DuckDB's memory limit")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the app: 2)")
    parser.add_argument("--pdf-runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"peak RSS of this process before: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )
    if not args.pdf_only:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        bench_profile(args)
        if args.xlsx_rows or args.xlsx_file:
            bench_xlsx(args)
    if args.pdf_runs:
        bench_pdf(args.pdf_runs)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
