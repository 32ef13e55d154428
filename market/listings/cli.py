"""``shujiao search reindex|check``: rebuild the listing index, compare it with the database."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from market.db import utcnow
from market.listings import indexing, rates


@click.group("search", cls=AppGroup)
def search_group():
    """The listing search index."""


@search_group.command("reindex")
def reindex_command():
    """Rebuild the index from the database into a new index and swap the alias (no downtime).

    Changes committed while it runs are replayed by the worker from the outbox afterwards.
    """
    engine = current_app.extensions["search"]
    with current_app.extensions["db"].unit_of_work() as session:
        count = indexing.rebuild(session, engine, utcnow(), rates.from_config(current_app.config))
    click.echo(f"indexed {count} listings")


@search_group.command("check")
def check_command():
    """Report listings whose search copy differs from the database; exit 1 if any do."""
    engine = current_app.extensions["search"]
    with current_app.extensions["db"].unit_of_work() as session:
        differing = indexing.differences(
            session, engine, utcnow(), rates.from_config(current_app.config)
        )
    if differing:
        click.echo(f"{len(differing)} listings differ: {' '.join(differing)}")
        raise SystemExit(1)
    click.echo("search index matches the database")
