"""The organisation verification state machine: a table of allowed moves and who makes each.

The table's lookup is the shared :class:`market.states.Machine`: a move not in :data:`MOVES` is
an :class:`~market.states.IllegalMove` (409 naming the state and the action); a move by the
wrong kind of actor is :class:`PermissionDenied`. ``docs/verification.md`` prints the table.
"""

from __future__ import annotations

import enum

from market.identity.models import VerificationState
from market.states import Actor, Machine
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


S = VerificationState
ORGANISATION = frozenset({Actor.ORGANISATION})  # its owners and admins
REVIEWER = frozenset({Actor.REVIEWER})

# (state, action) -> (next state, who may do it)
MOVES: dict[tuple[VerificationState, Action], tuple[VerificationState, frozenset[Actor]]] = {
    (S.UNVERIFIED, Action.SUBMIT): (S.SUBMITTED, ORGANISATION),
    (S.REJECTED, Action.SUBMIT): (S.SUBMITTED, ORGANISATION),
    (S.INFO_REQUESTED, Action.SUBMIT): (S.SUBMITTED, ORGANISATION),
    (S.SUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, REVIEWER),
    (S.UNDER_REVIEW, Action.APPROVE): (S.VERIFIED, REVIEWER),
    (S.UNDER_REVIEW, Action.REJECT): (S.REJECTED, REVIEWER),
    (S.UNDER_REVIEW, Action.REQUEST_INFO): (S.INFO_REQUESTED, REVIEWER),
    (S.VERIFIED, Action.SUSPEND): (S.SUSPENDED, REVIEWER),
    (S.SUSPENDED, Action.LIFT): (S.VERIFIED, REVIEWER),
    # A verified organisation that changes its legal name, credit code or jurisdiction goes
    # back to review with its current evidence.
    (S.VERIFIED, Action.CHANGE_DETAILS): (S.SUBMITTED, ORGANISATION),
}

# Moves a reviewer makes from the review queue.
REVIEW_DECISIONS = (Action.START_REVIEW, Action.APPROVE, Action.REJECT, Action.REQUEST_INFO)
# Moves about a verified organisation's standing.
STANDING_DECISIONS = (Action.SUSPEND, Action.LIFT)
# Moves that need a written reason.
NEEDS_REASON = frozenset({Action.REJECT, Action.REQUEST_INFO, Action.SUSPEND})

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

MACHINE = Machine(
    MOVES, N_("This organisation's verification cannot be moved that way from its state.")
)


def next_state(state: VerificationState, action: Action, actor: Actor) -> VerificationState:
    """The state after ``action`` by ``actor``, or IllegalMove (409) / PermissionDenied."""
    return MACHINE.next(state, action, actor)


def allowed_actions(state: VerificationState, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take in ``state`` (for buttons and forms)."""
    return MACHINE.allowed_actions(state, actor)
