"""Start and stop the real services the test suite runs against.

    python tools/services.py install                 # once per machine: apt, Maven and Go builds
    python tools/services.py fonts                   # only what report PDFs need (make demo)
    python tools/services.py up [postgresql] [opensearch] [localstripe] [redis] [seaweedfs]
    python tools/services.py status
    python tools/services.py down

``up`` starts each service on a free port of 127.0.0.1, waits until it really serves (PostgreSQL
answers a query, OpenSearch reports a green or yellow cluster, localstripe answers HTTP, Redis
answers PING) and
writes ``.services/env`` with one ``export SHUJIAO_TEST_..._URL=...`` line per running service;
``tests/conftest.py`` reads that file. Logs go to ``.services/logs/<service>.log``; the state of
each started service (pid, port, data directory) to ``.services/<service>.json``.

PostgreSQL runs without waiting for the disk (``fsync``, ``full_page_writes`` and
``synchronous_commit`` off: the cluster is thrown away); ``SHUJIAO_PG_DURABLE=1`` starts it as
production runs, as ``make bench`` does.

A service that fails to start is left out of ``.services/env`` (its tests then skip), with the
tail of its log printed; when ``CI`` is set the command exits non-zero instead.

Standard library only, so it runs before the project's virtualenv exists.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes.util
import glob
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".services"
LOG_DIR = STATE_DIR / "logs"
ENV_FILE = STATE_DIR / "env"
OPENSEARCH_DIR = ROOT / "tools" / "opensearch"
OPENSEARCH_JAR = OPENSEARCH_DIR / "target" / "opensearch-node.jar"

SERVICES = ("postgresql", "opensearch", "localstripe", "redis", "seaweedfs")
ENV_VARIABLES = {
    "postgresql": "SHUJIAO_TEST_POSTGRES_URL",
    "opensearch": "SHUJIAO_TEST_OPENSEARCH_URL",
    "localstripe": "SHUJIAO_TEST_STRIPE_URL",
    "redis": "SHUJIAO_TEST_REDIS_URL",
    "seaweedfs": "SHUJIAO_TEST_S3_URL",
}
PG_SUPERUSER = "shujiao"
PG_OS_USER = "postgres"  # Debian's server refuses to run as root.
# The cluster is thrown away when it stops and never recovered after a crash, so it need not
# wait for the disk: every DROP DATABASE (one per test on PostgreSQL) makes a checkpoint, which
# with fsync waited for the disk 0.7-2.7 s (median) at load, 5-25 s when other suites wrote to
# it. Commits stay atomic and visible; only what a crash of the machine would keep changes.
# ``SHUJIAO_PG_DURABLE=1`` starts it as production runs (``make bench`` does, to measure commits).
PG_THROWAWAY = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
PG_DURABLE = "SHUJIAO_PG_DURABLE"
READY_TIMEOUT = {
    "postgresql": 60,
    "opensearch": 180,
    "localstripe": 60,
    "redis": 30,
    "seaweedfs": 90,
}


class ServiceError(Exception):
    """A service could not be started; the message says why."""


# --- small helpers -------------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_start_time(pid: int) -> str | None:
    """Kernel start time of ``pid`` (to tell our process from a later one that reused its pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # A zombie has exited; nobody has reaped it yet.
        return None
    return fields[19]


def is_alive(state: dict) -> bool:
    """Whether the process recorded in ``state`` still runs."""
    started = process_start_time(state["pid"])
    return started is not None and started == state.get("start_time")


def http_get(url: str, timeout: float = 5.0, headers: dict | None = None) -> tuple[int, bytes]:
    """Status and body of a GET; HTTP error statuses are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file, for error messages."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def state_path(name: str) -> Path:
    return STATE_DIR / f"{name}.json"


def load_state(name: str) -> dict | None:
    try:
        return json.loads(state_path(name).read_text())
    except (OSError, ValueError):
        return None


def run_as_kwargs(user: str | None) -> dict:
    """Popen arguments that drop root to ``user`` (None: stay who we are)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    env = dict(os.environ, HOME=entry.pw_dir, USER=user, LOGNAME=user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [], "env": env}


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin directory, else the one holding ``initdb`` on PATH."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for directory in reversed(candidates):
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def pg_os_user() -> str | None:
    """The unprivileged user to run PostgreSQL as when we are root, creating it if missing."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--home-dir", "/var/lib/postgresql", PG_OS_USER], check=True
        )
    return PG_OS_USER


def start_postgresql(port: int, log) -> tuple[subprocess.Popen, dict]:
    """initdb a throwaway cluster in /tmp (the repo may be unreadable for the postgres user)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise ServiceError("PostgreSQL is not installed (run `python tools/services.py install`)")
    user = pg_os_user()
    data_root = Path(tempfile.mkdtemp(prefix="shujiao-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(data_root, entry.pw_uid, entry.pw_gid)
    data_dir = data_root / "data"
    as_user = run_as_kwargs(user)
    initdb = [
        str(bin_dir / "initdb"),
        f"--pgdata={data_dir}",
        f"--username={PG_SUPERUSER}",
        "--auth=trust",  # loopback-only throwaway cluster
        "--encoding=UTF8",
        "--no-locale",
    ]
    done = subprocess.run(initdb, stdout=log, stderr=subprocess.STDOUT, cwd=data_root, **as_user)
    if done.returncode != 0:
        shutil.rmtree(data_root, ignore_errors=True)
        raise ServiceError(f"initdb exited with {done.returncode}")
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(data_root),
        "max_connections": "200",  # parallel tests and the benchmarks each hold a pool
        "shared_buffers": "128MB",
        **({} if os.environ.get(PG_DURABLE) else PG_THROWAWAY),
    }
    command = [str(bin_dir / "postgres"), "-D", str(data_dir), "-p", str(port)]
    for key, value in settings.items():
        command += ["-c", f"{key}={value}"]
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_root,
        start_new_session=True,
        **as_user,
    )
    url = f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{port}/postgres"
    durable = bool(os.environ.get(PG_DURABLE))
    return process, {
        "url": url,
        "data_dir": str(data_root),
        "bin_dir": str(bin_dir),
        "durable": durable,
    }


def postgresql_ready(state: dict) -> bool:
    """PostgreSQL is ready when psql runs a query over TCP."""
    psql = Path(state["bin_dir"]) / "psql"
    command = [str(psql), "-h", "127.0.0.1", "-p", str(state["port"]), "-U", PG_SUPERUSER]
    command += ["-d", "postgres", "-XAtc", "select 1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    return done.returncode == 0 and done.stdout.strip() == "1"


# --- OpenSearch ----------------------------------------------------------------------------


def java_command() -> str:
    """The java to run the node with: $JAVA_HOME's, else the one on PATH (Java 17 is enough)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise ServiceError("java is not installed (run `python tools/services.py install`)")
    return java


def opensearch_build_is_stale() -> bool:
    """True when the node jar is missing or older than its sources."""
    if not (OPENSEARCH_JAR.exists() and (OPENSEARCH_JAR.parent / "lib").is_dir()):
        return True
    built = OPENSEARCH_JAR.stat().st_mtime
    sources = [OPENSEARCH_DIR / "pom.xml", *OPENSEARCH_DIR.glob("src/**/*.java")]
    return any(source.stat().st_mtime > built for source in sources)


def build_opensearch(log) -> float:
    """``mvn package`` the node launcher (downloads OpenSearch's jars the first time)."""
    if shutil.which("mvn") is None:
        raise ServiceError("mvn is not installed (run `python tools/services.py install`)")
    started = time.monotonic()
    done = subprocess.run(
        ["mvn", "-q", "-B", "package"], cwd=OPENSEARCH_DIR, stdout=log, stderr=subprocess.STDOUT
    )
    if done.returncode != 0:
        raise ServiceError(f"the Maven build in {OPENSEARCH_DIR} failed")
    return time.monotonic() - started


def start_opensearch(port: int, log) -> tuple[subprocess.Popen, dict]:
    """One node in its own JVM; its data under /tmp so ``down`` can remove it."""
    if opensearch_build_is_stale():
        print("  building the OpenSearch node with Maven (once) ...", flush=True)
        build_opensearch(log)
    data_root = Path(tempfile.mkdtemp(prefix="shujiao-opensearch-"))
    command = [java_command(), "-Xms512m", "-Xmx1g", f"-Djava.io.tmpdir={data_root}"]
    command += ["-jar", str(OPENSEARCH_JAR), str(port), str(data_root / "node")]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=data_root, start_new_session=True
    )
    return process, {"url": f"http://127.0.0.1:{port}", "data_dir": str(data_root)}


def opensearch_ready(state: dict) -> bool:
    """OpenSearch is ready when its cluster health over HTTP is green or yellow."""
    status, body = http_get(state["url"] + "/_cluster/health")
    return status == 200 and json.loads(body).get("status") in ("green", "yellow")


# --- localstripe ---------------------------------------------------------------------------


def localstripe_python() -> str:
    """This interpreter if it can import localstripe, else the project's virtualenv."""
    if importlib.util.find_spec("localstripe") is not None:
        return sys.executable
    venv_python = ROOT / ".venv" / "bin" / "python"
    if (ROOT / ".venv" / "bin" / "localstripe").exists():
        return str(venv_python)
    raise ServiceError("localstripe is not installed here nor in .venv (pip install localstripe)")


def start_localstripe(port: int, log) -> tuple[subprocess.Popen, dict]:
    """localstripe through a launcher that binds loopback and keeps state in memory."""
    command = [localstripe_python(), str(ROOT / "tools" / "localstripe_loopback.py"), str(port)]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
    )
    return process, {"url": f"http://127.0.0.1:{port}", "data_dir": None}


def localstripe_ready(state: dict) -> bool:
    """localstripe is ready when it answers an authenticated list call."""
    status, _ = http_get(
        state["url"] + "/v1/customers", headers={"Authorization": "Bearer sk_test_ready"}
    )
    return status == 200


# --- redis ---------------------------------------------------------------------------------


def start_redis(port: int, log) -> tuple[subprocess.Popen, dict]:
    """Debian's redis-server on loopback, in memory only (no snapshots, no append-only file)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError("redis-server is not installed (python tools/services.py install)")
    data_root = Path(tempfile.mkdtemp(prefix="shujiao-redis-"))
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(data_root), "--protected-mode", "yes"]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=data_root, start_new_session=True
    )
    return process, {"url": f"redis://127.0.0.1:{port}/0", "data_dir": str(data_root)}


def redis_ready(state: dict) -> bool:
    """Redis is ready when it answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", state["port"]), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# --- SeaweedFS (S3) ------------------------------------------------------------------------
# Built from the Go module proxy once per machine and version; the binary is cached outside
# the checkout, so a clean clone reuses it. `go install` refuses the module (it has replace
# directives), but building ./weed inside the downloaded module directory works.

SEAWEEDFS_MODULE = "github.com/seaweedfs/seaweedfs"
SEAWEEDFS_VERSION = "v0.0.0-20261109003541-7506e5f91cd6"


def seaweedfs_binary() -> Path:
    """Where the cached ``weed`` binary of SEAWEEDFS_VERSION lives."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "shujiao" / f"seaweedfs-{SEAWEEDFS_VERSION}" / "weed"


def go_command() -> str:
    """The go toolchain: on PATH, else the usual /usr/local/go."""
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if go is None:
        raise ServiceError("go is not installed: SeaweedFS is built from the Go module proxy")
    return go


def build_seaweedfs(log) -> float:
    """``go mod download`` the module, ``go build ./weed`` in it; install atomically."""
    go = go_command()
    started = time.monotonic()
    download = subprocess.run(
        [go, "mod", "download", "-json", f"{SEAWEEDFS_MODULE}@{SEAWEEDFS_VERSION}"],
        capture_output=True,
        text=True,
    )
    log.write(download.stdout.encode() + download.stderr.encode())
    if download.returncode != 0:
        raise ServiceError(f"go mod download {SEAWEEDFS_MODULE}@{SEAWEEDFS_VERSION} failed")
    module_dir = json.loads(download.stdout)["Dir"]
    target = seaweedfs_binary()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"weed.{os.getpid()}.tmp")
    env = dict(os.environ, GOFLAGS="-buildvcs=false -mod=readonly", CGO_ENABLED="0")
    done = subprocess.run(
        ["nice", "-n", "10", go, "build", "-o", str(temporary), "./weed"],
        cwd=module_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    if done.returncode != 0:
        temporary.unlink(missing_ok=True)
        raise ServiceError(f"go build ./weed in {module_dir} failed")
    temporary.replace(target)
    return time.monotonic() - started


def start_seaweedfs(port: int, log) -> tuple[subprocess.Popen, dict]:
    """``weed server`` (master, volume, filer, S3) on free ports, with one S3 identity."""
    binary = seaweedfs_binary()
    if not binary.exists():
        raise ServiceError(f"{binary} is missing (run `python tools/services.py install`)")
    data_root = Path(tempfile.mkdtemp(prefix="shujiao-seaweedfs-"))
    access_key, secret_key = "shujiao" + os.urandom(6).hex(), os.urandom(24).hex()
    identities = {
        "identities": [
            {
                "name": "shujiao",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    config = data_root / "s3.json"
    config.write_text(json.dumps(identities))
    (data_root / "data").mkdir()
    ports = {name: free_port() for name in ("master", "volume", "filer")}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    command = [
        str(binary),
        "server",
        f"-dir={data_root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        "-master.volumeSizeLimitMB=1024",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        "-volume.max=100",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        "-s3",
        f"-s3.port={port}",
        f"-s3.port.grpc={grpc['s3']}",
        f"-s3.config={config}",
        # Off: their default ports are fixed and would clash between checkouts.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.preStopSeconds=0",
    ]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=data_root, start_new_session=True
    )
    details = {
        "url": f"http://127.0.0.1:{port}",
        "data_dir": str(data_root),
        "master_url": f"http://127.0.0.1:{ports['master']}",
        "filer_url": f"http://127.0.0.1:{ports['filer']}",
        "env": {
            "SHUJIAO_TEST_S3_ACCESS_KEY_ID": access_key,
            "SHUJIAO_TEST_S3_SECRET_ACCESS_KEY": secret_key,
        },
    }
    return process, details


def seaweedfs_ready(state: dict) -> bool:
    """Ready when the master assigns a file id (a volume is writable), the filer answers, and
    the S3 gateway refuses an unsigned request (so signatures are being checked)."""
    status, body = http_get(state["master_url"] + "/dir/assign")
    if status != 200 or b'"fid"' not in body:
        return False
    status, _ = http_get(state["filer_url"] + "/")
    if status >= 500:
        return False
    status, _ = http_get(state["url"] + "/")
    return status == 403


STARTERS = {
    "postgresql": (start_postgresql, postgresql_ready),
    "opensearch": (start_opensearch, opensearch_ready),
    "localstripe": (start_localstripe, localstripe_ready),
    "redis": (start_redis, redis_ready),
    "seaweedfs": (start_seaweedfs, seaweedfs_ready),
}
# SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to leave.
STOP_SIGNALS = {"postgresql": signal.SIGINT}


# --- lifecycle -----------------------------------------------------------------------------


def wait_ready(name: str, state: dict, process: subprocess.Popen | None) -> None:
    """Poll the readiness check until it passes; fail early if the process dies."""
    _, ready = STARTERS[name]
    deadline = time.monotonic() + READY_TIMEOUT[name]
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"{name} exited with status {process.returncode}")
        with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
            if ready(state):
                return
        time.sleep(0.5)
    raise ServiceError(f"{name} was not ready after {READY_TIMEOUT[name]} s")


def stop(name: str, state: dict) -> None:
    """Signal the service's process group, wait, then kill what is left; remove its data."""
    pid = state["pid"]
    # Only a process we recognise is signalled: a stale pid may belong to someone else now.
    if is_alive(state):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, STOP_SIGNALS.get(name, signal.SIGTERM))
        deadline = time.monotonic() + 30
        while is_alive(state) and time.monotonic() < deadline:
            time.sleep(0.2)
        # Children (PostgreSQL's backends) can outlive the leader; the group id is its pid.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    if state.get("data_dir"):
        shutil.rmtree(state["data_dir"], ignore_errors=True)
    state_path(name).unlink(missing_ok=True)


def up(name: str) -> dict:
    """Start ``name`` unless it already runs and answers; return its state."""
    state = load_state(name)
    if state and is_alive(state):
        with contextlib.suppress(ServiceError):
            wait_ready(name, state, None)
            print(f"{name}: already running at {state['url']} (pid {state['pid']})")
            if name == "postgresql" and state.get("durable") != bool(os.environ.get(PG_DURABLE)):
                kind = "durable" if state.get("durable") else "without waiting for the disk"
                print(f"{name}: it runs {kind}; `down` and `up` again to change that")
            return state
    if state:  # crashed or unresponsive: clear it away before starting afresh
        stop(name, state)
    start, _ = STARTERS[name]
    log_path = LOG_DIR / f"{name}.log"
    port = free_port()
    started = time.monotonic()
    # A fresh log per start, so the tail printed on failure is about this attempt only.
    with open(log_path, "wb") as log:
        log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting on {port}\n".encode())
        log.flush()
        process, details = start(port, log)
    state = {
        "name": name,
        "pid": process.pid,
        "start_time": process_start_time(process.pid),
        "port": port,
        "log": str(log_path),
        **details,
    }
    state_path(name).write_text(json.dumps(state, indent=2) + "\n")
    try:
        wait_ready(name, state, process)
    except ServiceError:
        stop(name, state)
        raise
    seconds = time.monotonic() - started
    print(f"{name}: ready at {state['url']} in {seconds:.1f} s (pid {process.pid})")
    return state


def running_states() -> dict[str, dict]:
    """States of the services whose processes are alive."""
    states = {}
    for name in SERVICES:
        state = load_state(name)
        if state and is_alive(state):
            states[name] = state
    return states


def write_env_file() -> None:
    """Rewrite ``.services/env`` from the services that run now (atomically)."""
    lines = []
    for name, state in running_states().items():
        lines.append(f"export {ENV_VARIABLES[name]}={shlex.quote(state['url'])}")
        # Secondary values (the S3 credentials) ride along with the service's URL.
        lines += [
            f"export {key}={shlex.quote(value)}" for key, value in state.get("env", {}).items()
        ]
    temporary = ENV_FILE.with_suffix(".tmp")
    temporary.write_text("".join(line + "\n" for line in lines))
    temporary.replace(ENV_FILE)


# --- commands ------------------------------------------------------------------------------


def command_up(names: list[str]) -> int:
    STATE_DIR.mkdir(exist_ok=True)
    LOG_DIR.mkdir(exist_ok=True)
    failed = []
    for name in names or SERVICES:
        try:
            up(name)
        except (ServiceError, OSError, subprocess.SubprocessError) as error:
            failed.append(name)
            log_path = LOG_DIR / f"{name}.log"
            print(f"{name}: FAILED: {error}\n--- tail of {log_path} ---\n{log_tail(log_path)}")
            print(f"--- end of {log_path} ---", flush=True)
    write_env_file()
    print(f"wrote {ENV_FILE.relative_to(ROOT)}")
    if failed and os.environ.get("CI"):
        print(f"error: {', '.join(failed)} did not start (CI is set)", file=sys.stderr)
        return 1
    if failed:
        print(f"warning: {', '.join(failed)} did not start; the tests needing it will be skipped")
    return 0


def command_down(names: list[str]) -> int:
    for name in names or SERVICES:
        state = load_state(name)
        if state:
            stop(name, state)
            print(f"{name}: stopped")
    if STATE_DIR.exists():
        write_env_file()
    return 0


def command_status(names: list[str]) -> int:
    for name in names or SERVICES:
        state = load_state(name)
        if state is None:
            print(f"{name:12} stopped")
        elif is_alive(state):
            print(f"{name:12} running  {state['url']}  pid {state['pid']}  log {state['log']}")
        else:
            print(f"{name:12} dead     (was pid {state['pid']}; see {state['log']})")
    return 0


def print_packages() -> list[str]:
    """Debian packages report PDFs need: Pango for WeasyPrint, Noto CJK so Chinese prints, Noto
    Color Emoji so an emoji in a name prints (and shows in the browser tests' Chromium)."""
    packages = []
    if ctypes.util.find_library("pangoft2-1.0") is None:
        packages.append("libpangoft2-1.0-0")
    if not glob.glob("/usr/share/fonts/opentype/noto/NotoSansCJK-*"):
        packages.append("fonts-noto-cjk")
    if not glob.glob("/usr/share/fonts/truetype/noto/NotoColorEmoji*"):
        packages.append("fonts-noto-color-emoji")  # names people write with emoji, pages and PDFs
    return packages


def apt_install(packages: list[str]) -> None:
    """apt-get install ``packages`` (as root), without recommends."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"apt-get install {' '.join(packages)}", flush=True)
    subprocess.run(["apt-get", "update"], check=True, env=env)
    # Recommends would pull in systemd, avahi, cups and samba for chromium alone.
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    subprocess.run(install, check=True, env=env)


def command_fonts(_names: list[str]) -> int:
    """Install only what report PDFs need (``make demo``); warns instead of failing."""
    packages = print_packages()
    if not packages:
        return 0
    if os.geteuid() != 0:
        print(f"warning: PDFs need {' '.join(packages)}; run as root to install", file=sys.stderr)
        return 0
    apt_install(packages)
    return 0


def command_install(_names: list[str]) -> int:
    """Install what ``up`` needs on a fresh Debian machine; apt-get runs only if needed."""
    packages = print_packages()
    if pg_bin_dir() is None:
        packages.append("postgresql")
    if not Path("/usr/bin/chromium").exists():
        packages += ["chromium", "fonts-liberation"]  # the browser tests drive it (Playwright)
    if shutil.which("javac") is None:
        packages.append("openjdk-17-jdk-headless")
    if shutil.which("mvn") is None:
        packages.append("maven")
    if shutil.which("redis-server") is None:
        packages.append("redis-server")  # the shared rate-limit test
    if shutil.which("faketime") is None:
        packages.append("faketime")  # the journey test runs the CLI at a later date
    if packages:
        if os.geteuid() != 0:
            print(f"error: run as root to apt-get install {' '.join(packages)}", file=sys.stderr)
            return 1
        apt_install(packages)
    else:
        print("system packages: all present")
    if opensearch_build_is_stale():
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / "opensearch-build.log"
        with open(log_path, "wb") as log:
            try:
                seconds = build_opensearch(log)
            except ServiceError as error:
                print(f"error: {error}\n{log_tail(log_path)}", file=sys.stderr)
                return 1
        print(f"OpenSearch node built in {seconds:.0f} s ({OPENSEARCH_JAR.relative_to(ROOT)})")
    else:
        print(f"OpenSearch node: up to date ({OPENSEARCH_JAR.relative_to(ROOT)})")
    return install_seaweedfs()


def install_seaweedfs() -> int:
    """Build the cached ``weed`` binary unless this version is there already."""
    binary = seaweedfs_binary()
    if binary.exists():
        print(f"SeaweedFS: cached ({binary})")
        return 0
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / "seaweedfs-build.log"
    print(f"SeaweedFS: building {SEAWEEDFS_VERSION} with go (once per machine) ...", flush=True)
    with open(log_path, "wb") as log:
        try:
            seconds = build_seaweedfs(log)
        except (ServiceError, OSError) as error:
            print(f"error: {error}\n{log_tail(log_path)}", file=sys.stderr)
            return 1
    print(f"SeaweedFS built in {seconds:.0f} s ({binary})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "install", "fonts"])
    parser.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.services) - set(SERVICES))
    if unknown:
        parser.error(f"unknown service {', '.join(unknown)} (choose from {', '.join(SERVICES)})")
    commands = {
        "up": command_up,
        "down": command_down,
        "status": command_status,
        "install": command_install,
        "fonts": command_fonts,
    }
    return commands[args.command](args.services)


if __name__ == "__main__":
    sys.exit(main())
