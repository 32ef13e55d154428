"""Trading models: orders and their events, payments, refunds, disputes, entitlements,
downloads and payouts.

An :class:`Order` binds a buyer organisation to one plan of a published listing with the licence
terms, usage scenario and price as they were when it was placed. Money about an order lives in
the ledger (``liabilities:escrow:order:<id>``); the amounts kept here are the order's own view of
it, written in the same transaction as the ledger entry that moved the money.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, enum_type, utcnow
from market.identity.models import Organisation, User
from market.listings.models import DeliveryMethod, Listing, ListingRevision, Plan, UsageScenario
from market.registry.models import Industry
from market.text import N_


class OrderStatus(enum.StrEnum):
    """Where an order stands; the allowed moves are the table in ``states``."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


ORDER_STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: N_("Awaiting payment"),
    OrderStatus.PAID: N_("Paid (in escrow)"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.ACCEPTED: N_("Accepted"),
    OrderStatus.SETTLED: N_("Settled"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.REFUNDED: N_("Refunded"),
    OrderStatus.DISPUTED: N_("Disputed"),
}


class PaymentMethod(enum.StrEnum):
    """How a buyer pays."""

    STRIPE = "stripe"
    BANK_TRANSFER = "bank_transfer"


PAYMENT_METHOD_LABELS = {
    PaymentMethod.STRIPE: N_("Card or wallet (Stripe)"),
    PaymentMethod.BANK_TRANSFER: N_("Bank transfer"),
}


class PaymentStatus(enum.StrEnum):
    """Where a payment stands. ``held``: a bank receipt that does not match, for finance."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    HELD = "held"
    RETURNED = "returned"


class RefundStatus(enum.StrEnum):
    """Where a refund stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundTransferStatus(enum.StrEnum):
    """Where the money of a bank-paid order's refund stands (``finance.refund_transfers``):
    owed to the buyer until finance sends it, in transit until the bank statement shows it."""

    TO_SEND = "to_send"
    SENT = "sent"
    PAID = "paid"


class DisputeStatus(enum.StrEnum):
    """Where a dispute stands."""

    OPEN = "open"
    DECIDED = "decided"


class DisputeDecision(enum.StrEnum):
    """A reviewer's decision on a dispute."""

    RELEASE = "release"
    PARTIAL_REFUND = "partial_refund"
    FULL_REFUND = "full_refund"


DISPUTE_DECISION_LABELS = {
    DisputeDecision.RELEASE: N_("Release to the provider"),
    DisputeDecision.PARTIAL_REFUND: N_("Partial refund, rest to the provider"),
    DisputeDecision.FULL_REFUND: N_("Full refund to the buyer"),
}


class EntitlementStatus(enum.StrEnum):
    """Whether an entitlement may be used."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


ENTITLEMENT_STATUS_LABELS = {
    EntitlementStatus.ACTIVE: N_("Active"),
    EntitlementStatus.SUSPENDED: N_("Suspended"),
    EntitlementStatus.REVOKED: N_("Revoked"),
}


class PayoutStatus(enum.StrEnum):
    """Where a payout stands: ``built`` (reserved) → ``submitted`` (file sent to the bank, money
    in transit) → ``paid`` (on the bank statement) or ``returned`` (the bank sent it back);
    ``cancelled`` with its batch before submission. ``pending``: rows from before batches had
    a life (paid when built)."""

    PENDING = "pending"
    BUILT = "built"
    SUBMITTED = "submitted"
    PAID = "paid"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class PayoutBatchStatus(enum.StrEnum):
    """Where a payout batch stands: ``paid`` or ``returned`` once every payout is one or the
    other (``paid`` if any was paid)."""

    BUILT = "built"
    SUBMITTED = "submitted"
    PAID = "paid"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Order(Base):
    """An order (訂單): a buyer's purchase of one plan under a declared usage scenario."""

    __tablename__ = "trading_orders"
    __table_args__ = (
        sa.UniqueConstraint("buyer_organisation_id", "idempotency_key"),
        sa.Index("ix_trading_orders_status_due", "status", "acceptance_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The reference a buyer quotes on a bank transfer (unique, with a check pair).
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    buyer_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    provider_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    placed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_revisions.id"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_plans.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus), index=True)
    usage_scenario: Mapped[UsageScenario] = mapped_column(enum_type(UsageScenario))
    usage_note: Mapped[str | None] = mapped_column(sa.Text)
    # Use outside the provider's jurisdiction: declared, or a buyer registered elsewhere.
    cross_border: Mapped[bool] = mapped_column(default=False)
    # A cross-border order of a mainland provider's data: a transfer out of mainland China
    # (數據出境), placed with the export declaration (terms accepted, recipient, purpose).
    outbound: Mapped[bool] = mapped_column(default=False)
    # Who receives the data outside the provider's jurisdiction, and where (a cross-border
    # order declares it, with its purpose in ``usage_note``).
    cross_border_recipient: Mapped[str | None] = mapped_column(sa.String(300))
    # Bound at ordering: the licence terms and the plan as they were then.
    terms: Mapped[dict] = mapped_column(sa.JSON)
    plan_snapshot: Mapped[dict] = mapped_column(sa.JSON)
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_type(DeliveryMethod))
    category: Mapped[Industry] = mapped_column(enum_type(Industry))
    exclusive: Mapped[bool] = mapped_column(default=False)
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    fee_bps: Mapped[int]
    # Output VAT inside the fee (basis points), bound like the fee rate; its amount at settlement.
    vat_bps: Mapped[int] = mapped_column(default=0)
    vat_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    fee_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    provider_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_method: Mapped[PaymentMethod | None] = mapped_column(enum_type(PaymentMethod))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    acceptance_due_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_organisation_id])
    provider: Mapped[Organisation] = relationship(foreign_keys=[provider_organisation_id])
    placed_by: Mapped[User] = relationship()
    listing: Mapped[Listing] = relationship()
    revision: Mapped[ListingRevision] = relationship()
    plan: Mapped[Plan] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")
    disputes: Mapped[list[Dispute]] = relationship(back_populates="order", order_by="Dispute.id")
    entitlement: Mapped[Entitlement | None] = relationship(back_populates="order")

    @property
    def escrow_account(self) -> str:
        """The ledger account holding this order's money until settlement."""
        return escrow_account(self.id)

    def title(self, locale: str | None) -> str:
        """The listing's title as ordered, in the reader's language."""
        return self.revision.title(locale)


def escrow_account(order_id: int) -> str:
    """``liabilities:escrow:order:<id>``."""
    return f"liabilities:escrow:order:{order_id}"


class OrderEvent(Base):
    """One move of an order: who, when, why, from which status to which."""

    __tablename__ = "trading_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_orders.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus))
    actor: Mapped[str] = mapped_column(sa.String(16))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class ExclusiveClaim(Base):
    """The one live exclusive licence of a listing: the unique listing id settles a race in
    the database, on every engine. It belongs to the listing, not to a revision's plan, so a
    new revision (whose copied plans have new ids) cannot sell it again. Released when the
    order is cancelled or fully refunded, or by the next order once the sold licence has ended."""

    __tablename__ = "trading_exclusive_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), unique=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("listing_plans.id"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_orders.id"), unique=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(Base):
    """A payment attempt or receipt: a Stripe PaymentIntent, or a bank transfer received."""

    __tablename__ = "trading_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a bank receipt quoting a reference no order has, held for finance.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("trading_orders.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True, index=True)
    # The Stripe refund that paid a held receipt back.
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True, index=True)
    # Bank transfers: the bank's transaction id (unique: one statement line, one receipt) and
    # the value date the bank gave it (起息日), which may differ from when it was recorded.
    bank_transaction_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    # The exchange's bank account the money came into (None: booked on ``assets:bank`` before
    # accounts were named, or no account is registered).
    bank_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_bank_accounts.id"))
    payer_name: Mapped[str | None] = mapped_column(sa.String(200))
    reference: Mapped[str | None] = mapped_column(sa.String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    order: Mapped[Order | None] = relationship(back_populates="payments")
    bank_account: Mapped[BankAccount | None] = relationship()  # noqa: F821 - finance's model


class Refund(Base):
    """Money returned to the buyer, before settlement (from escrow) or after (from the
    provider's payable, or a receivable when it is short)."""

    __tablename__ = "trading_refunds"
    __table_args__ = (sa.UniqueConstraint("order_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_orders.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[RefundStatus] = mapped_column(enum_type(RefundStatus), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    after_settlement: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.Text)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    # The ledger hold reserving the amount while Stripe is asked (Stripe refunds only).
    hold_id: Mapped[int | None]
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Who the refund acts for (an order move's actor): finance, a reviewer, Stripe.
    actor: Mapped[str] = mapped_column(sa.String(16))
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("trading_disputes.id"))
    failure: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # A bank-paid order's refund is money finance sends back by bank transfer: its status,
    # the buyer's payee account it went to, who sent it and when, and the bank's value date
    # and reference once the statement shows it. None for Stripe refunds (and for bank
    # refunds booked straight to the bank account before transfers were followed).
    transfer_status: Mapped[RefundTransferStatus | None] = mapped_column(
        enum_type(RefundTransferStatus), index=True
    )
    payee_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_payee_accounts.id"))
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[datetime | None]
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    bank_reference: Mapped[str | None] = mapped_column(sa.String(100))
    # The exchange's bank account the transfer was sent from.
    bank_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_bank_accounts.id"))

    order: Mapped[Order] = relationship(back_populates="refunds")
    payee_account: Mapped[PayeeAccount | None] = relationship()  # noqa: F821 - finance's model
    bank_account: Mapped[BankAccount | None] = relationship()  # noqa: F821 - finance's model

    @property
    def reference(self) -> str:
        """What the transfer's remark and the bank statement line quote for this refund."""
        return f"SJ-REFUND-{self.id}"


class Dispute(Base):
    """A buyer's dispute (or a Stripe chargeback): settlement is frozen until it is decided."""

    __tablename__ = "trading_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_orders.id"), index=True)
    status: Mapped[DisputeStatus] = mapped_column(enum_type(DisputeStatus), index=True)
    # The status the order had when the dispute opened (where a release returns it).
    order_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus))
    reason: Mapped[str] = mapped_column(sa.Text)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    stripe_dispute_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    decision: Mapped[DisputeDecision | None] = mapped_column(enum_type(DisputeDecision))
    refund_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="disputes")


class Entitlement(Base):
    """What a buyer may use (權益): which data, until when, under which terms, how often."""

    __tablename__ = "trading_entitlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_orders.id"), unique=True)
    buyer_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    asset_version_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_versions.id"))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_type(DeliveryMethod))
    status: Mapped[EntitlementStatus] = mapped_column(enum_type(EntitlementStatus))
    terms: Mapped[dict] = mapped_column(sa.JSON)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    max_downloads: Mapped[int | None]
    downloads_used: Mapped[int] = mapped_column(default=0)
    calls_allowed: Mapped[int | None] = mapped_column(sa.BigInteger)
    calls_used: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="entitlement")

    def usable_at(self, now: datetime) -> bool:
        """Active and inside its period."""
        return (
            self.status == EntitlementStatus.ACTIVE
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


class Download(Base):
    """One file delivered under an entitlement, with the hash of what was sent."""

    __tablename__ = "trading_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trading_entitlements.id"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("registry_asset_files.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutBatch(Base):
    """A batch of payouts built by finance: one bank file, or Stripe transfers."""

    __tablename__ = "trading_payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[PayoutBatchStatus] = mapped_column(
        enum_type(PayoutBatchStatus), default=PayoutBatchStatus.BUILT
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A retried request with the same key gets this batch back instead of building another.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The exchange's bank account whose portal took the file: the payouts leave it.
    bank_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_bank_accounts.id"))

    payouts: Mapped[list[Payout]] = relationship(back_populates="batch", order_by="Payout.id")
    bank_account: Mapped[BankAccount | None] = relationship()  # noqa: F821 - finance's model


class Payout(Base):
    """What the exchange pays one provider in a batch; posted to the ledger when built."""

    __tablename__ = "trading_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trading_payout_batches.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    status: Mapped[PayoutStatus] = mapped_column(enum_type(PayoutStatus))
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(255))
    # The confirmed payee account the bank file names, and the ledger hold reserving the money.
    payee_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finance_payee_accounts.id"))
    hold_id: Mapped[int | None]
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    bank_reference: Mapped[str | None] = mapped_column(sa.String(100))
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    batch: Mapped[PayoutBatch] = relationship(back_populates="payouts")
    organisation: Mapped[Organisation] = relationship()
    payee_account: Mapped[PayeeAccount | None] = relationship()  # noqa: F821 - finance's model

    @property
    def reference(self) -> str:
        """What the bank file and the bank statement line quote for this payout."""
        return f"SJ-PAYOUT-{self.id}"
