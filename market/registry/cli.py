"""``shujiao registry``: check the registry log, issue certificates whose notice has ended."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from market.db import utcnow
from market.registry import certificates, chain

registry_group = AppGroup("registry", help="The registry: log verification, certificate issuance.")


@registry_group.command("verify")
def verify_command():
    """Re-derive the registry log's hash chain; exit 1 naming the first broken link."""
    with current_app.extensions["db"].unit_of_work() as session:
        broken = chain.verify_chain(session)
        current = chain.head(session)
    if broken is not None:
        click.echo(f"registry log broken at seq {broken}", err=True)
        raise SystemExit(1)
    click.echo(f"registry log verified: {current.seq} events, head {current.hash}")


@registry_group.command("issue-due")
def issue_due_command():
    """Issue the certificates of claims whose public notice has ended without objection."""
    with current_app.extensions["db"].unit_of_work() as session:
        issued = certificates.issue_due_certificates(session, utcnow())
        numbers = [certificate.number for certificate in issued]
    for number in numbers:
        click.echo(f"issued {number}")
    click.echo(f"{len(numbers)} certificates issued")
