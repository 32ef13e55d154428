"""The registry's work for ``shujiao worker``: issue certificates when public notices end."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from market.db import utcnow
from market.outbox import Handler
from market.registry.certificates import issue_due_certificates
from market.registry.claims import ISSUE_DUE_TOPIC


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers by topic."""

    def issue_due(session: Session, _payload: dict) -> None:
        # Issues every due certificate, not just this claim's: idempotent, and it also catches
        # claims whose message was handled before a late objection was dismissed.
        issue_due_certificates(session, utcnow())

    return {ISSUE_DUE_TOPIC: issue_due}
