"""Stripe webhooks: signature checked with the stripe library, each event acted on once."""

import json
import time

import pytest
import sqlalchemy as sa
import stripe

from market.payments.models import StripeEvent

SECRET = "whsec_test_shujiao"


@pytest.fixture
def webhook_app(app):
    """The app with a webhook secret and a recording handler for payment_intent.succeeded."""
    app.config["STRIPE_WEBHOOK_SECRET"] = SECRET
    app.handled = []

    def handler(_session, stripe_object):
        app.handled.append(stripe_object["id"])
        return "recorded"

    app.extensions["stripe_handlers"]["payment_intent.succeeded"] = handler
    return app


def _event(event_id="evt_1", kind="payment_intent.succeeded", owner="shujiao", object_id="pi_1"):
    metadata = {"shujiao": owner} if owner else {}
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "livemode": False,
        "created": int(time.time()),
        "data": {"object": {"id": object_id, "object": "payment_intent", "metadata": metadata}},
    }


def _post(app, event, secret=SECRET, timestamp=None):
    payload = event if isinstance(event, str) else json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return app.test_client().post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def test_signed_event_is_dispatched_once(webhook_app, db):
    assert _post(webhook_app, _event()).get_json()["outcome"] == "recorded"
    replay = _post(webhook_app, _event())
    assert replay.status_code == 200 and replay.get_json()["duplicate"] is True
    assert webhook_app.handled == ["pi_1"]
    assert db.scalar(sa.select(StripeEvent.outcome)) == "recorded"


@pytest.mark.parametrize(
    ("secret", "age"), [("whsec_wrong", 0), (SECRET, 3600)], ids=["wrong-secret", "too-old"]
)
def test_bad_signature_is_refused_and_nothing_recorded(webhook_app, db, secret, age):
    response = _post(webhook_app, _event(), secret=secret, timestamp=int(time.time()) - age)
    assert response.status_code == 400
    assert "Stripe-Signature" in response.get_json()["errors"]
    assert response.get_json()["message"] == "The webhook signature is not valid."
    assert webhook_app.handled == []
    assert db.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0


def test_unsigned_event_is_refused(webhook_app):
    response = webhook_app.test_client().post("/webhooks/stripe", json=_event())
    assert response.status_code == 400


def test_an_event_without_a_webhook_secret_is_refused_in_a_sentence(webhook_app):
    webhook_app.config["STRIPE_WEBHOOK_SECRET"] = None
    response = _post(webhook_app, _event())
    assert response.status_code == 400
    assert response.get_json()["message"] == "Stripe webhooks are not configured."


def test_object_of_someone_else_is_ignored(webhook_app):
    response = _post(webhook_app, _event(owner=None))
    assert response.get_json()["outcome"].startswith("ignored: not an object")
    assert webhook_app.handled == []


def test_event_type_without_handler_is_recorded_and_ignored(webhook_app, db):
    response = _post(webhook_app, _event(kind="customer.created"))
    assert response.status_code == 200
    assert db.scalar(sa.select(StripeEvent.type)) == "customer.created"


@pytest.mark.parametrize(
    "header",
    ["t=1,v1=签名", "\u00e9", "t=abc,v1=" + "0" * 64, ""],
    ids=["non-ascii", "latin-1", "bad-timestamp", "empty"],
)
def test_garbled_signature_header_is_refused(webhook_app, header):
    response = webhook_app.test_client().post(
        "/webhooks/stripe",
        data=json.dumps(_event()),
        headers={"Stripe-Signature": header.encode("utf-8").decode("latin-1")},
    )
    assert response.status_code == 400
    assert webhook_app.handled == []


def _malformed(event: dict, **changes) -> dict:
    changed = json.loads(json.dumps(event))
    for path, value in changes.items():
        target = changed
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return changed


@pytest.mark.parametrize(
    "payload",
    [
        "[]",
        "null",
        '"x"',
        "1e999999",
        "{",
        "[" * 100_000 + "]" * 100_000,
        _malformed(_event(), id=None),
        _malformed(_event(), id=["evt"]),
        _malformed(_event(), type=7),
        _malformed(_event(), data=[]),
        _malformed(_event(), data={}),
        _malformed(_event(), data__object="pi_1"),
        _malformed(_event(), data__object__id=None),
        _malformed(_event(), data__object__metadata=["shujiao"]),
        _malformed(_event(), data__object__amount=4080000.99),
        _malformed(_event(), data__object__amount=2**70),
        _malformed(_event(), data__object__amount="100"),
        _malformed(_event(), data__object__latest_charge=7),
    ],
    # The id leaves out the event's time: test ids must be the same in every pytest-xdist worker.
    ids=lambda value: (
        value
        if isinstance(value, str)
        else json.dumps({key: part for key, part in value.items() if key != "created"})
    )[-40:],
)
def test_signed_but_malformed_event_is_refused_and_recorded(webhook_app, db, payload):
    first = _post(webhook_app, payload)
    assert first.status_code == 400, first.get_data(as_text=True)
    assert _post(webhook_app, payload).status_code == 400
    assert webhook_app.handled == []
    records = db.execute(sa.select(StripeEvent.type, StripeEvent.outcome)).all()
    assert len(records) == 1
    assert records[0].type == "malformed"
    assert records[0].outcome.startswith("refused")
