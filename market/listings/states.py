"""The listing state machine: a table of allowed moves and who may make each.

A listing's status follows its revisions: the first approval publishes it; a later revision in
review leaves it published (the live revision keeps selling) and its approval replaces the live
revision. Every move not in :data:`MOVES` is refused with ``IllegalMove`` (409); a move made
by the wrong kind of actor with ``PermissionDenied`` (both from ``market.states``). ``docs/listings.md`` prints the same table.
"""

from __future__ import annotations

import enum

from market.listings.models import ListingStatus
from market.states import Actor, Machine
from market.text import N_

__all__ = ["Action", "Actor", "MOVES", "allowed_actions", "next_status"]


class Action(enum.StrEnum):
    """Something done to a listing."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    DELIST = "delist"


S = ListingStatus
PROVIDER = frozenset({Actor.PROVIDER})
REVIEWER = frozenset({Actor.REVIEWER})

# (status, action) -> (next status, who may do it)
MOVES: dict[tuple[ListingStatus, Action], tuple[ListingStatus, frozenset[Actor]]] = {
    (S.DRAFT, Action.SUBMIT): (S.IN_REVIEW, PROVIDER),
    (S.DRAFT, Action.DELIST): (S.DELISTED, PROVIDER),
    (S.IN_REVIEW, Action.APPROVE): (S.PUBLISHED, REVIEWER),
    (S.IN_REVIEW, Action.REQUEST_CHANGES): (S.DRAFT, REVIEWER),
    # A material change of a published listing: a new revision in review, still on sale.
    (S.PUBLISHED, Action.SUBMIT): (S.PUBLISHED, PROVIDER),
    (S.PUBLISHED, Action.APPROVE): (S.PUBLISHED, REVIEWER),
    (S.PUBLISHED, Action.REQUEST_CHANGES): (S.PUBLISHED, REVIEWER),
    (S.PUBLISHED, Action.SUSPEND): (S.SUSPENDED, REVIEWER),
    (S.PUBLISHED, Action.DELIST): (S.DELISTED, PROVIDER),
    (S.SUSPENDED, Action.REINSTATE): (S.PUBLISHED, REVIEWER),
    (S.SUSPENDED, Action.DELIST): (S.DELISTED, PROVIDER),
}

# Statuses in which the listing is on sale and in the search index.
ON_SALE = frozenset({S.PUBLISHED})
# Moves after which the search copy must change.
REINDEX = frozenset({Action.APPROVE, Action.SUSPEND, Action.REINSTATE, Action.DELIST})

ACTION_LABELS = {
    Action.SUBMIT: N_("Submit for compliance review"),
    Action.APPROVE: N_("Approve and publish"),
    Action.REQUEST_CHANGES: N_("Request changes"),
    Action.SUSPEND: N_("Suspend"),
    Action.REINSTATE: N_("Reinstate"),
    Action.DELIST: N_("Delist"),
}


MACHINE = Machine(MOVES, N_("This listing cannot be moved that way from its current status."))


def next_status(status: ListingStatus, action: Action, actor: Actor) -> ListingStatus:
    """The status after ``action`` by ``actor``, or IllegalMove (409) / PermissionDenied."""
    return MACHINE.next(status, action, actor)


def allowed_actions(status: ListingStatus, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a listing in ``status`` (for buttons and forms)."""
    return MACHINE.allowed_actions(status, actor)
