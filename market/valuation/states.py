"""The valuation state machine: a table of allowed moves and who may make each.

``docs/valuation.md`` prints the same table. An illegal move is :class:`IllegalMove` (409),
one by the wrong kind of actor :class:`PermissionDenied`; any move on a final report is a 409
that says a revaluation is a new report.
"""

from __future__ import annotations

import enum

from market.errors import Conflict
from market.states import Actor, Machine
from market.text import N_
from market.valuation.models import ReportStatus


class Action(enum.StrEnum):
    """Something done to a valuation."""

    CANCEL = "cancel"
    TAKE = "take"
    EDIT = "edit"  # enter inputs, profile the data, run the methods
    FINALISE = "finalise"


S = ReportStatus
PROVIDER, APPRAISER = frozenset({Actor.PROVIDER}), frozenset({Actor.APPRAISER})

MACHINE: Machine[ReportStatus, Action] = Machine(
    moves={
        (S.REQUESTED, Action.CANCEL): (S.CANCELLED, PROVIDER),
        (S.REQUESTED, Action.TAKE): (S.IN_PROGRESS, APPRAISER),
        (S.IN_PROGRESS, Action.EDIT): (S.IN_PROGRESS, APPRAISER),
        (S.IN_PROGRESS, Action.FINALISE): (S.FINAL, APPRAISER),
    },
    illegal=N_("This valuation cannot be moved that way from its current state."),
)

ACTION_LABELS = {
    Action.CANCEL: N_("Cancel the request"),
    Action.TAKE: N_("Take this valuation"),
    Action.EDIT: N_("Edit inputs"),
    Action.FINALISE: N_("Finalise and sign"),
}


def next_status(status: ReportStatus, action: Action, actor: Actor) -> ReportStatus:
    """The status after ``action`` by ``actor``; a final report refuses every move."""
    if status == S.FINAL:
        raise Conflict(
            N_("A final report cannot be changed; request a revaluation."),
            state=[status.value],
            action=[action.value],
        )
    return MACHINE.next(status, action, actor)


def allowed_actions(status: ReportStatus, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a valuation in ``status`` (for buttons)."""
    return MACHINE.allowed_actions(status, actor)
