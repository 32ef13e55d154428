"""The rights-claim state machine: a table of allowed moves and who may make each.

Every move not in :data:`MOVES` is illegal and refused with :class:`Conflict`; a move made by
the wrong kind of actor is refused with :class:`PermissionDenied`. ``docs/registry.md`` prints
the same table.
"""

from __future__ import annotations

import enum

from market.errors import Conflict, PermissionDenied
from market.registry.models import ClaimState
from market.text import N_


class Action(enum.StrEnum):
    """Something done to a claim."""

    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    START_REVIEW = "start_review"
    REQUEST_INFO = "request_info"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    UPHOLD_OBJECTION = "uphold_objection"
    ISSUE_CERTIFICATE = "issue_certificate"


class Actor(enum.StrEnum):
    """Who makes a move: the claimant organisation, exchange staff, or the system's clock."""

    PROVIDER = "provider"
    REVIEWER = "reviewer"
    SYSTEM = "system"


S = ClaimState

# (state, action) -> (next state, who may do it)
MOVES: dict[tuple[ClaimState, Action], tuple[ClaimState, Actor]] = {
    (S.DRAFT, Action.SUBMIT): (S.SUBMITTED, Actor.PROVIDER),
    (S.DRAFT, Action.WITHDRAW): (S.WITHDRAWN, Actor.PROVIDER),
    (S.SUBMITTED, Action.WITHDRAW): (S.WITHDRAWN, Actor.PROVIDER),
    (S.SUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.REQUEST_INFO): (S.INFO_REQUESTED, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.APPROVE): (S.PUBLIC_NOTICE, Actor.REVIEWER),
    (S.UNDER_REVIEW, Action.REJECT): (S.REJECTED, Actor.REVIEWER),
    (S.INFO_REQUESTED, Action.RESUBMIT): (S.RESUBMITTED, Actor.PROVIDER),
    (S.INFO_REQUESTED, Action.WITHDRAW): (S.WITHDRAWN, Actor.PROVIDER),
    (S.RESUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, Actor.REVIEWER),
    (S.RESUBMITTED, Action.WITHDRAW): (S.WITHDRAWN, Actor.PROVIDER),
    (S.PUBLIC_NOTICE, Action.UPHOLD_OBJECTION): (S.FAILED, Actor.REVIEWER),
    (S.PUBLIC_NOTICE, Action.ISSUE_CERTIFICATE): (S.CERTIFIED, Actor.SYSTEM),
}

# Moves a reviewer makes from the decision form (the others follow from objections, the clock).
REVIEW_DECISIONS = (Action.START_REVIEW, Action.APPROVE, Action.REJECT, Action.REQUEST_INFO)
# Moves that need a written reason.
NEEDS_REASON = frozenset({Action.REJECT, Action.REQUEST_INFO, Action.UPHOLD_OBJECTION})
# States in which the claim's content counts as claimed (for conflict detection).
ACTIVE = frozenset(
    {
        S.SUBMITTED,
        S.UNDER_REVIEW,
        S.INFO_REQUESTED,
        S.RESUBMITTED,
        S.PUBLIC_NOTICE,
        S.CERTIFIED,
    }
)
FINAL = frozenset({S.REJECTED, S.FAILED, S.CERTIFIED, S.WITHDRAWN})

ACTION_LABELS = {
    Action.SUBMIT: N_("Submit"),
    Action.WITHDRAW: N_("Withdraw"),
    Action.START_REVIEW: N_("Start review"),
    Action.REQUEST_INFO: N_("Request more information"),
    Action.RESUBMIT: N_("Resubmit"),
    Action.APPROVE: N_("Approve (start public notice)"),
    Action.REJECT: N_("Reject"),
    Action.UPHOLD_OBJECTION: N_("Objection upheld"),
    Action.ISSUE_CERTIFICATE: N_("Certificate issued"),
}


def next_state(state: ClaimState, action: Action, actor: Actor) -> ClaimState:
    """The state after ``action`` by ``actor``, or Conflict (illegal) / PermissionDenied."""
    move = MOVES.get((state, action))
    if move is None:
        raise Conflict(
            N_("this claim cannot be moved that way from its current state"),
            state=[state.value],
            action=[action.value],
        )
    target, allowed = move
    if actor != allowed:
        raise PermissionDenied(N_("this move is not yours to make"), action=[action.value])
    return target


def allowed_actions(state: ClaimState, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a claim in ``state`` (for buttons and forms)."""
    return [action for (at, action), (_, who) in MOVES.items() if at == state and who == actor]
