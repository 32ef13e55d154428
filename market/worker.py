"""``shujiao worker``: drains the outbox (mail, indexing, matching, deadlines) and seals the ledger."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

import ledger
from market import outbox
from market.finance import tasks as finance_tasks
from market.identity import tasks as identity_tasks
from market.identity.models import MemberRole
from market.listings import tasks as listing_tasks
from market.mail import Mail
from market.registry import tasks as registry_tasks
from market.trading import tasks as trading_tasks
from market.uploads import tasks as upload_tasks
from market.valuation import tasks as valuation_tasks
from market.verification import tasks as verification_tasks

log = logging.getLogger(__name__)

INVITATION_BODY = """\
{inviter} 邀请您以{role_zh}身份加入{organisation_zh}。
{inviter} invites you to join {organisation_en} as {role_en}.

{link}

此链接 7 天内有效。 The link is valid for 7 days.
"""


def _role_name(code: str, locale: str) -> str:
    """An organisation role's name in one language (``member`` → 普通成员), for a mail."""
    try:
        role = MemberRole(code)
    except ValueError:
        return code
    with force_locale(locale):
        return gettext(role.label)


def handlers(app: Flask) -> dict[str, outbox.Handler]:
    """Outbox handlers by topic, bound to the app's collaborators."""
    mailer = app.extensions["mailer"]

    def send_invitation(_session: Session, payload: dict) -> None:
        roles = {locale: _role_name(payload["role"], locale) for locale in ("zh", "en")}
        mailer.send(
            Mail(
                to=payload["to"],
                subject=f"邀请加入{payload['organisation_zh']} · Invitation to "
                f"{payload['organisation_en']}",
                body=INVITATION_BODY.format(role_zh=roles["zh"], role_en=roles["en"], **payload),
            )
        )

    return {
        "mail.invitation": send_invitation,
        **identity_tasks.handlers(app),
        **registry_tasks.handlers(app),
        **listing_tasks.handlers(app),
        **trading_tasks.handlers(app),
        **verification_tasks.handlers(app),
        **finance_tasks.handlers(app),
        **upload_tasks.handlers(app),
    }


# Messages per unit of work: small, so the worker never holds SQLite's one write lock for
# long while requests wait for it.
BATCH = 10


def run_once(app: Flask) -> int:
    """Handle one batch of due outbox messages in one short unit of work; how many."""
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        return outbox.deliver(session, handlers(app), limit=BATCH)


def seal_ledger(app: Flask) -> int:
    """Link new ledger entries onto the tamper-evident hash chain; how many."""
    with app.app_context(), app.extensions["db"].unit_of_work() as session:
        return ledger.seal_chain(session, limit=5000)


def run(app: Flask, stop: threading.Event | None = None, idle_sleep: float = 1.0) -> None:
    """Work until ``stop`` is set, sleeping when there is nothing to do."""
    stop = stop or threading.Event()
    next_maintenance = time.monotonic()
    while not stop.is_set():
        try:
            handled = run_once(app)
            seal_ledger(app)
            # Data-quality profiles: claimed, then worked outside any transaction.
            handled += valuation_tasks.run_profile_jobs(app)
            if time.monotonic() >= next_maintenance:
                # Expired upload sessions and unreferenced blobs, every FILES_SWEEP_INTERVAL.
                next_maintenance = time.monotonic() + int(app.config["FILES_SWEEP_INTERVAL"])
                upload_tasks.maintain(app)
                valuation_tasks.maintain(app)
        except Exception:  # noqa: BLE001 - a worker keeps going; the error is logged
            log.exception("worker batch failed")
            handled = 0
        if not handled:
            stop.wait(idle_sleep)


def start_in_thread(app: Flask) -> threading.Event:
    """Run the worker in a daemon thread (the demo's single process); returns its stop flag."""
    stop = threading.Event()
    threading.Thread(target=run, args=(app, stop), name="shujiao-worker", daemon=True).start()
    return stop
