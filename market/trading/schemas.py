"""Marshmallow schemas for orders, payments, refunds, disputes and entitlements."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from market.db import utcnow
from market.fields import Date, Id, Int, Length, SingleLine, Text
from market.listings.models import DeliveryMethod, UsageScenario
from market.listings.schemas import MAX_PRICE
from market.text import ISO_CURRENCY, N_, FormSchema, Money
from market.trading import orders
from market.trading.models import (
    DisputeDecision,
    DisputeStatus,
    EntitlementStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
)

# A header given twice arrives joined with a comma (RFC 9110 §5.3): a key holds none, so that
# neither of two keys wins silently and a retry under one of them orders again.
IDEMPOTENCY_KEY = [
    Length(min=1, max=255),
    validate.Regexp(r"^[^,]*$", error=N_("Given more than once.")),
]


class IdempotencyHeaderSchema(Schema):
    """The ``Idempotency-Key`` header of writes that move money."""

    class Meta:
        unknown = "exclude"

    key = fields.String(data_key="Idempotency-Key", load_default=None, validate=IDEMPOTENCY_KEY)


class OrderInputSchema(Schema):
    """Order a plan under a declared usage scenario."""

    plan_id = Id(required=True)
    usage_scenario = fields.Enum(UsageScenario, by_value=True, required=True)
    usage_note = Text(load_default=None, validate=Length(max=2000))
    cross_border = fields.Boolean(load_default=False)
    # Required (true) when the order is an outbound transfer: cross-border (a declared use
    # abroad, or a buyer registered outside the provider's jurisdiction) of a mainland
    # provider's data.
    cross_border_terms_accepted = fields.Boolean(load_default=False)
    # Also required then, with ``usage_note`` as the purpose of the export: who receives the
    # data outside the provider's jurisdiction, and where.
    cross_border_recipient = fields.String(load_default=None, validate=Length(max=300))


#: The buy page's message when no usage scenario is chosen: its first option is empty, so that
#: nobody buys for research by not looking.
CHOOSE_USAGE = N_("Choose the usage scenario: what the data is for.")


class OrderFormSchema(OrderInputSchema):
    """The order form of the pages: also which of the user's organisations buys."""

    organisation_id = Id(required=True)
    usage_scenario = fields.Enum(
        UsageScenario,
        by_value=True,
        required=True,
        error_messages={"unknown": CHOOSE_USAGE, "required": CHOOSE_USAGE},
    )


class OrderQuerySchema(Schema):
    """Which orders: the caller's purchases or its sales."""

    role = fields.String(load_default="buyer", validate=validate.OneOf(["buyer", "provider"]))


class DeliverySchema(Schema):
    """The provider marks an order delivered, with an optional note for the buyer (how to fetch
    the data, whom to ask)."""

    note = Text(load_default=None, validate=Length(max=2000))


class DisputeReasonSchema(Schema):
    """Why the buyer disputes an order."""

    reason = Text(required=True, validate=Length(min=1, max=4000))


class RefundInputSchema(Schema):
    """A refund, full or partial, in minor units."""

    amount_minor = Int(bits=64, required=True, validate=validate.Range(min=1, max=MAX_PRICE))
    reason = Text(required=True, validate=Length(min=1, max=2000))


class DisputeDecisionSchema(Schema):
    """A reviewer's decision on a dispute."""

    decision = fields.Enum(DisputeDecision, by_value=True, required=True)
    refund_minor = Int(bits=64, load_default=None, allow_none=True)
    note = Text(load_default="", validate=Length(max=4000))

    @pre_load
    def blank_is_none(self, data, **_):
        """An empty form field means no partial refund amount."""
        if data.get("refund_minor") == "":
            data = {**data, "refund_minor": None}
        return data

    @validates_schema
    def amount_only_for_a_partial_refund(self, data, **_):
        """Only a partial refund takes an amount: any other decision would silently drop it."""
        if (
            data.get("refund_minor") is not None
            and data["decision"] != DisputeDecision.PARTIAL_REFUND
        ):
            key = self.fields["refund_minor"].data_key or "refund_minor"
            raise ValidationError(N_("Only a partial refund takes an amount."), field_name=key)


class BankReceiptInputSchema(Schema):
    """Money received on the exchange's bank account, quoting an order's reference."""

    reference = fields.String(required=True, validate=Length(min=1, max=40))
    amount_minor = Int(bits=64, required=True, validate=validate.Range(min=1, max=MAX_PRICE))
    currency = fields.String(required=True, validate=ISO_CURRENCY)
    bank_transaction_id = fields.String(required=True, validate=Length(min=1, max=100))
    payer_name = fields.String(load_default=None, validate=[Length(max=200), SingleLine()])
    value_date = Date(load_default=None, metadata={"description": "the bank's value date (起息日)"})
    bank_account_id = Id(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={
            "description": "the exchange's bank account it came into (default: the "
            "currency's default account)"
        },
    )

    @validates("reference")
    def _a_reference_with_its_check_pair(self, value, **_):
        # Judged with the other fields, so a form says every mistake at once.
        if not orders.is_valid_reference(value):
            raise ValidationError(N_("This is not a valid payment reference."))

    @validates("value_date")
    def _not_ahead_of_the_bank(self, value, **_):
        # A bank dates money it has received: tomorrow at the latest in Beijing time, as a
        # statement line may be.
        if value is not None and value > (utcnow() + timedelta(hours=8)).date() + timedelta(1):
            raise ValidationError(N_("A value date may not be in the future."))


class BankReceiptFormSchema(FormSchema, BankReceiptInputSchema):
    """A bank receipt as finance types it: the amount in the currency's major unit."""

    amount_minor = Money(data_key="amount", required=True, minimum=1, maximum=MAX_PRICE)


class RefundFormSchema(FormSchema, RefundInputSchema):
    """A refund as finance types it, in the order's currency's major unit."""

    amount_minor = Money(data_key="amount", required=True, minimum=1, maximum=MAX_PRICE)

    def __init__(self, currency: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["amount_minor"].currency = currency


class DisputeDecisionFormSchema(FormSchema, DisputeDecisionSchema):
    """A dispute decision as a reviewer types it: a partial refund in the major unit."""

    refund_minor = Money(data_key="refund", load_default=None, allow_none=True, maximum=MAX_PRICE)

    def __init__(self, currency: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["refund_minor"].currency = currency


class CardConfirmSchema(Schema):
    """A payment method tokenised by Stripe.js (``pm_…`` or ``card_…``)."""

    payment_method = fields.String(
        required=True, validate=validate.Regexp(r"^(pm|card|src)_[A-Za-z0-9]+$")
    )


class RecordsQuerySchema(Schema):
    """A slice of a delivered file's lines (metered API delivery)."""

    file_id = Id(required=True)
    offset = Int(bits=64, load_default=0, validate=validate.Range(min=0))
    limit = Int(load_default=100, validate=validate.Range(min=1, max=1000))


class DownloadQuerySchema(Schema):
    """A signed download link's parameters."""

    expires = Int(bits=64, required=True)
    signature = fields.String(required=True, validate=Length(equal=64))


class OrderEventSchema(Schema):
    """One move of an order."""

    action = fields.String()
    from_status = fields.Enum(OrderStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(OrderStatus, by_value=True)
    actor = fields.String()
    note = fields.String(allow_none=True)
    at = fields.DateTime()


class PaymentSchema(Schema):
    """A payment or receipt."""

    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    method = fields.Enum(PaymentMethod, by_value=True)
    status = fields.Enum(PaymentStatus, by_value=True)
    amount_minor = fields.Integer()
    currency = fields.String()
    stripe_payment_intent_id = fields.String(allow_none=True)
    bank_transaction_id = fields.String(allow_none=True)
    bank_account_id = fields.Integer(allow_none=True)
    value_date = fields.Date(allow_none=True)
    reference = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class RefundSchema(Schema):
    """A refund."""

    id = fields.Integer()
    order_id = fields.Integer()
    amount_minor = fields.Integer()
    currency = fields.String()
    status = fields.Enum(RefundStatus, by_value=True)
    method = fields.Enum(PaymentMethod, by_value=True)
    after_settlement = fields.Boolean()
    reason = fields.String()
    stripe_refund_id = fields.String(allow_none=True)
    failure = fields.String(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class DisputeSchema(Schema):
    """A dispute."""

    id = fields.Integer()
    order_id = fields.Integer()
    status = fields.Enum(DisputeStatus, by_value=True)
    reason = fields.String()
    stripe_dispute_id = fields.String(allow_none=True)
    decision = fields.Enum(DisputeDecision, by_value=True, allow_none=True)
    refund_minor = Int(bits=64, allow_none=True)
    decision_note = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


def _shown(attribute: str, description: str) -> fields.String:
    """A read-only name an order shows from a related row (``buyer.name_zh``)."""
    return fields.String(attribute=attribute, dump_only=True, metadata={"description": description})


class OrderSchema(Schema):
    """An order as its buyer, its provider and exchange staff see it."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    status = fields.Enum(OrderStatus, by_value=True)
    buyer_organisation_id = fields.Integer()
    buyer_name_zh = _shown("buyer.name_zh", "the buyer's name")
    buyer_name_en = _shown("buyer.name_en", "the buyer's English name")
    provider_organisation_id = fields.Integer()
    provider_name_zh = _shown("provider.name_zh", "the provider's name")
    provider_name_en = _shown("provider.name_en", "the provider's English name")
    listing_id = fields.Integer()
    listing_title_zh = _shown(
        "revision.title_zh", "the listing's title as ordered (its revision's)"
    )
    listing_title_en = _shown("revision.title_en", "the listing's English title as ordered")
    revision_id = fields.Integer()
    plan_id = fields.Integer()
    usage_scenario = fields.Enum(UsageScenario, by_value=True)
    usage_note = fields.String(allow_none=True)
    cross_border = fields.Boolean()
    outbound = fields.Boolean()
    cross_border_recipient = fields.String(allow_none=True)
    terms = fields.Dict()
    plan = fields.Dict(attribute="plan_snapshot")
    delivery_method = fields.Enum(DeliveryMethod, by_value=True)
    exclusive = fields.Boolean()
    price_minor = fields.Integer()
    currency = fields.String()
    fee_bps = fields.Integer()
    paid_minor = fields.Integer()
    refunded_minor = fields.Integer()
    fee_minor = fields.Integer(
        metadata={
            "description": "the platform's fee, VAT included, taken from the provider's share: "
            "0 until the order settles (after acceptance), when settlement books it"
        }
    )
    provider_minor = fields.Integer(
        metadata={
            "description": "what the provider is owed for the order: 0 until the order "
            "settles, then the net paid less `fee_minor`"
        }
    )
    payment_method = fields.Enum(PaymentMethod, by_value=True, allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    acceptance_due_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)
    entitlement_id = fields.Integer(
        attribute="entitlement.id",
        dump_only=True,
        allow_none=True,
        dump_default=None,
        metadata={
            "description": "the entitlement to the order's data (`/entitlements/{id}`): null "
            "until the order is delivered"
        },
    )
    events = fields.List(fields.Nested(OrderEventSchema))
    payments = fields.List(fields.Nested(PaymentSchema))
    refunds = fields.List(fields.Nested(RefundSchema))
    disputes = fields.List(fields.Nested(DisputeSchema))


class BankInstructionsSchema(Schema):
    """How to pay an order by bank transfer."""

    reference = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    bank_account = fields.String(
        metadata={"description": "the exchange's bank account in the request's language"}
    )
    registered_bank_account = fields.String(
        metadata={
            "description": "the account as the bank registered it (Chinese), which a transfer "
            "must name as the payee"
        }
    )


class IntentSchema(Schema):
    """A PaymentIntent for Stripe.js to confirm."""

    payment_id = fields.Integer()
    payment_intent_id = fields.String(attribute="id")
    status = fields.String()
    client_secret = fields.String()
    publishable_key = fields.String()
    payment_method_types = fields.List(fields.String())


class EntitlementSchema(Schema):
    """What a buyer may use, until when, under which terms."""

    id = fields.Integer()
    order_id = fields.Integer()
    delivery_method = fields.Enum(DeliveryMethod, by_value=True)
    status = fields.Enum(EntitlementStatus, by_value=True)
    terms = fields.Dict()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime(allow_none=True)
    max_downloads = fields.Integer(allow_none=True)
    downloads_used = fields.Integer()
    calls_allowed = fields.Integer(allow_none=True)
    calls_used = fields.Integer()


class DownloadLinkSchema(Schema):
    """One delivered file and the address that gets it."""

    file_id = fields.Integer()
    name = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.String(
        metadata={
            "description": "a signed download link, valid until `expires`; for an entitlement "
            "delivered through the API, the file's `records?file_id=` address instead"
        }
    )
    expires = fields.Integer(
        allow_none=True,
        metadata={"description": "when the link expires (Unix time); null for API delivery"},
    )


class ManifestSchema(Schema):
    """A delivered version's files and the Merkle root over their SHA-256 hashes."""

    entitlement_id = fields.Integer()
    asset_id = fields.Integer()
    version = fields.Integer()
    merkle_root = fields.String()
    total_bytes = fields.Integer()
    files = fields.List(fields.Nested(DownloadLinkSchema))


class RecordsSchema(Schema):
    """Lines of a delivered file, and the calls left on a usage package."""

    file_id = fields.Integer()
    offset = fields.Integer()
    lines = fields.List(fields.String())
    calls_left = Int(allow_none=True)
