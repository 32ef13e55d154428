"""``shujiao trading ...``: settle what is due, accept lapsed acceptance windows."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ledger.errors import LedgerError
from market.db import utcnow
from market.trading import flows, settlement
from market.trading.models import Order, OrderStatus

trading_group = AppGroup("trading", help="Orders, settlement and payouts.")


@trading_group.command("sweep")
def sweep_command():
    """Accept every order whose acceptance window lapsed and settle every accepted order
    (the worker does the same from its queue; this catches up after downtime)."""
    database = current_app.extensions["db"]
    now = utcnow()
    with database.unit_of_work() as session:
        due = list(
            session.scalars(
                sa.select(Order.id).where(
                    Order.status == OrderStatus.DELIVERED, Order.acceptance_due_at <= now
                )
            )
        )
    accepted = settled = 0
    for order_id in due:
        with database.unit_of_work() as session:
            accepted += settlement.auto_accept(session, order_id, now) == "accepted"
    with database.unit_of_work() as session:
        waiting = list(
            session.scalars(sa.select(Order.id).where(Order.status == OrderStatus.ACCEPTED))
        )
    stuck = []
    for order_id in waiting:
        try:
            with database.unit_of_work() as session:
                settled += settlement.settle(session, order_id, now)
        except LedgerError as error:
            # e.g. a refund still pending holds part of the escrow: the others go on.
            stuck.append(f"order {order_id}: {error.message}")
    finished = []
    if current_app.extensions["payments"] is not None:
        with database.unit_of_work() as session:
            finished = flows.retry_pending_refunds(session, flows.collaborators(current_app))
    click.echo(f"accepted {accepted}, settled {settled}, refunds finished {len(finished)}")
    for line in stuck:
        click.echo(f"not settled: {line}", err=True)
