"""Alembic, driven from the app: one history for ``market``'s and ``ledger``'s tables."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import market.models  # noqa: F401 - registers every market model on the metadata
from ledger.models import metadata as ledger_metadata
from market.config import ROOT
from market.db import Base


def target_metadata() -> list[sa.MetaData]:
    """Every table the migrations own: ``market``'s and ``ledger``'s."""
    return [Base.metadata, ledger_metadata]


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for ``database_url`` using ``migrations/``."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the database schema down to ``revision`` (``base`` empties it)."""
    command.downgrade(alembic_config(database_url), revision)
