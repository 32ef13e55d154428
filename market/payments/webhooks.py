"""``POST /webhooks/stripe``: verify, record once, check the object is ours, dispatch.

Other domains register handlers by event type in ``app.extensions["stripe_handlers"]``; a
handler takes the session and the event's object and returns a short outcome. It must be
idempotent and tolerate events arriving out of order (a refund before its charge succeeded).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
import stripe
from flask import Blueprint, current_app, request
from sqlalchemy.orm import Session

from market.context import db_session
from market.errors import InvalidInput
from market.payments.models import StripeEvent
from market.text import N_

blp = Blueprint("stripe_webhooks", __name__, url_prefix="/webhooks")

# Every PaymentIntent and Refund the exchange creates carries this metadata key.
OWNER_KEY = "shujiao"

StripeHandler = Callable[[Session, dict], str]

# Objects Stripe creates itself, without our metadata: their handler matches them to a payment
# of ours (by its PaymentIntent) and ignores the rest.
UNTAGGED = frozenset({"dispute"})


def is_ours(stripe_object: dict) -> bool:
    """Whether a Stripe object was created by this exchange (its metadata says so)."""
    tag = (stripe_object.get("metadata") or {}).get(OWNER_KEY)
    return tag == current_app.config["STRIPE_OWNER_TAG"]


def _verified_event() -> dict:
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidInput(N_("Stripe webhooks are not configured"), field="Stripe-Signature")
    payload = request.get_data(as_text=True)
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret)
    except (ValueError, stripe.SignatureVerificationError):
        raise InvalidInput(
            N_("the webhook signature is not valid"), field="Stripe-Signature"
        ) from None
    return json.loads(payload)


@blp.route("/stripe", methods=["POST"])
def stripe_webhook():
    """Receive one Stripe event."""
    event = _verified_event()
    session = db_session()
    if session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event["id"])):
        return {"received": True, "duplicate": True}
    stripe_object = event.get("data", {}).get("object", {})
    # Recorded before acting: a concurrent delivery of the same event waits on the unique
    # event id and then fails, so the handler's effects land once.
    record = StripeEvent(
        event_id=event["id"],
        type=event.get("type", "?"),
        object_id=stripe_object.get("id"),
        livemode=bool(event.get("livemode")),
        outcome="received",
    )
    session.add(record)
    session.flush()
    handler: StripeHandler | None = current_app.extensions["stripe_handlers"].get(event.get("type"))
    if handler is None:
        outcome = "ignored: no handler for this event type"
    elif not is_ours(stripe_object) and stripe_object.get("object") not in UNTAGGED:
        outcome = "ignored: not an object of this exchange"
    else:
        outcome = handler(session, stripe_object)
    record.outcome = outcome[:255]
    return {"received": True, "outcome": outcome}
