"""The payment gateway interface and its Stripe implementation.

Called after commit or before a unit of work begins, never inside a database transaction that
holds locks: a slow Stripe must not stall the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe


class GatewayError(Exception):
    """The payment provider refused or failed; ``message`` is safe to show.

    ``definitive`` is true when the provider answered with a refusal (a bad request, a declined
    card): nothing happened there. Otherwise (a lost connection, a 5xx, rate limiting) the
    request may well have taken effect, and only a retry under the same idempotency key, or
    the provider's webhook, can tell.
    """

    def __init__(self, message: str, definitive: bool = True, code: str | None = None) -> None:
        super().__init__(message)
        self.definitive = definitive
        # The processor's decline code, else its error code (``card_declined``), if it gave one.
        self.code = code

    @classmethod
    def from_stripe(cls, error: stripe.StripeError) -> GatewayError:
        """Wrap a stripe-python error, telling refusals from failures of unknown outcome."""
        refused = isinstance(
            error, stripe.InvalidRequestError | stripe.CardError | stripe.AuthenticationError
        )
        detail = getattr(error, "error", None)
        code = getattr(detail, "decline_code", None) or getattr(error, "code", None)
        return cls(error.user_message or str(error), definitive=refused, code=code)


def _error_code(error: dict | None) -> str | None:
    if not error:
        return None
    return error.get("decline_code") or error.get("code")


@dataclass(frozen=True)
class Intent:
    """A payment intent as the exchange needs it."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None
    metadata: dict
    charge_id: str | None = None
    # Why the last attempt failed (its decline code, else its error code), while the intent
    # waits for another payment method.
    error_code: str | None = None


@dataclass(frozen=True)
class Refund:
    """A refund at the provider."""

    id: str
    status: str
    amount: int
    currency: str


@dataclass(frozen=True)
class BalanceTransaction:
    """One line of the provider's balance: a charge, refund, fee, payout, ..."""

    id: str
    type: str
    amount: int
    fee: int
    net: int
    currency: str
    source: str | None
    created: int


class PaymentGateway:
    """What trading and finance need from a card/wallet payment provider."""

    publishable_key: str | None = None

    def create_intent(
        self,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
        payment_method_types: list[str],
    ) -> Intent:
        """Create a payment intent for the buyer's browser to confirm."""
        raise NotImplementedError

    def retrieve_intent(self, intent_id: str) -> Intent:
        """The provider's current view of an intent."""
        raise NotImplementedError

    def confirm_intent(self, intent_id: str, payment_method: str) -> Intent:
        """Attach a payment method the buyer's browser tokenised and confirm the intent."""
        raise NotImplementedError

    def cancel_intent(self, intent_id: str) -> Intent:
        """Cancel an intent that was not paid, so no later confirmation can charge it."""
        raise NotImplementedError

    def refund(
        self, intent_id: str, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> Refund:
        """Refund ``amount`` (minor units) of a captured intent."""
        raise NotImplementedError

    def balance_transactions(self, limit: int = 100) -> list[BalanceTransaction]:
        """Balance transactions, newest first, for reconciliation."""
        raise NotImplementedError

    def balance_transaction_page(
        self, limit: int = 100, starting_after: str | None = None
    ) -> tuple[list[dict], bool]:
        """One page of balance transactions as plain dicts, newest first, after the
        ``starting_after`` id; ``(lines, has_more)``."""
        raise NotImplementedError


def _plain(raw) -> dict:
    # stripe-python 16 returns StripeObjects, which are not dicts (no ``.get``).
    return raw.to_dict() if hasattr(raw, "to_dict") else dict(raw)


def _id_of(value) -> str | None:
    # Stripe sends expandable fields as an id string or, expanded, as an object.
    if value is None or isinstance(value, str):
        return value
    return value["id"]


class StripeGateway(PaymentGateway):
    """Stripe (or localstripe, through ``api_base``) via stripe-python's ``StripeClient``."""

    def __init__(
        self, secret_key: str, publishable_key: str | None = None, api_base: str | None = None
    ) -> None:
        options = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)
        self.publishable_key = publishable_key
        self.api_base = api_base

    def _intent(self, raw) -> Intent:
        raw = _plain(raw)
        return Intent(
            id=raw["id"],
            status=raw["status"],
            amount=raw["amount"],
            currency=raw["currency"].upper(),
            client_secret=raw.get("client_secret"),
            metadata=dict(raw.get("metadata") or {}),
            charge_id=_id_of(raw.get("latest_charge")),
            error_code=_error_code(raw.get("last_payment_error")),
        )

    def create_intent(self, amount, currency, metadata, idempotency_key, payment_method_types):
        """Create a PaymentIntent; the key makes a retried request return the same intent."""
        try:
            raw = self.client.v1.payment_intents.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "metadata": metadata,
                    "payment_method_types": payment_method_types,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error
        return self._intent(raw)

    def retrieve_intent(self, intent_id):
        """Fetch an intent."""
        try:
            return self._intent(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error

    def confirm_intent(self, intent_id, payment_method):
        """Attach ``payment_method`` (a ``pm_``/``card_`` id) and confirm; 3-D Secure leaves the
        intent ``requires_action`` for Stripe.js to finish in the browser."""
        try:
            self.client.v1.payment_intents.update(
                intent_id, params={"payment_method": payment_method}
            )
            raw = self.client.v1.payment_intents.confirm(intent_id)
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error
        return self._intent(raw)

    def cancel_intent(self, intent_id):
        """Cancel an unpaid intent (``payment_intent.canceled`` follows)."""
        try:
            return self._intent(self.client.v1.payment_intents.cancel(intent_id))
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error

    def refund(self, intent_id, amount, idempotency_key, metadata):
        """Refund part or all of an intent's charge."""
        try:
            raw = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error
        raw = _plain(raw)
        return Refund(raw["id"], raw["status"], raw["amount"], raw["currency"].upper())

    def balance_transactions(self, limit=100):
        """The latest balance transactions."""
        try:
            page = self.client.v1.balance_transactions.list(params={"limit": limit})
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error
        return [
            BalanceTransaction(
                id=raw["id"],
                type=raw["type"],
                amount=raw["amount"],
                fee=raw["fee"],
                net=raw["net"],
                currency=raw["currency"].upper(),
                source=_id_of(raw.get("source")),
                created=raw["created"],
            )
            for raw in map(_plain, page.data)
        ]

    def balance_transaction_page(self, limit=100, starting_after=None):
        """One page of balance transactions (plain dicts), newest first."""
        params = {"limit": limit}
        if starting_after:
            params["starting_after"] = starting_after
        try:
            page = self.client.v1.balance_transactions.list(params=params)
        except stripe.StripeError as error:
            raise GatewayError.from_stripe(error) from error
        return [_plain(raw) for raw in page.data], bool(page.has_more)


def make_gateway(config) -> PaymentGateway | None:
    """The configured gateway, or None when Stripe is not configured (bank transfer only)."""
    if not config.get("STRIPE_SECRET_KEY"):
        return None
    return StripeGateway(
        config["STRIPE_SECRET_KEY"],
        config.get("STRIPE_PUBLISHABLE_KEY"),
        config.get("STRIPE_API_BASE"),
    )
