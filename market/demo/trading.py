"""Demo orders in every state, paid by bank transfer (the demo has no Stripe keys) and posted
to the ledger through the real services, so ``shujiao ledger verify`` passes on the demo."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.db import utcnow
from market.finance import payees, payouts
from market.identity.models import Membership, Organisation, User
from market.listings.models import DeliveryMethod, Listing, ListingStatus, PlanKind
from market.outbox import OutboxMessage
from market.trading import books, orders, payments, refunds, settlement
from market.trading.models import DisputeDecision, Order
from market.trading.settings import from_config
from market.trading.states import Actor

BUYERS = ("buyer.invest@demo.shujiao.cn", "buyer.health@demo.shujiao.cn")
FINANCE_EMAIL = "finance@demo.shujiao.cn"
REVIEWER_EMAIL = "reviewer@demo.shujiao.cn"
ADMIN_EMAIL = "admin@demo.shujiao.cn"


def _payee_accounts(session: Session, finance: User, confirmer: User, now) -> None:
    """A confirmed payee account for every provider owed money (entered by finance, confirmed
    by the platform admin: two people, as payouts require)."""
    for number, organisation_id in enumerate(sorted(books.payables(session, "CNY")), start=1):
        organisation = session.get(Organisation, organisation_id)
        payee = payees.request_change(
            session,
            organisation_id,
            finance,
            {
                "account_name": organisation.name_zh,
                "bank_name": "招商银行",
                "branch_name": "深圳分行营业部",
                "account_number": f"7559{number:012d}",
                "cnaps_code": "308584000013",
            },
            now,
        )
        payees.confirm(session, payee.id, confirmer, now)


def _user(session: Session, email: str) -> User:
    return session.scalar(sa.select(User).where(User.email_key == email))


def _organisation(session: Session, user: User) -> Organisation:
    return session.scalar(
        sa.select(Organisation).join(Membership).where(Membership.user_id == user.id)
    )


def _candidates(session: Session, method: DeliveryMethod) -> list:
    """Live plans a mainland buyer may buy: mainland providers, public, not exclusive."""
    found = []
    for listing in session.scalars(
        sa.select(Listing).where(Listing.status == ListingStatus.PUBLISHED).order_by(Listing.id)
    ):
        revision = listing.live_revision
        if revision.delivery_method != method or listing.organisation.jurisdiction != "CN":
            continue
        for plan in revision.public_plans:
            if plan.kind in (PlanKind.ONE_TIME, PlanKind.USAGE_PACKAGE) and not plan.exclusive:
                found.append(plan)
                break
    return found


def seed(session: Session, config: Mapping) -> int:
    """Seed demo orders (once); returns how many."""
    if session.scalar(sa.select(sa.func.count()).select_from(Order)):
        return 0
    settings = from_config(config)
    finance, reviewer = _user(session, FINANCE_EMAIL), _user(session, REVIEWER_EMAIL)
    buyers = [
        (user, _organisation(session, user)) for user in map(lambda e: _user(session, e), BUYERS)
    ]
    files, apis = (
        _candidates(session, DeliveryMethod.DOWNLOAD),
        _candidates(session, DeliveryMethod.API),
    )
    now = utcnow() - timedelta(days=3)
    counter = iter(range(1, 1000))

    def order(plan, buyer=0):
        user, organisation = buyers[buyer]
        scenario = plan.effective_terms["scenarios"][0]
        placed, _ = orders.place(
            session, organisation, user, {"plan_id": plan.id, "usage_scenario": scenario},
            now, settings.fee_bps_for, vat_bps=settings.vat_bps,
        )  # fmt: skip
        return placed

    def pay(placed, amount=None):
        return payments.record_bank_receipt(
            session, finance,
            {"reference": placed.reference, "amount_minor": amount or placed.price_minor,
             "currency": placed.currency, "bank_transaction_id": f"DEMO-CMB-{next(counter):05d}",
             "payer_name": placed.buyer.name_zh},
            settings, now,
        )  # fmt: skip

    created = []
    # awaiting payment, and one with a short transfer held for finance
    created.append(order(files[0]))
    short = order(files[1], buyer=1)
    pay(short, short.price_minor - 10_000)
    created.append(short)
    # cancelled
    cancelled = order(files[2])
    orders.cancel(session, cancelled, cancelled.placed_by, now)
    created.append(cancelled)
    # paid, waiting for the provider to provision API access
    if apis:
        api_order = order(apis[0])
        pay(api_order)
        created.append(api_order)
    # delivered (acceptance window open)
    delivered = order(files[3], buyer=1)
    pay(delivered)
    created.append(delivered)
    # accepted, settlement due tomorrow (T+1)
    accepted = order(files[4])
    pay(accepted)
    settlement.accept(session, accepted, now, Actor.BUYER, accepted.placed_by)
    session.flush()
    message = session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    message.available_at = utcnow() + timedelta(days=1)
    created.append(accepted)
    # settled (two, one paid out), settled then partially refunded
    for index in (5, 6, 7):
        done = order(files[index], buyer=index % 2)
        pay(done)
        settlement.accept(session, done, now, Actor.BUYER, done.placed_by)
        settlement.settle(session, done.id, now)
        created.append(done)
    _payee_accounts(session, finance, _user(session, ADMIN_EMAIL), now)
    payouts.build_batch(session, finance, "CNY", now)
    late = order(files[8])
    pay(late)
    settlement.accept(session, late, now, Actor.BUYER, late.placed_by)
    settlement.settle(session, late.id, now)
    refunds.request(session, late.id, late.price_minor // 4, "部分数据缺失 · partial data gap",
                    finance, now, idempotency_key="demo-refund-1")  # fmt: skip
    created.append(late)
    # refunded in full before settlement
    refunded = order(files[9], buyer=1)
    pay(refunded)
    refunds.request(session, refunded.id, refunded.price_minor, "买方撤回 · buyer withdrew",
                    finance, now, idempotency_key="demo-refund-2")  # fmt: skip
    created.append(refunded)
    # disputed, and a dispute decided with a partial refund
    disputed = order(files[10])
    pay(disputed)
    refunds.open_dispute(session, disputed, "字段与说明不符 · fields differ from the description",
                         now, disputed.placed_by)  # fmt: skip
    created.append(disputed)
    partial = order(files[11], buyer=1)
    pay(partial)
    refunds.open_dispute(session, partial, "缺少2023年数据 · 2023 missing", now, partial.placed_by)
    refunds.decide(session, partial.id, reviewer, DisputeDecision.PARTIAL_REFUND,
                   "退还30% · 30% back", now, partial.price_minor * 3 // 10)  # fmt: skip
    settlement.settle(session, partial.id, now)
    created.append(partial)
    session.flush()
    return len(created)
