"""The ``shujiao`` command (Flask CLI): demo, serve, db, user, worker."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from werkzeug.serving import run_simple

from market import demo, devserver, filesweep, migrate, worker
from market.app import create_app
from market.config import ConfigError, mark_demo_instance
from market.db import utcnow
from market.errors import DomainError
from market.finance.cli import ledger_cli, recon_group
from market.identity import services as identity_services
from market.identity.cli import operator_group
from market.identity.models import StaffRole
from market.listings import indexing, rates
from market.listings.cli import search_group
from market.registry.cli import registry_group
from market.trading.cli import trading_group


def _app_from_environment():
    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


class ShujiaoGroup(FlaskGroup):
    """Flask's CLI group, minus its lookup of commands on the app (we define none there),
    which would build the app, and so demand a secret key, just to print ``--help``."""

    def list_commands(self, ctx):
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx, name):
        return click.Group.get_command(self, ctx, name)


@click.group(cls=ShujiaoGroup, create_app=_app_from_environment, add_version_option=False)
def cli():
    """Shujiao (數交): a data asset exchange."""


@cli.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Migrate and seed, then exit.")
def demo_command(host: str, port: int, no_serve: bool):
    """Run the demo exchange: SQLite, embedded search, demo data, in-process worker."""
    os.environ["SHUJIAO_ENV"] = "demo"
    # Every link the demo makes (mail, certificates' QR codes) points where it serves.
    base_url = os.environ.get("SHUJIAO_BASE_URL") or f"http://{host}:{port}"
    app = create_app({"ENV": "demo", "INPROCESS_WORKER": True, "BASE_URL": base_url})
    mark_demo_instance(Path(app.config["INSTANCE_PATH"]))
    migrate.upgrade(app.config["DATABASE_URL"])
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        seeded = demo.seed(session)
        if seeded:
            demo.quiet_seed_mail(session)
    # The seed's own work (indexing, certificates) is done before anyone signs up, in the
    # worker's short units of work, so no backlog competes with the first requests.
    while worker.run_once(app):
        pass
    # A demo upgraded in place keeps its index; one built by an earlier version is rebuilt.
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        indexing.ensure_current(
            session, app.extensions["search"], utcnow(), rates.from_config(app.config)
        )
    click.echo(("Seeded the demo exchange." if seeded else "Demo data already present.") + "\n")
    click.echo(f"Shujiao demo at http://{host}:{port}  (database: {app.config['DATABASE_URL']})")
    click.echo(f"Every demo account's password: {demo.DEMO_PASSWORD}")
    for email, what in demo.logins():
        click.echo(f"  {email:40} {what}")
    if app.config["MAIL_SINK"] == "console":
        click.echo(
            "\nMail is printed below, not sent: a new account's confirmation link and password"
            "\nreset links are on lines starting 'MAIL LINK for <address>:'."
        )
    if no_serve:
        return
    worker.start_in_thread(app)
    # Flask's app.run() refuses to run under its own CLI; the development server it wraps does not.
    run_simple(host, port, app, threaded=True, request_handler=devserver.RequestHandler)


#: The longest request line (method, address and query, version) gunicorn takes, in bytes: its
#: largest (its default, 4094, refused a search of 500 Chinese characters, 9 bytes each in a
#: URL, with gunicorn's own HTML page before the app could name ``q`` in its JSON error).
REQUEST_LINE_LIMIT = 8190


@cli.command("serve", with_appcontext=False)
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(min=1), help="per worker"
)
def serve_command(bind: str, workers: int, threads: int):
    """Serve with gunicorn (production): SHUJIAO_* variables configure the app.

    Threaded workers (gthread): a sync worker that spends longer than gunicorn's timeout (30 s)
    on one request is killed, and a file sent to or from the local store by a slow client
    takes longer than that; a threaded worker stays alive whatever its requests take."""
    _app_from_environment()  # fail here, readably, if the configuration is unusable
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--limit-request-line",
            str(REQUEST_LINE_LIMIT),
            "--access-logfile",
            "-",
            "market.app:create_app()",
        ],
    )


@cli.group("db")
def db_group():
    """Database schema (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str):
    """Revert migrations down to REVISION (``base`` removes every table)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@cli.group("user")
def user_group():
    """Accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--staff", "staff_roles", multiple=True, type=click.Choice([r.value for r in StaffRole])
)
def user_create(email: str, name: str, password: str, staff_roles: tuple[str, ...]):
    """Create a user, optionally with staff roles."""
    if not 10 <= len(password) <= 128:
        raise click.BadParameter("must be 10 to 128 characters", param_hint="--password")
    with current_app.extensions["db"].unit_of_work() as session:
        try:
            user = identity_services.register_user(session, email, name, password, verified=True)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        for role in staff_roles:
            identity_services.grant_staff_role(session, user, StaffRole(role))
    click.echo(f"created user {email}" + (f" ({', '.join(staff_roles)})" if staff_roles else ""))


@cli.command("worker")
@click.option("--once", is_flag=True, help="Handle what is due, then exit.")
def worker_command(once: bool):
    """Process outbox messages (mail, indexing, ...); run as many as you like."""
    app = current_app._get_current_object()
    if once:
        total = 0
        while handled := worker.run_once(app):
            total += handled
        click.echo(f"handled {total} messages")
        return
    worker.run(app)


@cli.group("files")
def files_group():
    """The file store."""


@files_group.command("sweep")
@click.option("--older-than-hours", default=24, show_default=True, type=click.IntRange(min=1))
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def files_sweep(older_than_hours: int, dry_run: bool):
    """Remove stored blobs that no asset file, evidence or sample refers to."""
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    with current_app.extensions["db"].unit_of_work() as session:
        report = filesweep.sweep(session, current_app.extensions["files"], cutoff, dry_run)
    verb = "would remove" if dry_run else "removed"
    for key in report.removed:
        click.echo(f"{verb} {key}")
    click.echo(f"{verb} {len(report.removed)}, kept {report.kept} referenced")


cli.add_command(ledger_cli)
cli.add_command(operator_group)
cli.add_command(recon_group)
cli.add_command(registry_group)
cli.add_command(search_group)
cli.add_command(trading_group)


def main() -> None:
    """Entry point of the ``shujiao`` console script."""
    cli(prog_name="shujiao")
