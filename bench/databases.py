"""Fresh databases for benchmark runs, shared by the benches: SQLite files in a temporary
directory and PostgreSQL databases created beside the test services' one, all dropped at the
end; and the test services' PostgreSQL URL, if they are up."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def default_postgres_url() -> str | None:
    """The test services' PostgreSQL (``tools/services.py up``), if any."""
    url = os.environ.get("SHUJIAO_TEST_POSTGRES_URL")
    env = ROOT / ".services" / "env"
    if not url and env.exists():
        for line in env.read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            if key.strip() == "SHUJIAO_TEST_POSTGRES_URL":
                url = value.strip().strip("'\"")
    return url


def load_average() -> str:
    """The machine's load over 1, 5 and 15 minutes, to print beside the figures."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


class Databases:
    """New databases, each prepared by ``prepare(url)`` (create the tables, warm them up)."""

    def __init__(self, postgres_url: str | None, prepare: Callable[[str], None], prefix: str):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-bench-"))
        self.postgres_url = postgres_url
        self.prepare = prepare
        self.created: list[str] = []

    def new(self, kind: str) -> str:
        """The URL of a new, prepared database of ``kind`` (``sqlite`` or ``postgresql``)."""
        if kind == "sqlite":
            url = f"sqlite:///{self.tmp / f'{uuid.uuid4().hex[:8]}.sqlite3'}"
        else:
            name = f"bench_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
            admin.dispose()
            self.created.append(name)
            url = sa.make_url(self.postgres_url).set(database=name).render_as_string(False)
        self.prepare(url)
        return url

    def close(self) -> None:
        """Remove every database made."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.created:
            admin = sa.create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                for name in self.created:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
