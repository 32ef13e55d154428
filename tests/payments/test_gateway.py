"""The Stripe gateway against localstripe (a stateful Stripe API server)."""

import uuid

import pytest

from market.payments.gateway import StripeGateway


@pytest.fixture
def gateway(stripe_url):
    """A gateway pointed at localstripe."""
    return StripeGateway("sk_test_shujiao", "pk_test_shujiao", api_base=stripe_url)


def _confirm_with_card(gateway, intent_id):
    card = gateway.client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return gateway.confirm_intent(intent_id, card.id)


def test_intent_is_created_awaiting_the_buyer(gateway):
    intent = gateway.create_intent(
        12_300, "CNY", {"shujiao": "shujiao", "order_id": "1"}, str(uuid.uuid4()), ["card"]
    )
    assert intent.status == "requires_payment_method"
    assert intent.amount == 12_300 and intent.currency == "CNY"
    assert intent.client_secret and intent.metadata["order_id"] == "1"


def test_confirmed_intent_has_a_charge_and_can_be_refunded_in_part(gateway):
    intent = gateway.create_intent(50_000, "CNY", {"order_id": "2"}, str(uuid.uuid4()), ["card"])
    _confirm_with_card(gateway, intent.id)
    paid = gateway.retrieve_intent(intent.id)
    assert paid.status == "succeeded"
    assert paid.charge_id.startswith("ch_")
    refund = gateway.refund(intent.id, 20_000, str(uuid.uuid4()), {"order_id": "2"})
    assert (refund.status, refund.amount, refund.currency) == ("succeeded", 20_000, "CNY")
    kinds = {(line.type, line.amount) for line in gateway.balance_transactions()}
    assert ("charge", 50_000) in kinds and ("refund", -20_000) in kinds
