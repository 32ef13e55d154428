"""The listing state machine: a table of allowed moves and who may make each.

A listing's status follows its revisions: the first approval publishes it; a later revision in
review leaves it published (the live revision keeps selling) and its approval replaces the live
revision. Every move not in :data:`MOVES` is refused with :class:`Conflict`; a move made by the
wrong kind of actor with :class:`PermissionDenied`. ``docs/listings.md`` prints the same table.
"""

from __future__ import annotations

import enum

from market.errors import Conflict, PermissionDenied
from market.listings.models import ListingStatus
from market.text import N_


class Action(enum.StrEnum):
    """Something done to a listing."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    DELIST = "delist"


class Actor(enum.StrEnum):
    """Who makes a move: the provider organisation or exchange staff (a reviewer)."""

    PROVIDER = "provider"
    REVIEWER = "reviewer"


S = ListingStatus

# (status, action) -> (next status, who may do it)
MOVES: dict[tuple[ListingStatus, Action], tuple[ListingStatus, Actor]] = {
    (S.DRAFT, Action.SUBMIT): (S.IN_REVIEW, Actor.PROVIDER),
    (S.DRAFT, Action.DELIST): (S.DELISTED, Actor.PROVIDER),
    (S.IN_REVIEW, Action.APPROVE): (S.PUBLISHED, Actor.REVIEWER),
    (S.IN_REVIEW, Action.REQUEST_CHANGES): (S.DRAFT, Actor.REVIEWER),
    # A material change of a published listing: a new revision in review, still on sale.
    (S.PUBLISHED, Action.SUBMIT): (S.PUBLISHED, Actor.PROVIDER),
    (S.PUBLISHED, Action.APPROVE): (S.PUBLISHED, Actor.REVIEWER),
    (S.PUBLISHED, Action.REQUEST_CHANGES): (S.PUBLISHED, Actor.REVIEWER),
    (S.PUBLISHED, Action.SUSPEND): (S.SUSPENDED, Actor.REVIEWER),
    (S.PUBLISHED, Action.DELIST): (S.DELISTED, Actor.PROVIDER),
    (S.SUSPENDED, Action.REINSTATE): (S.PUBLISHED, Actor.REVIEWER),
    (S.SUSPENDED, Action.DELIST): (S.DELISTED, Actor.PROVIDER),
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


def next_status(status: ListingStatus, action: Action, actor: Actor) -> ListingStatus:
    """The status after ``action`` by ``actor``, or Conflict (illegal) / PermissionDenied."""
    move = MOVES.get((status, action))
    if move is None:
        raise Conflict(
            N_("this listing cannot be moved that way from its current status"),
            status=[status.value],
            action=[action.value],
        )
    target, allowed = move
    if actor != allowed:
        raise PermissionDenied(N_("this move is not yours to make"), action=[action.value])
    return target


def allowed_actions(status: ListingStatus, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a listing in ``status`` (for buttons and forms)."""
    return [action for (at, action), (_, who) in MOVES.items() if at == status and who == actor]
