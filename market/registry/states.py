"""The rights-claim state machine: a table of allowed moves and who may make each.

Every move not in :data:`MOVES` is illegal and refused with ``IllegalMove`` (409); a move made
by the wrong kind of actor is refused with ``PermissionDenied`` (both from ``market.states``). ``docs/registry.md`` prints
the same table.
"""

from __future__ import annotations

import enum

from market.registry.models import ClaimState
from market.states import Actor, Machine
from market.text import N_

__all__ = ["Action", "Actor", "MOVES", "allowed_actions", "next_state"]


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


S = ClaimState
PROVIDER = frozenset({Actor.PROVIDER})
REVIEWER = frozenset({Actor.REVIEWER})
SYSTEM = frozenset({Actor.SYSTEM})  # the clock

# (state, action) -> (next state, who may do it)
MOVES: dict[tuple[ClaimState, Action], tuple[ClaimState, frozenset[Actor]]] = {
    (S.DRAFT, Action.SUBMIT): (S.SUBMITTED, PROVIDER),
    (S.DRAFT, Action.WITHDRAW): (S.WITHDRAWN, PROVIDER),
    (S.SUBMITTED, Action.WITHDRAW): (S.WITHDRAWN, PROVIDER),
    (S.SUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, REVIEWER),
    (S.UNDER_REVIEW, Action.REQUEST_INFO): (S.INFO_REQUESTED, REVIEWER),
    (S.UNDER_REVIEW, Action.APPROVE): (S.PUBLIC_NOTICE, REVIEWER),
    (S.UNDER_REVIEW, Action.REJECT): (S.REJECTED, REVIEWER),
    (S.INFO_REQUESTED, Action.RESUBMIT): (S.RESUBMITTED, PROVIDER),
    (S.INFO_REQUESTED, Action.WITHDRAW): (S.WITHDRAWN, PROVIDER),
    (S.RESUBMITTED, Action.START_REVIEW): (S.UNDER_REVIEW, REVIEWER),
    (S.RESUBMITTED, Action.WITHDRAW): (S.WITHDRAWN, PROVIDER),
    (S.PUBLIC_NOTICE, Action.UPHOLD_OBJECTION): (S.FAILED, REVIEWER),
    (S.PUBLIC_NOTICE, Action.ISSUE_CERTIFICATE): (S.CERTIFIED, SYSTEM),
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


MACHINE = Machine(MOVES, N_("This claim cannot be moved that way from its current state."))


def next_state(state: ClaimState, action: Action, actor: Actor) -> ClaimState:
    """The state after ``action`` by ``actor``, or IllegalMove (409) / PermissionDenied."""
    return MACHINE.next(state, action, actor)


def allowed_actions(state: ClaimState, actor: Actor) -> list[Action]:
    """Actions ``actor`` may take on a claim in ``state`` (for buttons and forms)."""
    return MACHINE.allowed_actions(state, actor)
