"""The suite's PostgreSQL databases: each test's is a fresh copy, made ahead and dropped after."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import _Copies, _Templates, service_url

pytestmark = pytest.mark.postgres


def _names(admin: sa.Engine) -> set[str]:
    with admin.connect() as connection:
        return set(connection.exec_driver_sql("SELECT datname FROM pg_database").scalars())


def _engine(admin_url: str, name: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(admin_url).set(database=name))


def test_copies_are_made_ahead_fresh_and_dropped_after():
    admin_url = service_url("postgresql")
    copies = _Copies(admin_url)

    first = copies.take("template1")
    ahead = copies.next["template1"].result()
    assert first != ahead
    assert {first, ahead} <= _names(copies.admin)

    engine = _engine(admin_url, first)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE written (n int)")
    engine.dispose()
    copies.drop(first)

    second = copies.take("template1")
    assert second == ahead
    engine = _engine(admin_url, second)
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table("written")
    engine.dispose()
    copies.drop(second)
    third = copies.next["template1"].result()

    copies.close()
    admin = sa.create_engine(admin_url)
    assert not {first, second, third} & _names(admin)
    admin.dispose()


def test_drops_asked_together_run_together():
    """Drops waiting together share one checkpoint; one at a time, each waits for its own."""
    together = threading.Barrier(4)

    class Copies(_Copies):
        def _drop(self, name: str) -> None:
            if name in names:
                together.wait(timeout=30)  # broken unless the four drops run at once
            super()._drop(name)

    copies = Copies(service_url("postgresql"))
    names: list[str] = []
    names += [copies.take("template1") for _ in range(4)]
    for name in names:
        copies.drop(name)
    copies.close()
    admin = sa.create_engine(copies.admin_url)
    assert not set(names) & _names(admin)
    admin.dispose()


def test_the_migrated_template_is_dropped_when_the_session_ends(tmp_path):
    templates = _Templates(tmp_path)
    name = sa.make_url(templates.url("postgresql")).database
    assert name.startswith("tpl_")
    admin = sa.create_engine(service_url("postgresql"))
    assert name in _names(admin)
    templates.close()
    assert name not in _names(admin)
    admin.dispose()


def _services_module():
    """``tools/services.py`` (a script, not a package)."""
    path = Path(__file__).resolve().parent.parent / "tools" / "services.py"
    spec = importlib.util.spec_from_file_location("services_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("durable", "expected"), [("", "off"), ("1", "on")])
def test_the_test_cluster_does_not_wait_for_the_disk_unless_asked(
    tmp_path, monkeypatch, durable, expected
):
    services = _services_module()
    if services.pg_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (python tools/services.py install)")
    monkeypatch.setenv(services.PG_DURABLE, durable)
    port = services.free_port()
    with open(tmp_path / "postgresql.log", "wb") as log:
        process, state = services.start_postgresql(port, log)
    state["port"] = port
    try:
        services.wait_ready("postgresql", state, process)
        engine = sa.create_engine(state["url"])
        with engine.connect() as connection:
            settings = dict(
                connection.exec_driver_sql(
                    "SELECT name, setting FROM pg_settings"
                    " WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit')"
                ).all()
            )
        engine.dispose()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        shutil.rmtree(state["data_dir"], ignore_errors=True)
    assert settings == dict.fromkeys(("fsync", "full_page_writes", "synchronous_commit"), expected)
    assert state["durable"] is bool(durable)
