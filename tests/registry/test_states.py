"""The claim state machine, move by move: every (state, action) pair either moves and logs,
or is refused with Conflict and changes nothing."""

import itertools

import pytest
import sqlalchemy as sa

from market.errors import Conflict, PermissionDenied
from market.registry import claims
from market.registry.models import ClaimEvent, ClaimState, RegistryEvent
from market.registry.states import MOVES, Action, Actor, allowed_actions, next_state
from market.states import IllegalMove
from tests.registry import factories as rf

PAIRS = list(itertools.product(ClaimState, Action))


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_table_without_a_database(state, action):
    if (state, action) in MOVES:
        target, actors = MOVES[(state, action)]
        for actor in actors:
            assert next_state(state, action, actor) == target
        for other in set(Actor) - actors:
            with pytest.raises(PermissionDenied):
                next_state(state, action, other)
    else:
        for actor in Actor:
            with pytest.raises(IllegalMove) as refused:
                next_state(state, action, actor)
            assert refused.value.status == 409
            assert refused.value.errors == {"state": [state.value], "action": [action.value]}


def test_final_states_allow_nothing():
    for state in (
        ClaimState.REJECTED,
        ClaimState.FAILED,
        ClaimState.CERTIFIED,
        ClaimState.WITHDRAWN,
    ):
        assert all(not allowed_actions(state, actor) for actor in Actor)


def _counts(db, claim):
    events = db.scalar(sa.select(sa.func.count()).where(ClaimEvent.claim_id == claim.id))
    log = db.scalar(sa.select(sa.func.count()).select_from(RegistryEvent))
    return events, log


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_move_on_a_stored_claim(db, store, staff, state, action):
    claim = rf.draft(db, store)
    # The table itself is under test: put the claim in ``state`` directly.
    claim.state = state
    db.flush()
    before = _counts(db, claim)
    move = MOVES.get((state, action))
    actor = next(iter(move[1])) if move else Actor.REVIEWER
    user = None if actor == Actor.SYSTEM else staff
    if move is None:
        with pytest.raises(Conflict):
            claims.move(db, claim, action, actor, user, "because", rf.MONDAY)
        db.refresh(claim)
        assert claim.state == state
        assert _counts(db, claim) == before
        return
    event = claims.move(db, claim, action, actor, user, "because", rf.MONDAY)
    db.refresh(claim)
    assert claim.state == move[0]
    assert (event.from_state, event.to_state, event.actor) == (state, move[0], actor.value)
    assert event.reason == "because" and event.at == rf.MONDAY
    assert _counts(db, claim) == (before[0] + 1, before[1] + 1)
    logged = db.scalar(sa.select(RegistryEvent).order_by(RegistryEvent.seq.desc()).limit(1))
    assert logged.event_type == f"claim.{action.value}"
    assert logged.payload["claim_id"] == claim.id


@pytest.mark.parametrize(
    "reason", ["  ", "\u200b\u200b", "\u200d\ufeff"], ids=["spaces", "zwsp", "zwj-bom"]
)
def test_decisions_that_need_a_reason_refuse_without_one(db, store, staff, reason):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.UNDER_REVIEW, staff)
    with pytest.raises(Exception) as raised:
        claims.decide(db, claim, staff, Action.REJECT, reason, rf.MONDAY, 5)
    assert raised.value.field == "reason"
    assert claim.state == ClaimState.UNDER_REVIEW
