"""Pricing plans: the rules across a plan's fields and its revision, private offers, and what
trading (orders) asks of a plan: is it on sale to this buyer, under which terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.identity.models import Organisation
from market.listings import terms as licence
from market.listings.models import (
    DeliveryMethod,
    Listing,
    ListingStatus,
    Plan,
    PlanKind,
    RevisionState,
)
from market.text import N_

PLAN_FIELDS = (
    "kind",
    "name_zh",
    "name_en",
    "price_minor",
    "currency",
    "period",
    "periods",
    "calls",
    "exclusive",
    "buyer_organisation_id",
    "expires_at",
    "terms",
)

# The currency a provider prices in by where it is registered (ISO 3166-1 → ISO 4217): a new
# plan's currency starts there. Elsewhere none is assumed and the exchange's own is used.
PROVIDER_CURRENCIES = {"CN": "CNY", "HK": "HKD", "MO": "MOP"}


def starting_currency(organisation: Organisation | None, exchanges: str) -> str:
    """The currency a new plan of ``organisation`` starts in: its jurisdiction's, else
    ``exchanges`` (the exchange's currency)."""
    if organisation is None:
        return exchanges
    return PROVIDER_CURRENCIES.get(organisation.jurisdiction, exchanges)


def build_plan(
    session: Session,
    data: dict,
    delivery_method: DeliveryMethod,
    provider_id: int,
    now: datetime,
    field: str,
) -> Plan:
    """A plan from checked input, with the rules that need the revision or the database."""
    if data["kind"] == PlanKind.USAGE_PACKAGE and delivery_method != DeliveryMethod.API:
        raise InvalidInput(
            N_("Usage packages are sold for API delivery only."), field=f"{field}.kind"
        )
    if data["price_minor"] < 1:
        raise InvalidInput(
            N_("A plan must have a price: one at nothing cannot be ordered."),
            field=f"{field}.price_minor",
        )
    if data["kind"] == PlanKind.PRIVATE_OFFER:
        if data["expires_at"] <= now:
            raise InvalidInput(
                N_("A private offer must expire in the future."), field=f"{field}.expires_at"
            )
        buyer = session.get(Organisation, data["buyer_organisation_id"])
        if buyer is None or buyer.id == provider_id:
            raise InvalidInput(
                N_("No such buyer organisation."), field=f"{field}.buyer_organisation_id"
            )
    values = {name: data.get(name) for name in PLAN_FIELDS}
    if values["terms"] is not None:
        home = session.get(Organisation, provider_id).jurisdiction
        values["terms"] = licence.check_terms(values["terms"], home, field=f"{field}.terms")
    return Plan(**values)


def lowest_public_price(plans: list[Plan], in_cny=None) -> Plan | None:
    """The cheapest public plan (the "from" price shown and indexed); with ``in_cny``
    (``(minor, currency) -> fen or None``) compared in yuan, unconvertible plans last."""
    public = [plan for plan in plans if plan.kind != PlanKind.PRIVATE_OFFER]

    def key(plan: Plan) -> tuple:
        fen = in_cny(plan.price_minor, plan.currency) if in_cny else plan.price_minor
        return (fen is None, fen or 0, plan.price_minor, plan.id or 0)

    return min(public, key=key, default=None)


# --- What trading asks ------------------------------------------------------------------------


def purchasable_plan(session: Session, plan_id: int, buyer_id: int, now: datetime) -> Plan:
    """A plan a buyer may order now: on the live revision of a published listing; a private
    offer only for its buyer and before it expires. NotFound / Conflict otherwise."""
    plan = session.get(Plan, plan_id)
    hidden = plan is None or (
        plan.kind == PlanKind.PRIVATE_OFFER and plan.buyer_organisation_id != buyer_id
    )
    if hidden:
        raise NotFound(N_("No such plan."), field="plan_id")
    revision = plan.revision
    listing = revision.listing
    if listing.organisation_id == buyer_id:
        raise PermissionDenied(N_("An organisation cannot buy its own listing."), action=["buy"])
    if (
        listing.status != ListingStatus.PUBLISHED
        or revision.state != RevisionState.LIVE
        or listing.live_revision_id != revision.id
    ):
        raise Conflict(N_("This plan is no longer on sale."), field="plan_id")
    if plan.expires_at is not None and plan.expires_at <= now:
        raise Conflict(N_("This private offer has expired."), field="plan_id")
    return plan


@dataclass(frozen=True)
class Buyers:
    """Where a user's organisations stand before buying a listing, for the pages to say so
    before the order form rather than after it is sent."""

    #: Verified organisations, which may order (the provider itself left out).
    verified: list[Organisation]
    #: Organisations not verified yet, pointed to their verification instead.
    unverified: list[Organisation]
    #: Verified organisations registered outside the provider's jurisdiction: buying is use
    #: of the data outside it, whatever they declare.
    abroad: list[Organisation]
    #: Those of ``abroad`` that no plan's licence allows to buy: none allows cross-border use,
    #: or none's territory holds where they are registered.
    barred: list[Organisation]
    #: The provider itself, when it is one of the user's organisations: it cannot buy its
    #: own listing.
    own: list[Organisation]

    @property
    def all_barred(self) -> bool:
        """Whether no organisation of the user can buy for the licence's territory."""
        return bool(self.verified) and len(self.barred) == len(self.verified)


def buyers(listing: Listing, organisations: list[Organisation], plans: list[Plan]) -> Buyers:
    """Sort ``organisations`` (the user's) by whether they may buy ``listing`` under ``plans``
    (those offered to them): only a verified organisation trades, and one registered outside
    the provider's jurisdiction needs a licence allowing cross-border use in its own."""
    own = [
        organisation for organisation in organisations if organisation.id == listing.organisation_id
    ]
    others = [organisation for organisation in organisations if organisation not in own]
    verified = [organisation for organisation in others if organisation.is_verified]
    abroad = [organisation for organisation in verified if listing.is_abroad_for(organisation)]
    return Buyers(
        own=own,
        verified=verified,
        unverified=[organisation for organisation in others if not organisation.is_verified],
        abroad=abroad,
        barred=[
            organisation
            for organisation in abroad
            if not any(allows_abroad(plan.effective_terms, organisation) for plan in plans)
        ],
    )


def allows_abroad(terms: dict, buyer: Organisation) -> bool:
    """Whether a licence (``terms``) lets ``buyer``, registered outside the provider's
    jurisdiction, buy: it allows cross-border use, and its territory holds where the buyer is
    registered (a licence for the mainland and Hong Kong is no licence for Singapore)."""
    return terms["cross_border"] and licence.covers(terms, buyer.jurisdiction)
