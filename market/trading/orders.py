"""Orders (訂單): placing one under a declared usage scenario, the checks of eligibility, and
the one way an order changes status (:func:`move`, which logs every move).

Services take the session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import idempotency
from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.identity.models import Organisation, User
from market.listings import plans as listing_plans
from market.listings import terms as licence
from market.listings.models import (
    PATHWAY_LABELS,
    CrossBorderPathway,
    PersonalInfoHandling,
    Plan,
)
from market.text import N_
from market.trading import notices
from market.trading.models import Entitlement, ExclusiveClaim, Order, OrderEvent, OrderStatus
from market.trading.states import Action, Actor, next_status


class UsageNotPermitted(InvalidInput):
    """The licence does not permit the usage scenario chosen; the refusal names the ones it
    does (``permitted_usage_scenarios`` beside the errors, for a client)."""

    def __init__(self, permitted: list[str]) -> None:
        super().__init__(
            N_("The licence does not permit this use: it permits only %(permitted)s."),
            field="usage_scenario",
            facts={"permitted_usage_scenarios": list(permitted)},
        )
        self.permitted = list(permitted)

    def translated(self, translate) -> str:
        """The refusal with the permitted uses named in the reader's language."""
        join = functools.partial(licence.joined, gettext=translate)
        names = licence.scenario_phrase(self.permitted, translate, join)
        return translate(self.message) % {"permitted": names}


def reference_for(order_id: int) -> str:
    """The bank-transfer reference of an order: ``SJ`` + 8 digits + ISO 7064 mod 97 check."""
    body = f"{order_id:08d}"
    check = 98 - (int(body) * 100) % 97
    return f"SJ{body}{check:02d}"


def is_valid_reference(reference: str) -> bool:
    """Whether a reference quoted on a transfer carries a correct check pair."""
    text = reference.strip().upper()
    if len(text) != 12 or not text.startswith("SJ") or not text[2:].isdigit():
        return False
    return reference_for(int(text[2:10])) == text


def lock(session: Session, order_id: int) -> Order:
    """The order, locked for the rest of the transaction (``FOR UPDATE`` on PostgreSQL; SQLite's
    writer lock is already held), freshly read."""
    order = session.scalar(
        sa.select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(N_("No such order."))
    return order


def move(
    session: Session,
    order: Order,
    action: Action,
    actor: Actor,
    now: datetime,
    user: User | None = None,
    note: str | None = None,
) -> OrderStatus:
    """Move ``order`` by ``action`` (table in ``states``) and log the move."""
    target = next_status(order.status, action, actor)
    session.add(
        OrderEvent(
            order_id=order.id,
            action=str(action),
            from_status=order.status,
            to_status=target,
            actor=str(actor),
            user_id=user.id if user else None,
            note=note,
            at=now,
        )
    )
    order.status = target
    order.updated_at = now
    return target


def order_for(session: Session, order_id: int, organisation_ids, *, staff: bool = False) -> Order:
    """An order the caller may see: as its buyer or provider, or as exchange staff."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(N_("No such order."))
    if staff:
        return order
    if order.buyer_organisation_id not in organisation_ids and (
        order.provider_organisation_id not in organisation_ids
    ):
        raise NotFound(N_("No such order."))
    return order


def require_buyer(order: Order, organisation_ids, action: Action | None = None) -> None:
    """Only the buyer organisation may do this; the refusal names ``action``, the move refused
    (the right action by the wrong kind of actor), when it is one."""
    if order.buyer_organisation_id not in organisation_ids:
        details = {"action": [action.value]} if action else {}
        raise PermissionDenied(N_("Only the buyer may do this."), **details)


def require_provider(order: Order, organisation_ids, action: Action | None = None) -> None:
    """Only the provider organisation may do this (see :func:`require_buyer`)."""
    if order.provider_organisation_id not in organisation_ids:
        details = {"action": [action.value]} if action else {}
        raise PermissionDenied(N_("Only the provider may do this."), **details)


def is_cross_border(plan: Plan, buyer: Organisation, declared: bool) -> bool:
    """Whether an order of ``plan`` by ``buyer`` is use of the data outside the provider's
    jurisdiction: declared so, or a buyer registered elsewhere (``Listing.is_abroad_for``)."""
    return declared or plan.revision.listing.is_abroad_for(buyer)


CROSS_BORDER_PERSONAL_INFO = {
    PersonalInfoHandling.NONE: N_("The compliance review found no personal information in it."),
    PersonalInfoHandling.DEIDENTIFIED: N_(
        "It holds de-identified personal information: you must not try to re-identify anyone, "
        "and must not pass it to a third party outside the licensed territory."
    ),
    PersonalInfoHandling.LAWFUL_BASIS: N_(
        "It holds personal information processed on a lawful basis: you must protect it to the "
        "standard of the Personal Information Protection Law, and must not pass it to a third "
        "party without the provider's written consent."
    ),
}


#: A pathway's label without the regulation it names, for evidence that cites it (《…》).
CITED = {CrossBorderPathway.EXEMPT: N_("Exempt")}

#: Evidence the exchange's reviewers write in the same words for many listings (the demo's
#: exemption), stored in Simplified as written and shown in the reader's language.
STANDARD_EVIDENCE = {
    "无个人信息，适用《促进和规范数据跨境流动规定》第三条": N_(
        "no personal information: Article 3 of the Provisions on Promoting and Regulating "
        "Cross-Border Data Flows applies"
    ),
}


def cross_border_terms(plan: Plan, gettext, territories=", ".join) -> list[str]:
    """The terms a buyer accepts to take the data out of the provider's jurisdiction (數據出境),
    from the licence and the listing's compliance review, in the reader's language; empty
    when the licence does not allow cross-border use or the data is not on the mainland
    (``Listing.is_outbound``). ``territories`` names the licence's territory codes as one
    phrase (pages: ``market.display.territories``)."""
    terms, review = plan.effective_terms, plan.revision.review
    if not terms["cross_border"] or review is None or review.cross_border_pathway is None:
        return []
    if not plan.revision.listing.is_outbound:
        return []
    pathway = gettext(PATHWAY_LABELS[review.cross_border_pathway])
    if "《" in (review.cross_border_evidence or "") and review.cross_border_pathway in CITED:
        # Evidence citing the regulation names it as written (in Simplified); our label
        # naming it again, in the page's script, read as two regulations.
        pathway = gettext(CITED[review.cross_border_pathway])
    if review.cross_border_evidence:
        evidence = review.cross_border_evidence
        if evidence in STANDARD_EVIDENCE:
            evidence = gettext(STANDARD_EVIDENCE[evidence])
        pathway = f"{pathway} ({evidence})"
    if terms["territory"] == [licence.WORLDWIDE]:
        territory = gettext(N_("Worldwide"))
    else:
        territory = territories(terms["territory"])
    return [
        gettext(N_("The data leaves mainland China under: %(pathway)s."), pathway=pathway),
        gettext(CROSS_BORDER_PERSONAL_INFO[review.personal_info]),
        gettext(
            N_("It includes important data, cleared for export by a CAC security assessment.")
            if review.important_data
            else N_("The compliance review found no important data in it.")
        ),
        gettext(
            N_(
                "You use it only in the licensed territory (%(territory)s) and only for the usage "
                "scenario you declare."
            ),
            territory=territory,
        ),
        gettext(
            N_(
                "You keep a record of where the data is stored and who processes it, and show it "
                "to the provider or a regulator on request."
            )
        ),
    ]


def _check_cross_border(plan: Plan, buyer: Organisation, data: dict) -> tuple[bool, bool]:
    """A buyer outside the provider's jurisdiction (mainland → Hong Kong counts, and so does
    Macao → mainland), or one declaring use abroad, needs terms allowing cross-border use.
    When that takes the data out of mainland China (``Listing.is_outbound``), it also needs a
    pathway recorded in the listing's compliance review, and to declare the export: accept the
    cross-border terms (:func:`cross_border_terms`), name the recipient abroad and where it is,
    and say what the data will be used for (``usage_note``). Returns whether the order is
    cross-border, and whether it is an outbound transfer so declared."""
    revision = plan.revision
    cross_border = is_cross_border(plan, buyer, bool(data.get("cross_border")))
    if not cross_border:
        return False, False
    if not plan.effective_terms["cross_border"]:
        raise InvalidInput(
            N_("The licence does not allow use outside the provider's jurisdiction."),
            field="cross_border",
        )
    if revision.listing.is_abroad_for(buyer) and not listing_plans.allows_abroad(
        plan.effective_terms, buyer
    ):
        raise InvalidInput(
            N_(
                "The licence's territory does not include where the buying organisation is "
                "registered."
            ),
            field="cross_border",
        )
    if not revision.listing.is_outbound:
        return True, False
    review = revision.review
    if review is None or review.cross_border_pathway is None:
        raise InvalidInput(
            N_("This listing has no cross-border pathway recorded in its compliance review."),
            field="cross_border",
        )
    missing = {}
    if not data.get("cross_border_terms_accepted"):
        missing["cross_border_terms_accepted"] = N_(
            "This order takes the data out of the provider's jurisdiction: accept the "
            "cross-border terms to place it."
        )
    if not (data.get("cross_border_recipient") or "").strip():
        missing["cross_border_recipient"] = N_(
            "A cross-border order names who receives the data outside the provider's "
            "jurisdiction, and where."
        )
    if not (data.get("usage_note") or "").strip():
        missing["usage_note"] = N_(
            "A cross-border order says what the data will be used for outside the provider's "
            "jurisdiction."
        )
    if missing:
        field, message = next(iter(missing.items()))
        raise InvalidInput(message, field=field, more=dict(list(missing.items())[1:]))
    return True, True


def _check_exclusivity(session: Session, plan: Plan, buyer_id: int, now: datetime) -> None:
    # An exclusive licence excludes every other buyer from the listing, whatever revision or
    # plan they would buy under; the holder may still buy other plans. A sold licence whose
    # term has ended excludes nobody: its claim goes, and the licence is for sale again.
    held = session.execute(
        sa.select(ExclusiveClaim, Order.buyer_organisation_id, Entitlement.ends_at)
        .join(Order, ExclusiveClaim.order_id == Order.id)
        .outerjoin(Entitlement, Entitlement.order_id == Order.id)
        .where(ExclusiveClaim.listing_id == plan.revision.listing_id)
    ).first()
    if held is None:
        return
    claim, holder, ends_at = held
    if ends_at is not None and ends_at <= now:
        session.delete(claim)
        session.flush()
        return
    if plan.exclusive or holder != buyer_id:
        raise Conflict(N_("This exclusive licence has already been sold."), field="plan_id")


def _claim_exclusive(session: Session, plan: Plan, order: Order) -> None:
    claim = ExclusiveClaim(listing_id=order.listing_id, plan_id=plan.id, order_id=order.id)
    try:
        with session.begin_nested():
            session.add(claim)
    except sa.exc.IntegrityError:
        # Another buyer's order took the licence at the same moment (PostgreSQL waits for it).
        raise Conflict(
            N_("This exclusive licence has already been sold."), field="plan_id"
        ) from None


def release_exclusive(session: Session, order: Order) -> None:
    """Free an exclusive licence again when its order is cancelled or refunded in full (one
    whose term ends is freed by the next order for the listing)."""
    session.execute(sa.delete(ExclusiveClaim).where(ExclusiveClaim.order_id == order.id))


def place(
    session: Session,
    buyer: Organisation,
    user: User,
    data: dict,
    now: datetime,
    fee_bps_for,
    idempotency_key: str | None = None,
    *,
    vat_bps: int,
) -> tuple[Order, bool]:
    """Place an order for ``data["plan_id"]``; ``(order, created)``.

    ``data``: ``plan_id``, ``usage_scenario``, ``usage_note``, ``cross_border``,
    ``cross_border_terms_accepted`` and ``cross_border_recipient`` (these two and
    ``usage_note`` needed when the order is an outbound transfer). The terms,
    scenario and price are bound into the order as they are now. With an idempotency key, the
    same key and body return the first order (``created`` false); another body is a Conflict.
    ``fee_bps_for(category)`` gives the platform fee rate (basis points) to bind, ``vat_bps``
    the output VAT rate inside that fee.
    """
    digest = idempotency.request_hash(data)
    if idempotency_key:
        existing = idempotency.replay(
            session,
            sa.select(Order).where(
                Order.buyer_organisation_id == buyer.id, Order.idempotency_key == idempotency_key
            ),
            digest,
            N_("This Idempotency-Key was used for a different order."),
        )
        if existing is not None:
            return existing, False
    if buyer.is_suspended:
        raise PermissionDenied(
            N_("Your organisation is suspended and cannot place orders."),
            verification_state=[buyer.verification_state.value],
        )
    if not buyer.is_verified:
        raise PermissionDenied(
            N_("Your organisation must be verified before it can trade."),
            verification_state=[buyer.verification_state.value],
        )
    plan = listing_plans.purchasable_plan(session, data["plan_id"], buyer.id, now)
    if plan.revision.listing.organisation.is_suspended:
        raise Conflict(N_("This plan is no longer on sale."), field="plan_id")
    scenario = data["usage_scenario"]
    terms = plan.effective_terms
    if not licence.permits(terms, scenario):
        raise UsageNotPermitted(terms["scenarios"])
    cross_border, outbound = _check_cross_border(plan, buyer, data)
    if plan.price_minor <= 0:
        raise Conflict(N_("This plan has no price and cannot be ordered."), field="plan_id")
    _check_exclusivity(session, plan, buyer.id, now)
    revision = plan.revision
    order = Order(
        buyer_organisation_id=buyer.id,
        provider_organisation_id=revision.listing.organisation_id,
        placed_by_id=user.id,
        listing_id=revision.listing_id,
        revision_id=revision.id,
        plan_id=plan.id,
        status=OrderStatus.AWAITING_PAYMENT,
        usage_scenario=scenario,
        usage_note=data.get("usage_note"),
        cross_border=cross_border,
        outbound=outbound,
        cross_border_recipient=data.get("cross_border_recipient") if outbound else None,
        terms=dict(terms),
        plan_snapshot={
            "kind": str(plan.kind),
            "name_zh": plan.name_zh,
            "name_en": plan.name_en,
            "period": str(plan.period) if plan.period else None,
            "periods": plan.periods,
            "calls": plan.calls,
            "exclusive": plan.exclusive,
        },
        delivery_method=revision.delivery_method,
        category=revision.category,
        exclusive=plan.exclusive,
        price_minor=plan.price_minor,
        currency=plan.currency,
        fee_bps=fee_bps_for(revision.category),
        vat_bps=vat_bps,
        idempotency_key=idempotency_key,
        request_hash=digest,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    order.reference = reference_for(order.id)
    if plan.exclusive:
        _claim_exclusive(session, plan, order)
    session.add(
        OrderEvent(
            order_id=order.id,
            action=str(Action.PLACE),
            from_status=None,
            to_status=order.status,
            actor=str(Actor.BUYER),
            user_id=user.id,
            at=now,
        )
    )
    notices.order_placed(session, order, now)
    return order, True


def cancel(session: Session, order: Order, user: User, now: datetime, actor=Actor.BUYER) -> None:
    """Cancel an unpaid order; an exclusive plan is free again."""
    move(session, order, Action.CANCEL, actor, now, user)
    order.closed_at = now
    release_exclusive(session, order)


def purchases(organisation_id: int) -> sa.Select:
    """A buyer's orders, newest first."""
    return (
        sa.select(Order)
        .where(Order.buyer_organisation_id == organisation_id)
        .order_by(Order.id.desc())
    )


def sales(organisation_id: int) -> sa.Select:
    """A provider's orders, newest first."""
    return (
        sa.select(Order)
        .where(Order.provider_organisation_id == organisation_id)
        .order_by(Order.id.desc())
    )


def ordered_plans(session: Session, plan_ids) -> set[int]:
    """Which of ``plan_ids`` (private offers, say) have an order that was not cancelled."""
    if not plan_ids:
        return set()
    return set(
        session.scalars(
            sa.select(Order.plan_id).where(
                Order.plan_id.in_(list(plan_ids)), Order.status != OrderStatus.CANCELLED
            )
        )
    )
