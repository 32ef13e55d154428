"""Two-phase transfers: reserve, then post (up to the amount), void, or let expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import ledger
from ledger import errors
from ledger.reads import balance
from tests.ledger.helpers import capture, counts, escrow, payable


@pytest.fixture
def funded(session):
    capture(session, 1, 1_000)
    return session


def _hold(session, amount=600, key="h", **kwargs):
    return ledger.hold(
        session, key, debit=escrow(1), credit=payable(9), amount=amount, currency="CNY", **kwargs
    )


def test_a_pending_hold_reduces_the_available_balance(funded):
    _hold(funded)

    escrow_balance = balance(funded, escrow(1), "CNY")
    assert (escrow_balance.posted, escrow_balance.available) == (1_000, 400)
    assert balance(funded, payable(9), "CNY").credits_pending == 600


def test_holds_count_against_limits(funded):
    _hold(funded)
    before = counts(funded)
    with pytest.raises(errors.LimitExceeded):
        _hold(funded, amount=401, key="h2")
    with pytest.raises(errors.LimitExceeded):
        ledger.post(
            funded,
            "payout",
            [ledger.debit(escrow(1), 401, "CNY"), ledger.credit("assets:bank", 401, "CNY")],
        )
    assert counts(funded) == before


def test_post_up_to_the_held_amount_releases_the_rest(funded):
    held = _hold(funded)
    entry = ledger.post_hold(funded, held.id, "settle", amount=450)

    assert entry.hold_id == held.id
    assert ledger.get_hold(funded, held.id).status == "posted"
    assert ledger.get_hold(funded, held.id).posted_amount == 450
    escrow_balance = balance(funded, escrow(1), "CNY")
    assert (escrow_balance.posted, escrow_balance.available) == (550, 550)
    assert balance(funded, payable(9), "CNY").posted == 450
    assert balance(funded, payable(9), "CNY").credits_pending == 0
    assert ledger.post_hold(funded, held.id, "settle", amount=450).replayed


def test_post_more_than_held_is_refused(funded):
    held = _hold(funded)
    with pytest.raises(errors.HoldAmountExceeded) as caught:
        ledger.post_hold(funded, held.id, "settle", amount=601)
    assert caught.value.field == "amount"


def test_void_releases_without_moving_money(funded):
    held = _hold(funded)
    voided = ledger.void_hold(funded, held.id)

    assert voided.status == "voided"
    assert balance(funded, escrow(1), "CNY").available == 1_000
    assert ledger.void_hold(funded, held.id).replayed
    with pytest.raises(errors.HoldNotPending):
        ledger.post_hold(funded, held.id, "late")


def test_a_hold_ends_once(funded):
    held = _hold(funded)
    ledger.post_hold(funded, held.id, "settle")
    with pytest.raises(errors.HoldNotPending):
        ledger.void_hold(funded, held.id)
    with pytest.raises(errors.HoldNotPending):
        ledger.post_hold(funded, held.id, "settle-again")


def test_expired_holds_cannot_post_and_are_released_by_the_sweep(funded):
    past = datetime.now(UTC) - timedelta(seconds=1)
    held = _hold(funded, expires_at=past)
    with pytest.raises(errors.HoldExpired):
        ledger.post_hold(funded, held.id, "settle")

    assert ledger.expire_holds(funded) == [held.id]
    assert ledger.get_hold(funded, held.id).status == "expired"
    assert balance(funded, escrow(1), "CNY").available == 1_000
    assert ledger.expire_holds(funded) == []


def test_hold_idempotency(funded):
    first = _hold(funded)
    assert _hold(funded).replayed and _hold(funded).id == first.id
    with pytest.raises(errors.IdempotencyConflict):
        _hold(funded, amount=5)


def test_unknown_hold(session):
    with pytest.raises(errors.HoldNotFound):
        ledger.void_hold(session, 42)
