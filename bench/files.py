"""Large-file benchmark on the SeaweedFS node, through the whole exchange: a provider's
resumable upload through the API (presigned parts, one connection dropped midway and resumed),
the worker's streamed fingerprint, the claim, certificate, listing, order and bank payment, and
the buyer's download dropped halfway and resumed with a range — next to boto3 alone doing the
same transfers in the same run, for each file size given (so memory can be compared).

    .venv/bin/python bench/files.py [--sizes 64MiB,2GiB] [--part-size 64MiB]
        [--concurrency 4] [--store s3|local] [--workers 2]

With ``--store local`` the parts go through the API and the app serves the download itself.
The web app runs as production runs it, ``shujiao serve`` (gunicorn), and the worker in a
process of its own, so their memory is theirs alone: the web's resident memory is sampled
every 0.2 s (at rest after its first request, during the upload, the trade and the download),
and each gunicorn worker's peak (VmHWM) is printed; the worker's is its ru_maxrss. Needs `tools/services.py up seaweedfs`.
Prints throughputs (MB/s, 10^6 bytes), memory and the load average; it checks the hashes,
never a timing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import http.client
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boto3.s3.transfer import TransferConfig  # noqa: E402

from market import migrate, worker  # noqa: E402
from market.app import create_app  # noqa: E402
from market.db import utcnow  # noqa: E402
from market.objectstore import S3FileStore  # noqa: E402
from market.registry import certificates  # noqa: E402

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


def serve(config: dict, port: int, workers: int) -> subprocess.Popen:
    """The web app as production runs it: ``shujiao serve`` (gunicorn, threaded workers),
    configured by ``SHUJIAO_*`` variables. Access logs are dropped (a line per request)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHUJIAO_")}
    env |= {f"SHUJIAO_{name}": str(value) for name, value in config.items()}
    shujiao = Path(sys.executable).with_name("shujiao")
    return subprocess.Popen(
        [str(shujiao), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def work(config_path: str) -> None:
    """The worker until the outbox is empty; prints its time and peak memory (the child)."""
    app = create_app(json.loads(Path(config_path).read_text()))
    started = time.perf_counter()
    while worker.run_once(app):
        pass
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib}))


def _status_mib(pid: int, field: str) -> float:
    """A ``/proc/<pid>/status`` memory line (``VmRSS``, ``VmHWM``), MiB; 0 once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class WebMemory:
    """The resident memory of gunicorn's master and workers, sampled every 0.2 s in a thread,
    the highest per phase (``mark`` starts one): the largest process, and all of them."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.phase = "start"
        self.largest: dict[str, float] = {}
        self.total: dict[str, float] = {}
        self.master_rss = 0.0
        self.workers: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.workers = children(self.master)
        self._thread.start()

    def mark(self, phase: str) -> None:
        self.sample()
        self.phase = phase
        self.sample()

    def sample(self) -> None:
        master = _status_mib(self.master, "VmRSS")
        workers = [_status_mib(pid, "VmRSS") for pid in self.workers]
        self.master_rss = max(self.master_rss, master)
        largest = max(workers, default=0.0)
        self.largest[self.phase] = max(self.largest.get(self.phase, 0.0), largest)
        self.total[self.phase] = max(self.total.get(self.phase, 0.0), master + sum(workers))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def stop(self) -> dict:
        """The figures: per phase, and each worker's peak (VmHWM) over the whole run."""
        self.sample()
        self._stop.set()
        self._thread.join()
        return {
            "largest": dict(self.largest),
            "total": dict(self.total),
            "master": self.master_rss,
            "worker_hwm": [_status_mib(pid, "VmHWM") for pid in self.workers],
        }


# --- the run -----------------------------------------------------------------------------------


class Api:
    """A bearer-token JSON client of the served app."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")


def wait_until_serving(api: Api, server: subprocess.Popen, seconds: float = 300) -> None:
    """Until the served app answers (its imports take a while on a loaded machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the web process exited")
        try:
            api.call("GET", "/api/v1/assets")
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the web process did not answer within {seconds:.0f} s")


def put_part(
    url: str,
    path: Path,
    offset: int,
    size: int,
    cut_at: int | None = None,
    headers: dict | None = None,
) -> int:
    """PUT ``size`` bytes of ``path`` from ``offset``, streamed; ``cut_at`` drops the
    connection after that many bytes (as a broken network would)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.putrequest("PUT", target, skip_accept_encoding=True)
    connection.putheader("Content-Length", str(size))
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
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
    response = connection.getresponse()
    status, body = response.status, response.read()
    connection.close()
    if status != 200:
        print(f"part PUT answered {status}: {body[:300]!r}", file=sys.stderr)
    return status


class Parties:
    """The bench's callers: a provider, a buyer, a reviewer and finance, with API tokens."""

    def __init__(self, app) -> None:
        from market.identity.models import MemberRole, Membership, StaffRole  # noqa: PLC0415
        from tests import factories  # noqa: PLC0415 - the suite's factories arrange the callers

        clients = {}
        with app.extensions["db"].unit_of_work() as session:
            provider = factories.organisation(session, factories.user(session))
            buyer = factories.organisation(session, factories.user(session))
            reviewer = factories.user(session, staff=(StaffRole.REVIEWER,), name="Reviewer")
            finance = factories.user(session, staff=(StaffRole.FINANCE,), name="Finance")
            operator = factories.organisation(session, reviewer, is_operator=True)
            operator.memberships.append(Membership(user=finance, role=MemberRole.MEMBER))
            session.flush()
            for name, organisation, scopes, creator in (
                ("provider", provider, PROVIDER_SCOPES, None),
                ("buyer", buyer, BUYER_SCOPES, None),
                ("reviewer", operator, ["review:write"], reviewer),
                ("finance", operator, ["finance:read", "finance:write"], finance),
            ):
                client, secret = factories.api_client(session, organisation, scopes, creator)
                clients[name] = (client.client_id, secret, scopes)
        raw = app.test_client()
        self.tokens = {
            name: factories.token(raw, client_id, secret, " ".join(scopes))
            for name, (client_id, secret, scopes) in clients.items()
        }


PROVIDER_SCOPES = ["registry:read", "registry:write", "catalog:read", "catalog:write"]
BUYER_SCOPES = ["orders:read", "orders:write", "deliveries:read", "catalog:read"]
PDF = b"%PDF-1.7\n% evidence\n"


def evidence_form(boundary: str) -> bytes:
    """A multipart body with one small PDF in the field ``evidence``."""
    return (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="evidence"; filename="licence.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )


def fetch_range(
    url: str, byte_range: str, digest, headers: dict, cut_after: int | None = None
) -> int:
    """GET a range into ``digest``, following a redirect to the object store; ``cut_after``
    drops the connection after that many bytes. The bytes read."""
    request = urllib.request.Request(url, headers={**headers, "Range": byte_range})
    got = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.status == 206, response.status
        while chunk := response.read(CHUNK):
            if cut_after is not None and got + len(chunk) >= cut_after:
                digest.update(chunk[: cut_after - got])
                return cut_after
            digest.update(chunk)
            got += len(chunk)
    return got


class _Redirect(urllib.request.HTTPRedirectHandler):
    """Follow the app's 302 to the object store without the bearer token (the presigned URL
    is its own credential, and a second one would be refused)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        moved = super().redirect_request(req, fp, code, msg, headers, newurl)
        if moved is not None:
            moved.remove_header("Authorization")
        return moved


def run(size: int, part_size: int, concurrency: int, store: str, s3: dict, workers: int) -> dict:
    """One file of ``size`` through the exchange; the figures. The bucket and the working
    directory go afterwards, whatever happened."""
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    raw = S3FileStore.from_url(f"s3://{bucket}", **s3)
    raw.client.create_bucket(Bucket=bucket)
    work_dir = Path(tempfile.mkdtemp(prefix="shujiao-bench-files-"))
    try:
        return run_in(size, part_size, concurrency, store, s3, raw, work_dir, workers)
    finally:
        client = raw.client
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        for item in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=item["Key"], UploadId=item["UploadId"])
        client.delete_bucket(Bucket=bucket)
        shutil.rmtree(work_dir, ignore_errors=True)


def run_in(
    size: int,
    part_size: int,
    concurrency: int,
    store: str,
    s3: dict,
    raw,
    work_dir: Path,
    workers: int,
) -> dict:
    """The run itself, in ``raw``'s bucket and ``work_dir``."""
    figures: dict = {"size": size}
    bucket = raw.bucket
    path = generated_file(size)
    started = time.perf_counter()
    local = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    expected = local.stdout.split()[0]
    figures["sha256sum"] = mbps(size, time.perf_counter() - started)

    # --- boto3 alone ------------------------------------------------------------------------
    transfer = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=concurrency,
    )
    started = time.perf_counter()
    raw.client.upload_file(str(path), bucket, "raw/object", Config=transfer)
    figures["raw_upload"] = mbps(size, time.perf_counter() - started)
    started = time.perf_counter()
    with raw.client.get_object(Bucket=bucket, Key="raw/object")["Body"] as body:
        raw_hash = stream_sha256(body)
    figures["raw_read"] = mbps(size, time.perf_counter() - started)
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
    }
    if store == "s3":
        config |= {
            "FILES_URL": f"s3://{bucket}/files",
            "S3_ENDPOINT_URL": s3["endpoint_url"],
            "S3_ACCESS_KEY_ID": s3["access_key_id"],
            "S3_SECRET_ACCESS_KEY": s3["secret_access_key"],
        }
    config_path = work_dir / "config.json"
    config_path.write_text(json.dumps(config))
    app = create_app(config)
    tokens = Parties(app).tokens
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
    base = f"http://127.0.0.1:{port}"
    server = serve(config, port, workers)
    memory = WebMemory(server.pid)
    try:
        api = Api(base, tokens["provider"])
        as_reviewer = Api(base, tokens["reviewer"])
        as_buyer = Api(base, tokens["buyer"])
        as_finance = Api(base, tokens["finance"])
        wait_until_serving(api, server)
        memory.start()
        time.sleep(1)  # a second at rest, after the first request
        memory.mark("upload")
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

        # --- the provider's resumable upload ------------------------------------------------
        started = time.perf_counter()
        status, upload = api.call(
            "POST",
            f"/api/v1/assets/{asset['id']}/uploads",
            {"name": "bench.csv", "size": size, "part_size": part_size},
        )
        assert status == 201, upload
        count = upload["part_count"]
        # Through the API (local store) a part carries the bearer token.
        auth = {} if store == "s3" else {"Authorization": f"Bearer {tokens['provider']}"}

        def absolute(url: str) -> str:
            return url if url.startswith("http") else base + url

        status, targets = api.call(
            "POST", f"/api/v1/uploads/{upload['id']}/parts", {"parts": list(range(1, count + 1))}
        )
        assert status == 200, targets
        by_number = {t["number"]: t for t in targets}
        dropped = min(2, count)
        # A connection dropped halfway through one part: nothing of it is kept.
        put_part(
            absolute(by_number[dropped]["url"]),
            path,
            (dropped - 1) * part_size,
            by_number[dropped]["size"],
            cut_at=by_number[dropped]["size"] // 2,
            headers=auth,
        )

        def send(number: int) -> int:
            target = by_number[number]
            return put_part(
                absolute(target["url"]),
                path,
                (number - 1) * part_size,
                target["size"],
                headers=auth,
            )

        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            others = [n for n in range(1, count + 1) if n != dropped]
            assert all(status == 200 for status in pool.map(send, others))
        _, shown = api.call("GET", f"/api/v1/uploads/{upload['id']}")
        stored = {part["number"] for part in shown["stored_parts"]}
        missing = [n for n in range(1, count + 1) if n not in stored]
        assert missing == [dropped], missing
        # The resume: ask for fresh URLs for what is missing, send those only.
        status, again = api.call(
            "POST", f"/api/v1/uploads/{upload['id']}/parts", {"parts": missing}
        )
        assert status == 200, again
        for target in again:
            number = target["number"]
            sent = put_part(
                absolute(target["url"]),
                path,
                (number - 1) * part_size,
                target["size"],
                headers=auth,
            )
            assert sent == 200, sent
        status, completed = api.call("POST", f"/api/v1/uploads/{upload['id']}/complete")
        assert status == 202, completed
        figures["upload"] = mbps(size, time.perf_counter() - started)

        done = subprocess.run(
            [sys.executable, __file__, "work", str(config_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        worker_figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["fingerprint"] = mbps(size, worker_figures["seconds"])
        figures["worker_peak"] = worker_figures["peak_kib"] / 1024
        _, registered = api.call("GET", f"/api/v1/uploads/{upload['id']}")
        assert registered["state"] == "registered", registered
        assert registered["sha256"] == expected, "fingerprint differs from sha256sum"

        # --- certified, listed, bought, paid ------------------------------------------------
        memory.mark("trade")
        started = time.perf_counter()
        status, claim = api.call(
            "POST",
            "/api/v1/claims",
            {
                "asset_id": asset["id"],
                "rights": ["holding", "processing_use", "product_operation"],
                "source": "self_collected",
            },
        )
        assert status == 201, claim
        boundary = uuid.uuid4().hex
        request = urllib.request.Request(
            f"{base}/api/v1/claims/{claim['id']}/evidence",
            data=evidence_form(boundary),
            method="POST",
            headers={
                "Authorization": f"Bearer {tokens['provider']}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201
        assert api.call("POST", f"/api/v1/claims/{claim['id']}/submit")[0] == 200
        for action in ("start_review", "approve"):
            decided = as_reviewer.call(
                "POST", f"/api/v1/review/claims/{claim['id']}/decisions", {"action": action}
            )
            assert decided[0] == 200, decided
        # The public notice runs its working days with no objection.
        app = create_app(config)
        with app.extensions["db"].unit_of_work() as session:
            issued = certificates.issue_due_certificates(session, utcnow() + timedelta(days=14))
        app.extensions["db"].dispose()
        assert len(issued) == 1
        status, listing = api.call("POST", "/api/v1/provider/listings", listing_input(asset["id"]))
        assert status == 201, listing
        assert api.call("POST", f"/api/v1/provider/listings/{listing['id']}/submit")[0] == 200
        review = {"decision": "approved", "personal_info": "none", "important_data": False}
        reviewed = as_reviewer.call("POST", f"/api/v1/reviews/listings/{listing['id']}", review)
        assert reviewed[0] == 200, reviewed
        status, shown = as_buyer.call("GET", f"/api/v1/listings/{listing['id']}")
        assert shown["status"] == "published", shown
        status, order = as_buyer.call(
            "POST",
            "/api/v1/orders",
            {"plan_id": shown["live"]["plans"][0]["id"], "usage_scenario": "research"},
            {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert status == 201, order
        status, paid = as_finance.call(
            "POST",
            "/api/v1/finance/bank-receipts",
            {
                "reference": order["reference"],
                "amount_minor": order["price_minor"],
                "currency": order["currency"],
                "bank_transaction_id": uuid.uuid4().hex[:20],
                "payer_name": "基准买方",
            },
        )
        assert status == 201, paid
        figures["trade_seconds"] = time.perf_counter() - started

        # --- the buyer's download, dropped halfway and resumed with a range -----------------
        memory.mark("download")
        _, entitlements = as_buyer.call("GET", "/api/v1/entitlements")
        status, manifest = as_buyer.call(
            "GET", f"/api/v1/entitlements/{entitlements[0]['id']}/manifest"
        )
        assert status == 200, manifest
        [file] = manifest["files"]
        assert file["sha256"] == expected and manifest["merkle_root"]
        urllib.request.install_opener(urllib.request.build_opener(_Redirect))
        buyer_auth = {"Authorization": f"Bearer {tokens['buyer']}"}
        digest, half = hashlib.sha256(), size // 2
        started = time.perf_counter()
        got = fetch_range(base + file["url"], "bytes=0-", digest, buyer_auth, cut_after=half)
        got += fetch_range(base + file["url"], f"bytes={got}-", digest, buyer_auth)
        figures["download"] = mbps(size, time.perf_counter() - started)
        assert got == size and digest.hexdigest() == expected, "the buyer's bytes differ"
        _, after = as_buyer.call("GET", f"/api/v1/entitlements/{entitlements[0]['id']}")
        assert after["downloads_used"] == 1, after
    finally:
        figures["web"] = memory.stop() if memory.workers else None
        server.terminate()
        server.wait()
    return figures


def listing_input(asset_id: int) -> dict:
    """A listing of the asset: one one-time licence, delivered by download."""
    return {
        "asset_id": asset_id,
        "rights": ["product_operation"],
        "title_zh": "基准数据",
        "title_en": "Bench data",
        "description_zh": "基准测试用的生成数据。",
        "description_en": "Generated data for the benchmark.",
        "keywords": ["基准"],
        "category": "transport",
        "delivery_method": "download",
        "region": "shenzhen",
        "coverage_from": 2020,
        "coverage_to": 2024,
        "terms": {
            "scenarios": ["research"],
            "duration_months": 12,
            "territory": ["CN"],
            "cross_border": False,
            "redistribution": False,
            "resale": False,
            "derivatives": True,
            "attribution": True,
        },
        "plans": [
            {
                "kind": "one_time",
                "name_zh": "一次性授权",
                "name_en": "One-time licence",
                "price_minor": 480_000,
                "currency": "CNY",
            }
        ],
    }


def print_web_memory(web: dict) -> None:
    """The resident memory of ``shujiao serve``: per phase, the largest gunicorn worker and
    master plus workers; each worker's peak (VmHWM) over the run."""
    print(
        f"web (shujiao serve: gunicorn master {web['master']:.0f} MiB, "
        f"{len(web['worker_hwm'])} workers), resident MiB:"
    )
    print(f"{'phase':34} {'largest worker':>14} {'all processes':>14}")
    for phase in ("start", "upload", "trade", "download"):
        if phase in web["largest"]:
            label = "at rest (after the first request)" if phase == "start" else phase
            print(f"{label:34} {web['largest'][phase]:14.0f} {web['total'][phase]:14.0f}")
    print(f"{'peak of each worker (VmHWM)':34} {' '.join(f'{m:.0f}' for m in web['worker_hwm'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="64MiB,2GiB", help="file sizes, comma-separated (memory is compared)"
    )
    parser.add_argument("--part-size", default="64MiB")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--store", choices=("s3", "local"), default="s3")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (serve's default)")
    args = parser.parse_args()
    sizes = [parse_size(text) for text in args.sizes.split(",")]
    part_size = parse_size(args.part_size)
    env = services_env()
    if "SHUJIAO_TEST_S3_URL" not in env:
        print("SeaweedFS is not running: `python tools/services.py up seaweedfs`", file=sys.stderr)
        return 1
    s3 = {
        "endpoint_url": env["SHUJIAO_TEST_S3_URL"],
        "access_key_id": env["SHUJIAO_TEST_S3_ACCESS_KEY_ID"],
        "secret_access_key": env["SHUJIAO_TEST_S3_SECRET_ACCESS_KEY"],
    }
    print(
        f"store: {args.store}; parts of {part_size / MiB:.0f} MiB, {args.concurrency} at a time; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    results = []
    for size in sizes:
        figures = run(size, part_size, args.concurrency, args.store, s3, args.workers)
        results.append(figures)
        print(f"\nfile: {size / MiB:.0f} MiB (sha256 == sha256sum: yes)")
        print(f"{'MB/s':34} {'ours':>8}   {'boto3':>8}   ratio")
        print(
            f"{'upload (parts, one resumed)':34} {figures['upload']:8.1f}   "
            f"{figures['raw_upload']:8.1f}   {figures['upload'] / figures['raw_upload']:5.2f}"
        )
        print(
            f"{'fingerprint (the worker job)':34} {figures['fingerprint']:8.1f}   "
            f"{figures['raw_read']:8.1f}   {figures['fingerprint'] / figures['raw_read']:5.2f}"
        )
        print(f"{'buyer download (dropped, resumed)':34} {figures['download']:8.1f}")
        print(f"{'sha256sum (local disk)':34} {figures['sha256sum']:8.1f}")
        print(f"claim, certificate, listing, order, payment: {figures['trade_seconds']:.1f} s")
        print_web_memory(figures["web"])
        print(f"peak memory of the worker (shujiao worker's job): {figures['worker_peak']:.0f} MiB")
    if len(results) > 1:
        print("\npeak memory by file size (MiB)")
        print(f"{'file':>10} {'web worker':>11} {'worker':>8}")
        for figures in results:
            print(
                f"{figures['size'] / MiB:>6.0f} MiB {max(figures['web']['worker_hwm']):11.0f} "
                f"{figures['worker_peak']:8.0f}"
            )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "work":
        work(sys.argv[2])
    else:
        sys.exit(main())
