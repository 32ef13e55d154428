"""``POST /webhooks/stripe``: verify, record once, check the object is ours, dispatch.

Other domains register handlers by event type in ``app.extensions["stripe_handlers"]``; a
handler takes the session and the event's object and returns a short outcome. It must be
idempotent and tolerate events arriving out of order: Stripe does not promise order, so an
event about something this exchange does not know yet raises :class:`NotYetKnown`, which
answers 409 and records nothing; Stripe delivers it again later, after its predecessor.

A badly signed request answers 400. A signed event that is not the shape Stripe documents
answers 400 too, and is recorded (under a digest of its payload) for finance to see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
import stripe
from flask import Blueprint, current_app, request
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session

from market.context import db_session
from market.errors import Conflict, DomainError
from market.fields import Int, Length
from market.payments.models import StripeEvent
from market.text import N_

blp = Blueprint("stripe_webhooks", __name__, url_prefix="/webhooks")

# Every PaymentIntent and Refund the exchange creates carries this metadata key.
OWNER_KEY = "shujiao"

StripeHandler = Callable[[Session, dict], str]

# Objects Stripe creates itself, without our metadata: their handler matches them to a payment
# of ours (by its PaymentIntent) and ignores the rest.
UNTAGGED = frozenset({"dispute"})


class NotYetKnown(Conflict):
    """The event refers to something not known yet (its predecessor has not arrived)."""


class WebhookRefused(DomainError):
    """The request is not a well-formed Stripe event signed with our secret."""

    status = 400


class _Open(Schema):
    class Meta:
        unknown = INCLUDE


def _charge_reference(value) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return
    raise ValidationError("A charge id or an expanded charge.")


class StripeObjectSchema(_Open):
    """The fields of an event's object that handlers read, with Stripe's documented types."""

    id = fields.String(required=True, validate=Length(min=1, max=255))
    object = fields.String()
    metadata = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    amount = Int(bits=64, strict=True, allow_none=True, validate=validate.Range(min=0))
    currency = fields.String(allow_none=True, validate=Length(max=3))
    status = fields.String(allow_none=True)
    payment_intent = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    latest_charge = fields.Raw(allow_none=True, validate=_charge_reference)


class _EventData(_Open):
    object = fields.Nested(StripeObjectSchema, required=True)


class StripeEventSchema(_Open):
    """A Stripe event's envelope."""

    id = fields.String(required=True, validate=Length(min=1, max=255))
    type = fields.String(required=True, validate=Length(min=1, max=100))
    livemode = fields.Boolean(load_default=False)
    data = fields.Nested(_EventData, required=True)


def is_ours(stripe_object: dict) -> bool:
    """Whether a Stripe object was created by this exchange (its metadata says so)."""
    tag = (stripe_object.get("metadata") or {}).get(OWNER_KEY)
    return tag == current_app.config["STRIPE_OWNER_TAG"]


def _verified_payload() -> str:
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookRefused(N_("Stripe webhooks are not configured."), field="Stripe-Signature")
    payload = request.get_data()
    signature = request.headers.get("Stripe-Signature", "")
    try:
        text = payload.decode("utf-8")
        if not signature.isascii():
            # hmac.compare_digest raises TypeError on non-ASCII text: refuse it first.
            raise ValueError("non-ASCII signature")
        stripe.WebhookSignature.verify_header(text, signature, secret, 300)
    except (UnicodeDecodeError, ValueError, stripe.SignatureVerificationError):
        raise WebhookRefused(
            N_("The webhook signature is not valid."), field="Stripe-Signature"
        ) from None
    return text


def _record_malformed(payload: str, errors: dict) -> None:
    # The request's own transaction is rolled back with the 400; the record is kept apart.
    digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"malformed:{digest[:48]}"
    with current_app.extensions["db"].unit_of_work() as session:
        if session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == key)):
            return
        detail = json.dumps(errors, ensure_ascii=True, default=str)
        session.add(StripeEvent(event_id=key, type="malformed", outcome=f"refused: {detail}"[:255]))


def _verified_event() -> dict:
    payload = _verified_payload()
    try:
        return StripeEventSchema().load(json.loads(payload))
    except (ValueError, RecursionError, ValidationError) as error:
        errors = (
            error.normalized_messages()
            if isinstance(error, ValidationError)
            else {"body": [N_("The event is not valid JSON.")]}
        )
        _record_malformed(payload, errors)
        raise WebhookRefused(N_("The event is not a well-formed Stripe event."), **errors) from None


@blp.route("/stripe", methods=["POST"])
def stripe_webhook():
    """Receive one Stripe event."""
    event = _verified_event()
    session = db_session()
    if session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event["id"])):
        return {"received": True, "duplicate": True}
    stripe_object = event["data"]["object"]
    # Recorded before acting: a concurrent delivery of the same event waits on the unique
    # event id and then fails, so the handler's effects land once.
    record = StripeEvent(
        event_id=event["id"],
        type=event["type"],
        object_id=stripe_object["id"],
        livemode=event["livemode"],
        outcome="received",
    )
    session.add(record)
    session.flush()
    handler: StripeHandler | None = current_app.extensions["stripe_handlers"].get(event["type"])
    if handler is None:
        outcome = "ignored: no handler for this event type"
    elif not is_ours(stripe_object) and stripe_object.get("object") not in UNTAGGED:
        outcome = "ignored: not an object of this exchange"
    else:
        outcome = handler(session, stripe_object)
    record.outcome = outcome[:255]
    return {"received": True, "outcome": outcome}
