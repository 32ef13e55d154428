"""Work for ``shujiao worker``: search indexing, demand matching and notification mail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from market.db import utcnow
from market.identity.models import User
from market.listings import demands, indexing, listings, matching, notifications, rates
from market.outbox import Handler
from market.registry import news as registry_news
from market.registry.certificates import REVOKED_TOPIC
from market.searching import services as searching
from market.text import N_


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers of the listings domain, bound to the app's search engine and mailer."""
    engine = app.extensions["search"]
    mailer = app.extensions["mailer"]
    base_url = app.config["BASE_URL"]
    cny_rates = rates.from_config(app.config)

    def index_listing(session: Session, payload: dict) -> None:
        indexing.index_listing(session, engine, payload["listing_id"], utcnow(), cny_rates)

    def match_demand(session: Session, payload: dict) -> None:
        # With the synonym list buyers' searches use now, so both find the same listings.
        synonyms = searching.current(session)
        matching.match(session, engine, payload["demand_id"], utcnow(), cny_rates, synonyms)

    def rematch_open_demands(session: Session, payload: dict) -> None:
        demands.rematch_open(session, utcnow())

    def mail_notification(session: Session, payload: dict) -> None:
        notifications.send_mail(session, mailer, base_url, payload)

    def registry_notice(session: Session, payload: dict) -> None:
        # The registry's news about claims, as notifications (mailed in turn).
        notifications.notify(
            session,
            payload["organisation_id"],
            payload["kind"],
            {"zh": payload["zh"], "en": payload["en"]},
            payload["link"],
            utcnow(),
        )

    def expire_demand(session: Session, payload: dict) -> None:
        demands.expire(session, payload["demand_id"], utcnow())

    def certificate_revoked(session: Session, payload: dict) -> None:
        reason = N_("the certificate behind this listing was revoked: %(reason)s") % payload
        listings.suspend_for_revoked_certificate(
            session,
            payload["certificate_id"],
            session.get(User, payload["user_id"]),
            reason,
            utcnow(),
        )

    return {
        indexing.TOPIC: index_listing,
        demands.TOPIC: match_demand,
        demands.REMATCH_TOPIC: rematch_open_demands,
        notifications.TOPIC: mail_notification,
        REVOKED_TOPIC: certificate_revoked,
        demands.EXPIRE_TOPIC: expire_demand,
        registry_news.TOPIC: registry_notice,
    }
