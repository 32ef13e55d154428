"""The ``shujiao`` command, run as a real process."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

SHUJIAO = Path(sys.executable).parent / "shujiao"


def _environment(env=None) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    environment.update(env or {})
    return environment


def run(*args, env=None, input=None, timeout=120):
    return subprocess.run(
        [str(SHUJIAO), *args],
        env=_environment(env),
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory):
    """An instance seeded by ``shujiao demo --no-serve``: ``(path, first run)``."""
    path = tmp_path_factory.mktemp("demo")
    first = run("demo", "--no-serve", env={"SHUJIAO_INSTANCE_PATH": str(path)}, timeout=900)
    return path, first


def test_demo_seeds_once_and_reruns_safely(demo_instance):
    tmp_path, first = demo_instance
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path)}
    assert first.returncode == 0, first.stderr
    assert "Seeded the demo exchange" in first.stdout
    assert "reviewer@demo.shujiao.cn" in first.stdout
    # Two finance users, so the maker-checker steps can be tried.
    assert "finance.checker@demo.shujiao.cn" in first.stdout
    assert "'MAIL LINK for <address>:'" in first.stdout  # where a new user's links are
    second = run("demo", "--no-serve", env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already present" in second.stdout
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shujiao.sqlite3'}")
    with engine.connect() as connection:
        organisations = connection.exec_driver_sql("SELECT count(*) FROM organisations").scalar()
    engine.dispose()
    assert organisations == 12  # 9 + the listings demo's health, energy and AI providers


def _scalar(instance: Path, sql: str):
    engine = sa.create_engine(f"sqlite:///{instance / 'shujiao.sqlite3'}")
    with engine.connect() as connection:
        value = connection.exec_driver_sql(sql).scalar()
    engine.dispose()
    return value


def test_the_demo_leaves_no_backlog_for_its_first_visitors(demo_instance):
    instance, _first = demo_instance
    due = _scalar(
        instance,
        "SELECT count(*) FROM outbox_messages WHERE done_at IS NULL "
        "AND available_at <= CURRENT_TIMESTAMP",
    )
    assert due == 0


def test_the_demo_records_an_export_pathway_for_mainland_data_only(demo_instance):
    # Only a mainland provider's data leaves the mainland: the Hong Kong and Macao providers'
    # reviews record no pathway, and their listings for use at home name their own territory.
    instance, _first = demo_instance
    joined = (
        "FROM listing_compliance_reviews AS review"
        " JOIN listing_revisions AS revision ON revision.id = review.revision_id"
        " JOIN listings AS listing ON listing.id = revision.listing_id"
        " JOIN organisations AS provider ON provider.id = listing.organisation_id"
    )
    outside = "provider.jurisdiction IN ('HK', 'MO')"
    assert _scalar(instance, f"SELECT count(*) {joined} WHERE {outside}") > 0
    pathways = (
        f"SELECT count(*) {joined} WHERE {outside} AND review.cross_border_pathway IS NOT NULL"
    )
    assert _scalar(instance, pathways) == 0
    mainland = f"{joined} WHERE provider.jurisdiction = 'CN' AND review.cross_border_pathway"
    assert _scalar(instance, f"SELECT count(*) {mainland} IS NOT NULL") > 0
    at_home = (
        "SELECT count(*) FROM listing_revisions AS revision"
        " JOIN listings AS listing ON listing.id = revision.listing_id"
        " JOIN organisations AS provider ON provider.id = listing.organisation_id"
        f" WHERE {outside} AND json_extract(revision.terms, '$.territory[0]') = 'CN'"
    )
    assert _scalar(instance, at_home) == 0


def test_readme_commands_work_against_the_demo_instance(demo_instance):
    instance, _first = demo_instance
    verified = run("ledger", "verify", env={"SHUJIAO_INSTANCE_PATH": str(instance)})
    assert verified.returncode == 0, verified.stderr
    # Production stays strict: naming the environment (or a database) needs a real key.
    for extra in ({"SHUJIAO_ENV": "production"}, {"SHUJIAO_DATABASE_URL": "sqlite:///x.db"}):
        strict = run("ledger", "verify", env={"SHUJIAO_INSTANCE_PATH": str(instance), **extra})
        assert strict.returncode != 0
        assert "SHUJIAO_SECRET_KEY is required" in strict.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_links_use_the_port_it_serves_on(demo_instance):
    instance, _first = demo_instance
    port = _free_port()
    number = _scalar(instance, "SELECT number FROM registry_certificates ORDER BY id LIMIT 1")
    server = subprocess.Popen(
        [str(SHUJIAO), "demo", "--port", str(port)],
        env=_environment({"SHUJIAO_INSTANCE_PATH": str(instance)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = None
        deadline = time.monotonic() + 300
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/certificates/{number}/print", timeout=10
                ) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert page is not None, "the demo never answered"
    assert f"http://127.0.0.1:{port}/verify/{number}" in page


def test_commands_outside_the_demo_need_a_secret_key(tmp_path):
    result = run("db", "upgrade", env={"SHUJIAO_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode != 0
    assert "SHUJIAO_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_and_user_create(tmp_path):
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path), "SHUJIAO_SECRET_KEY": "k" * 40}
    assert run("db", "upgrade", env=env).returncode == 0
    created = run(
        "user",
        "create",
        "Finance@Example.cn",
        "--name",
        "Finance",
        "--staff",
        "finance",
        "--password",
        "a long enough secret",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    duplicate = run(
        "user",
        "create",
        "finance@example.cn",
        "--name",
        "Again",
        "--password",
        "a long enough secret",
        env=env,
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr


def test_user_create_refuses_a_short_password(tmp_path):
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path), "SHUJIAO_SECRET_KEY": "k" * 40}
    run("db", "upgrade", env=env)
    result = run("user", "create", "a@b.cn", "--name", "A", "--password", "short", env=env)
    assert result.returncode == 2
    assert "--password" in result.stderr
