"""The organisation verification state machine: a table of allowed moves and who makes each.

Every move not in :data:`MOVES` is refused with :class:`Conflict`; a move by the wrong kind of
actor with :class:`PermissionDenied`. ``docs/verification.md`` prints the same table.
"""

from __future__ import annotations

import enum

from market.errors import Conflict, PermissionDenied
from market.identity.models import VerificationState
from market.text import N_


class Action(enum.StrEnum):
    """Something done to an organisation's verification."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    SUSPEND = "suspend"
    LIFT = "lift"
    CHANGE_DETAILS = "change_details"


class Actor(enum.StrEnum):
    """Who makes a move: the organisation (its owners and admins) or exchange staff."""

    ORGANISATION = "organisation"
    REVIEWER = "reviewer"


S = VerificationState

# (state, action) -> (next state, who may do it)
MOVES: dict[tuple[VerificationState, Action], tuple[VerificationState, Actor]] = {
    (S.UNVERIFIED, Action.SUBMIT): (S.SUBMITTED, Actor.ORGANISATION),
    (S.REJECTED, Action.SUBMIT): (S.SUBMITTED, Actor.ORGANISATION),
    (S.INFO_REQUESTED, Action.SUBMIT): (S.SUBMITTED, Actor.ORGANISATION),
    (S.SUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.APPROVE): (S.VERIFIED, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.REJECT): (S.REJECTED, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.REQUEST_INFO): (S.INFO_REQUESTED, Actor.REVIEWER),
    (S.VERIFIED, Action.SUSPEND): (S.SUSPENDED, Actor.REVIEWER),
    (S.SUSPENDED, Action.LIFT): (S.VERIFIED, Actor.REVIEWER),
    # A verified organisation that changes its legal name, credit code or jurisdiction goes
    # back to review with its current evidence.
    (S.VERIFIED, Action.CHANGE_DETAILS): (S.SUBMITTED, Actor.ORGANISATION),
}

# Moves a reviewer makes from the review queue.
REVIEW_DECISIONS = (Action.START_REVIEW, Action.APPROVE, Action.REJECT, Action.REQUEST_INFO)
# Moves about a verified organisation's standing.
STANDING_DECISIONS = (Action.SUSPEND, Action.LIFT)
# Moves that need a written reason.
NEEDS_REASON = frozenset({Action.REJECT, Action.REQUEST_INFO, Action.SUSPEND})
# States in which a submission waits for a reviewer (the queue).
IN_REVIEW = frozenset({S.SUBMITTED, S.UNDER_REVIEW})
# States in which the organisation may send (new) evidence.
MAY_SUBMIT = frozenset(at for (at, action) in MOVES if action == Action.SUBMIT)

ACTION_LABELS = {
    Action.SUBMIT: N_("Submit for verification"),
    Action.START_REVIEW: N_("Start review"),
    Action.APPROVE: N_("Approve (verify)"),
    Action.REJECT: N_("Reject"),
    Action.REQUEST_INFO: N_("Request more information"),
    Action.SUSPEND: N_("Suspend"),
    Action.LIFT: N_("Lift the suspension"),
    Action.CHANGE_DETAILS: N_("Legal details changed"),
}


def next_state(state: VerificationState, action: Action, actor: Actor) -> VerificationState:
    """The state after ``action`` by ``actor``, or Conflict (illegal) / PermissionDenied."""
    move = MOVES.get((state, action))
    if move is None:
        raise Conflict(
            N_("this organisation's verification cannot be moved that way from its state"),
            state=[state.value],
            action=[action.value],
        )
    target, allowed = move
    if actor != allowed:
        raise PermissionDenied(N_("this move is not yours to make"), action=[action.value])
    return target


def allowed_actions(state: VerificationState, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take in ``state`` (for buttons and forms)."""
    return [action for (at, action), (_, who) in MOVES.items() if at == state and who == actor]
