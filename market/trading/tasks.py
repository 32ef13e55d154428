"""Trading's work for ``shujiao worker``: settle accepted orders, accept lapsed windows."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from market.db import utcnow
from market.outbox import Handler
from market.trading import delivery, settlement


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers by topic."""

    def settle(session: Session, payload: dict) -> None:
        settlement.settle(session, payload["order_id"], utcnow())

    def auto_accept(session: Session, payload: dict) -> None:
        settlement.auto_accept(session, payload["order_id"], utcnow())

    return {settlement.SETTLE_TOPIC: settle, delivery.AUTO_ACCEPT_TOPIC: auto_accept}
