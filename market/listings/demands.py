"""Demands (求購): buyers say what they need; the exchange matches listings after commit.

Posting a demand writes a ``demands.match`` outbox message; the worker runs
:func:`market.listings.matching.match` (search plus rules) and notifies matched providers.
Revising a demand matches it again; so does a change to the exchange's synonym list, for every
open demand (``demands.rematch_open``), since it changes what buyers' searches find.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.identity.models import Organisation, User
from market.listings.models import Demand, DemandMatch, DemandStatus, Listing, ListingRevision, Plan
from market.registry.claims import CHINA
from market.text import N_

TOPIC = "demands.match"
EXPIRE_TOPIC = "demands.expire"
REMATCH_TOPIC = "demands.rematch_open"

# The currency an organisation usually trades in, by where it is registered: Hong Kong and Macao
# organisations in Hong Kong dollars, as the demo's providers there price their plans; mainland
# ones in yuan. Elsewhere none is assumed.
JURISDICTION_CURRENCIES = {"CN": "CNY", "HK": "HKD", "MO": "HKD"}


def starting_currency(searched: str | None, organisation: Organisation | None, readers: str) -> str:
    """The currency a new demand's form starts in: the one its search was filtered to, else
    the buyer organisation's usual one, else ``readers`` (the page's language's)."""
    if searched:
        return searched
    if organisation is not None and organisation.jurisdiction in JURISDICTION_CURRENCIES:
        return JURISDICTION_CURRENCIES[organisation.jurisdiction]
    return readers


def deadline_end(demand: Demand) -> datetime:
    """The moment a demand's deadline day ends, in China Standard Time."""
    return datetime.combine(demand.deadline + timedelta(days=1), time.min, CHINA)


def is_open(demand: Demand, now: datetime) -> bool:
    """Whether the demand still takes offers."""
    return demand.status == DemandStatus.OPEN and now < deadline_end(demand)


def post(session: Session, organisation_id: int, user: User, data: dict, now: datetime) -> Demand:
    """Post a demand; it is matched with listings after this commit."""
    if data["deadline"] < now.date():
        raise InvalidInput(N_("The deadline has passed."), field="deadline")
    demand = Demand(
        organisation_id=organisation_id,
        created_by_id=user.id,
        status=DemandStatus.OPEN,
        created_at=now,
        **data,
    )
    session.add(demand)
    session.flush()
    outbox.enqueue(session, TOPIC, {"demand_id": demand.id})
    # Closed by the worker when its deadline day is over.
    expiry = outbox.enqueue(session, EXPIRE_TOPIC, {"demand_id": demand.id})
    expiry.available_at = deadline_end(demand)
    return demand


def own_demand(demand: Demand, organisation_ids, action: str) -> Demand:
    """The demand if one of ``organisation_ids`` posted it. Anyone else is refused ``action``
    (403 naming it): the demand is public on the board, so a 404 would contradict what the
    caller has just read."""
    if demand.organisation_id not in organisation_ids:
        raise PermissionDenied(N_("Only the demand's buyer may do this."), action=[action])
    return demand


def revise(session: Session, demand: Demand, organisation_ids, data: dict, now: datetime) -> Demand:
    """Its buyer changes an open demand (all its fields, as posted); it is matched again after
    this commit, and closed when its new deadline day is over."""
    own_demand(demand, organisation_ids, "revise")
    if demand.status != DemandStatus.OPEN:
        raise Conflict(N_("This demand is closed."), state=[demand.status.value], action=["revise"])
    if data["deadline"] < now.date():
        raise InvalidInput(N_("The deadline has passed."), field="deadline")
    for name, value in data.items():
        setattr(demand, name, value)
    session.flush()
    outbox.enqueue(session, TOPIC, {"demand_id": demand.id})
    expiry = outbox.enqueue(session, EXPIRE_TOPIC, {"demand_id": demand.id})
    expiry.available_at = deadline_end(demand)
    return demand


def rematch_open(session: Session, now: datetime) -> int:
    """Match every open demand again after this commit (one ``demands.match`` message each);
    how many. Run when what search finds changes for every query (the synonym list)."""
    ids = list(session.scalars(board(now).with_only_columns(Demand.id)))
    for demand_id in ids:
        outbox.enqueue(session, TOPIC, {"demand_id": demand_id})
    return len(ids)


def withdraw(session: Session, demand: Demand, organisation_ids) -> Demand:
    """Its buyer closes the demand (found what it needed, or gave up); closing it twice is a
    409."""
    own_demand(demand, organisation_ids, "close")
    return close(session, demand)


def expire(session: Session, demand_id: int, now: datetime) -> bool:
    """Close the demand if its deadline has passed; whether it was closed now."""
    demand = session.get(Demand, demand_id)
    if demand is None or demand.status != DemandStatus.OPEN or now < deadline_end(demand):
        return False
    close(session, demand)
    return True


def close(session: Session, demand: Demand) -> Demand:
    """Close an open demand (found what it needed, or gave up); a closed one is a 409."""
    if demand.status != DemandStatus.OPEN:
        raise Conflict(
            N_("This demand is already closed."), state=[demand.status.value], action=["close"]
        )
    demand.status = DemandStatus.CLOSED
    return demand


def board(now: datetime) -> sa.Select:
    """Open demands whose deadline has not passed, newest first (the demand board)."""
    return (
        sa.select(Demand)
        .where(Demand.status == DemandStatus.OPEN, Demand.deadline >= now.date())
        .order_by(Demand.id.desc())
    )


def demand_or_404(session: Session, demand_id: int, field: str | None = None) -> Demand:
    """A demand (demands are public on the board; matches are shown to their buyer only).
    ``field`` names the body's field that gave the id (the URL's id when left out)."""
    demand = session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(N_("No such demand."), field=field)
    return demand


def matched_provider(session: Session, demand: Demand, organisation_ids) -> DemandMatch | None:
    """The first match of the demand with a listing of one of ``organisation_ids``."""
    for match in demand.matches:
        if match.listing.organisation_id in organisation_ids:
            return match
    return None


def offers(session: Session, demand: Demand, provider_ids=None) -> list[Plan]:
    """The private offers made in answer to the demand, newest first; only those on listings of
    ``provider_ids`` when given (what a provider sent), else all of them (what the buyer got)."""
    statement = (
        sa.select(Plan)
        .join(ListingRevision, Plan.revision_id == ListingRevision.id)
        .join(Listing, ListingRevision.listing_id == Listing.id)
        .where(Plan.demand_id == demand.id)
        .order_by(Plan.id.desc())
    )
    if provider_ids is not None:
        statement = statement.where(Listing.organisation_id.in_(list(provider_ids)))
    return list(session.scalars(statement))
