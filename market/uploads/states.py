"""The upload session's state machine: a table of allowed moves and who may make each.

``docs/files.md`` prints the same table. An illegal move is ``IllegalMove`` (409).
"""

from __future__ import annotations

import enum

from market.states import Actor, Machine
from market.text import N_
from market.uploads.models import UploadState


class Action(enum.StrEnum):
    """Something done to an upload session."""

    COMPLETE = "complete"
    ABORT = "abort"
    REFUSE = "refuse"
    EXPIRE = "expire"
    REGISTER = "register"


S = UploadState
PROVIDER = frozenset({Actor.PROVIDER})
SYSTEM = frozenset({Actor.SYSTEM})  # the worker, or a check of the content

MOVES: dict[tuple[UploadState, Action], tuple[UploadState, frozenset[Actor]]] = {
    (S.OPEN, Action.COMPLETE): (S.VERIFYING, PROVIDER),
    (S.OPEN, Action.ABORT): (S.ABORTED, PROVIDER),
    (S.OPEN, Action.REFUSE): (S.REJECTED, SYSTEM),
    (S.OPEN, Action.EXPIRE): (S.EXPIRED, SYSTEM),
    (S.VERIFYING, Action.REGISTER): (S.REGISTERED, SYSTEM),
    (S.VERIFYING, Action.REFUSE): (S.REJECTED, SYSTEM),
}

MACHINE = Machine(MOVES, illegal=N_("This upload is no longer open."))


def next_state(state: UploadState, action: Action, actor: Actor) -> UploadState:
    """The state after ``action`` by ``actor``, or IllegalMove / PermissionDenied."""
    return MACHINE.next(state, action, actor)
