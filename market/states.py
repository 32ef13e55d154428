"""One way to write a state machine: a table of allowed moves and who may make each.

Claims, listings and orders each keep their table (``<domain>/states.py``); this module holds
what they share: who can act (:class:`Actor`), the table's lookup (:class:`Machine`) and the
one refusal for an illegal move, :class:`IllegalMove`: HTTP 409 with
``errors = {"state": [current state], "action": [action]}``; it is also the answer to an actor
who may make the move from other states, but not from this one. A move by a kind of actor that
may never make it is :class:`PermissionDenied` (403) with ``errors = {"action": [action]}``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from market.errors import Conflict, PermissionDenied
from market.text import N_

State = TypeVar("State", bound=enum.Enum)
Action = TypeVar("Action", bound=enum.Enum)


class Actor(enum.StrEnum):
    """Who moves a claim, a listing, an order, a valuation or an organisation's verification."""

    PROVIDER = "provider"
    BUYER = "buyer"
    ORGANISATION = "organisation"  # its owners and admins, about itself
    REVIEWER = "reviewer"
    APPRAISER = "appraiser"
    FINANCE = "finance"
    STRIPE = "stripe"
    SYSTEM = "system"


class IllegalMove(Conflict):
    """The action is not allowed from the current state; nothing changed."""

    def __init__(self, message: str, state: enum.Enum, action: enum.Enum) -> None:
        super().__init__(message, state=[str(state.value)], action=[str(action.value)])


@dataclass(frozen=True)
class Machine(Generic[State, Action]):
    """A table ``(state, action) -> (next state, the actors who may make the move)``."""

    moves: Mapping[tuple[State, Action], tuple[State, frozenset[Actor]]]
    illegal: str  # the message of an IllegalMove (marked with N_ by the caller)
    forbidden: str = N_("This move is not yours to make.")

    def next(self, state: State, action: Action, actor: Actor) -> State:
        """The state after ``action`` by ``actor``; IllegalMove or PermissionDenied."""
        move = self.moves.get((state, action))
        if move is None:
            raise IllegalMove(self.illegal, state, action)
        target, actors = move
        if actor not in actors:
            if self._ever_allowed(action, actor):
                # The rightful actor, at the wrong time (a buyer disputing an order Stripe
                # alone may dispute now): the state is what is wrong.
                raise IllegalMove(self.illegal, state, action)
            raise PermissionDenied(self.forbidden, action=[str(action.value)])
        return target

    def _ever_allowed(self, action: Action, actor: Actor) -> bool:
        return any(actor in actors for (_, act), (_, actors) in self.moves.items() if act == action)

    def allowed_actions(self, state: State, actor: Actor) -> list[Action]:
        """The actions ``actor`` may take from ``state`` (for buttons and forms)."""
        return [
            action
            for (at, action), (_, actors) in self.moves.items()
            if at == state and actor in actors
        ]
