"""The valuation state machine: a table of allowed moves and who may make each.

``docs/valuation.md`` prints the same table. A move not in :data:`MOVES` is refused with
:class:`Conflict`, one by the wrong kind of actor with :class:`PermissionDenied`.
"""

from __future__ import annotations

import enum

from market.errors import Conflict, PermissionDenied
from market.text import N_
from market.valuation.models import ReportStatus


class Action(enum.StrEnum):
    """Something done to a valuation."""

    CANCEL = "cancel"
    TAKE = "take"
    EDIT = "edit"  # enter inputs, profile the data, run the methods
    FINALISE = "finalise"


class Actor(enum.StrEnum):
    """Who acts: the requesting organisation or an appraiser."""

    PROVIDER = "provider"
    APPRAISER = "appraiser"


S = ReportStatus

MOVES: dict[tuple[ReportStatus, Action], tuple[ReportStatus, Actor]] = {
    (S.REQUESTED, Action.CANCEL): (S.CANCELLED, Actor.PROVIDER),
    (S.REQUESTED, Action.TAKE): (S.IN_PROGRESS, Actor.APPRAISER),
    (S.IN_PROGRESS, Action.EDIT): (S.IN_PROGRESS, Actor.APPRAISER),
    (S.IN_PROGRESS, Action.FINALISE): (S.FINAL, Actor.APPRAISER),
}

ACTION_LABELS = {
    Action.CANCEL: N_("Cancel the request"),
    Action.TAKE: N_("Take this valuation"),
    Action.EDIT: N_("Edit inputs"),
    Action.FINALISE: N_("Finalise and sign"),
}


def next_status(status: ReportStatus, action: Action, actor: Actor) -> ReportStatus:
    """The status after ``action`` by ``actor``, or Conflict (illegal) / PermissionDenied."""
    move = MOVES.get((status, action))
    if move is None:
        if status == S.FINAL:
            raise Conflict(N_("a final report cannot be changed; request a revaluation"))
        raise Conflict(
            N_("this valuation cannot be moved that way from its current state"),
            state=[status.value],
            action=[action.value],
        )
    target, allowed = move
    if actor != allowed:
        raise PermissionDenied(N_("this move is not yours to make"), action=[action.value])
    return target


def allowed_actions(status: ReportStatus, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a valuation in ``status`` (for buttons)."""
    return [action for (at, action), (_, who) in MOVES.items() if at == status and who == actor]
