"""Large-file benchmark on the SeaweedFS node: a resumable upload through the API (presigned
parts, one connection dropped midway and resumed), the worker's streamed fingerprint, and a
range-resumed download — next to boto3 alone doing the same transfers in the same run.

    .venv/bin/python bench/files.py [--size 2GiB] [--part-size 64MiB] [--concurrency 4]

The web app runs as a real HTTP server in a child process and the worker in another, so their
peak memory (VmHWM, ru_maxrss) is theirs alone. Needs `tools/services.py up seaweedfs`.
Prints throughputs (MB/s, 10^6 bytes) and memory; never asserts.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import http.client
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boto3.s3.transfer import TransferConfig  # noqa: E402

from market import migrate, worker  # noqa: E402
from market.app import create_app  # noqa: E402
from market.objectstore import S3FileStore  # noqa: E402
from market.registry.models import AssetVersion  # noqa: E402

MiB = 1024 * 1024
CHUNK = MiB


def services_env() -> dict[str, str]:
    """``.services/env`` under the environment (the environment wins)."""
    values: dict[str, str] = {}
    env = ROOT / ".services" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    values.update({k: v for k, v in os.environ.items() if k.startswith("SHUJIAO_TEST_")})
    return values


def parse_size(text: str) -> int:
    """``2GiB``, ``512MiB`` or a number of bytes."""
    units = {"kib": 1024, "mib": MiB, "gib": 1024 * MiB}
    lowered = text.strip().lower()
    for unit, factor in units.items():
        if lowered.endswith(unit):
            return int(float(lowered[: -len(unit)]) * factor)
    return int(lowered)


def mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def generated_file(size: int) -> Path:
    """A CSV-typed text file of ``size`` bytes (random hex rows), cached in /tmp per size."""
    path = Path(tempfile.gettempdir()) / f"shujiao-bench-{size}.csv"
    if path.exists() and path.stat().st_size == size:
        return path
    block = b"id,value\n" + os.urandom(MiB // 2).hex().encode()
    with open(path.with_suffix(".tmp"), "wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            written += len(piece)
    path.with_suffix(".tmp").replace(path)
    return path


def stream_sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


# --- child processes -------------------------------------------------------------------------


def serve(config_path: str, port: int) -> None:
    """The web app as a threaded HTTP server (the child process)."""
    from werkzeug.serving import make_server  # noqa: PLC0415 - only the child needs it

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = create_app(json.loads(Path(config_path).read_text()))
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def work(config_path: str) -> None:
    """The worker until the outbox is empty; prints its time and peak memory (the child)."""
    app = create_app(json.loads(Path(config_path).read_text()))
    started = time.perf_counter()
    while worker.run_once(app):
        pass
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib}))


def peak_rss_mib(pid: int) -> float:
    """VmHWM (peak resident set) of a running process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the run -----------------------------------------------------------------------------------


class Api:
    """A bearer-token JSON client of the served app."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")


def put_part(url: str, path: Path, offset: int, size: int, cut_at: int | None = None) -> int:
    """PUT ``size`` bytes of ``path`` from ``offset``, streamed; ``cut_at`` drops the
    connection after that many bytes (as a broken network would)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.putrequest("PUT", target, skip_accept_encoding=True)
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    sent = 0
    with open(path, "rb") as source:
        source.seek(offset)
        while sent < size:
            chunk = source.read(min(CHUNK, size - sent))
            if cut_at is not None and sent + len(chunk) >= cut_at:
                connection.send(chunk[: cut_at - sent])
                connection.sock.close()
                return 0
            connection.send(chunk)
            sent += len(chunk)
    status = connection.getresponse().status
    connection.close()
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="2GiB")
    parser.add_argument("--part-size", default="64MiB")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    size, part_size = parse_size(args.size), parse_size(args.part_size)
    env = services_env()
    if "SHUJIAO_TEST_S3_URL" not in env:
        print("SeaweedFS is not running: `python tools/services.py up seaweedfs`", file=sys.stderr)
        return 1
    s3 = {
        "endpoint_url": env["SHUJIAO_TEST_S3_URL"],
        "access_key_id": env["SHUJIAO_TEST_S3_ACCESS_KEY_ID"],
        "secret_access_key": env["SHUJIAO_TEST_S3_SECRET_ACCESS_KEY"],
    }
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    raw = S3FileStore.from_url(f"s3://{bucket}", **s3)
    raw.client.create_bucket(Bucket=bucket)
    work_dir = Path(tempfile.mkdtemp(prefix="shujiao-bench-files-"))

    print(
        f"file: {size / MiB:.0f} MiB, parts of {part_size / MiB:.0f} MiB, "
        f"{args.concurrency} at a time"
    )
    started = time.perf_counter()
    path = generated_file(size)
    print(f"generate                 {time.perf_counter() - started:8.1f} s")
    started = time.perf_counter()
    local = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    expected = local.stdout.split()[0]
    seconds = time.perf_counter() - started
    print(f"sha256sum (local disk)   {mbps(size, seconds):8.1f} MB/s")

    # --- boto3 alone ------------------------------------------------------------------------
    transfer = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=args.concurrency,
    )
    started = time.perf_counter()
    raw.client.upload_file(str(path), bucket, "raw/object", Config=transfer)
    raw_upload = time.perf_counter() - started
    started = time.perf_counter()
    with raw.client.get_object(Bucket=bucket, Key="raw/object")["Body"] as body:
        raw_hash = stream_sha256(body)
    raw_read = time.perf_counter() - started
    assert raw_hash == expected
    raw.client.delete_object(Bucket=bucket, Key="raw/object")

    # --- the app ------------------------------------------------------------------------------
    database = f"sqlite:///{work_dir / 'bench.sqlite3'}"
    migrate.upgrade(database)
    config = {
        "ENV": "bench",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database,
        "INSTANCE_PATH": str(work_dir / "instance"),
        "SEARCH_URL": f"embedded:///{work_dir / 'search.sqlite3'}",
        "MAIL_SINK": f"file:{work_dir / 'mail'}",
        "FILES_URL": f"s3://{bucket}/files",
        "S3_ENDPOINT_URL": s3["endpoint_url"],
        "S3_ACCESS_KEY_ID": s3["access_key_id"],
        "S3_SECRET_ACCESS_KEY": s3["secret_access_key"],
    }
    config_path = work_dir / "config.json"
    config_path.write_text(json.dumps(config))
    app = create_app(config)
    from tests import factories  # noqa: PLC0415 - the suite's factories arrange the callers

    with app.extensions["db"].unit_of_work() as session:
        owner = factories.user(session)
        organisation = factories.organisation(session, owner)
        client, secret = factories.api_client(
            session, organisation, ["registry:read", "registry:write"]
        )
        client_id = client.client_id
    token = factories.token(app.test_client(), client_id, secret)
    app.extensions["db"].dispose()

    port = int(
        subprocess.check_output(
            [
                sys.executable,
                "-c",
                "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])",
            ]
        )
    )
    server = subprocess.Popen([sys.executable, __file__, "serve", str(config_path), str(port)])
    try:
        api = Api(f"http://127.0.0.1:{port}", token)
        for _ in range(100):
            try:
                status, _ = api.call("GET", "/api/v1/assets")
                break
            except OSError:
                time.sleep(0.2)
        status, asset = api.call(
            "POST",
            "/api/v1/assets",
            {
                "kind": "dataset",
                "title_zh": "基准",
                "title_en": "Bench",
                "industry": "transport",
                "keywords": ["bench"],
            },
        )
        assert status == 201, asset

        started = time.perf_counter()
        status, upload = api.call(
            "POST",
            f"/api/v1/assets/{asset['id']}/uploads",
            {"name": "bench.csv", "size": size, "part_size": part_size},
        )
        assert status == 201, upload
        count = upload["part_count"]
        status, targets = api.call(
            "POST", f"/api/v1/uploads/{upload['id']}/parts", {"parts": list(range(1, count + 1))}
        )
        assert status == 200, targets
        by_number = {t["number"]: t for t in targets}
        dropped = min(2, count)
        # A connection dropped halfway through one part: nothing of it is kept.
        put_part(
            by_number[dropped]["url"],
            path,
            (dropped - 1) * part_size,
            by_number[dropped]["size"],
            cut_at=by_number[dropped]["size"] // 2,
        )

        def send(number: int) -> int:
            target = by_number[number]
            return put_part(target["url"], path, (number - 1) * part_size, target["size"])

        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            others = [n for n in range(1, count + 1) if n != dropped]
            assert all(status == 200 for status in pool.map(send, others))
        _, shown = api.call("GET", f"/api/v1/uploads/{upload['id']}")
        stored = {part["number"] for part in shown["stored_parts"]}
        missing = [n for n in range(1, count + 1) if n not in stored]
        # The resume: ask for fresh URLs for what is missing, send those only.
        status, again = api.call(
            "POST", f"/api/v1/uploads/{upload['id']}/parts", {"parts": missing}
        )
        assert status == 200, again
        for target in again:
            assert (
                put_part(target["url"], path, (target["number"] - 1) * part_size, target["size"])
                == 200
            )
        status, completed = api.call("POST", f"/api/v1/uploads/{upload['id']}/complete")
        assert status == 202, completed
        our_upload = time.perf_counter() - started

        done = subprocess.run(
            [sys.executable, __file__, "work", str(config_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        worker_figures = json.loads(done.stdout.strip().splitlines()[-1])
        _, registered = api.call("GET", f"/api/v1/uploads/{upload['id']}")
        assert registered["state"] == "registered", registered
        assert registered["sha256"] == expected, "fingerprint differs from sha256sum"

        # A download dropped halfway and resumed with a range request, streamed through SHA-256.
        # The presigned URL the app would hand a buyer for the registered file.
        app = create_app(config)
        with app.extensions["db"].unit_of_work() as session:
            version = session.get(AssetVersion, registered["version_id"])
            key = version.files[0].storage_key
        url = app.extensions["files"].download_url(key, "bench.csv", "text/csv", 900)
        app.extensions["db"].dispose()
        digest, half = hashlib.sha256(), size // 2
        started = time.perf_counter()
        for byte_range in (f"bytes=0-{half - 1}", f"bytes={half}-"):
            request = urllib.request.Request(url, headers={"Range": byte_range})
            with urllib.request.urlopen(request, timeout=600) as response:
                assert response.status == 206
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
        download = time.perf_counter() - started
        assert digest.hexdigest() == expected
        web_peak = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait()

    print(f"{'MB/s':24} {'ours':>8}   {'boto3':>8}   ratio")
    print(
        f"upload (parts, resumed)  {mbps(size, our_upload):8.1f}   "
        f"{mbps(size, raw_upload):8.1f}   {raw_upload / our_upload:5.2f}"
    )
    print(
        f"fingerprint (worker)     {mbps(size, worker_figures['seconds']):8.1f}   "
        f"{mbps(size, raw_read):8.1f}   {raw_read / worker_figures['seconds']:5.2f}"
        "   (both: stream + SHA-256; ours is the whole worker job)"
    )
    print(f"ranged download (2 legs) {mbps(size, download):8.1f}")
    print(f"sha256 == sha256sum      yes ({expected[:16]}...)")
    print(
        f"peak memory: web process {web_peak:.0f} MiB, worker "
        f"{worker_figures['peak_kib'] / 1024:.0f} MiB"
    )
    for page in raw.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            raw.client.delete_object(Bucket=bucket, Key=item["Key"])
    raw.client.delete_bucket(Bucket=bucket)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "work":
        work(sys.argv[2])
    else:
        sys.exit(main())
