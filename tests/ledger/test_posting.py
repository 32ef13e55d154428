"""Posting entries: balances, idempotency, reversals, batches, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import ledger
from ledger import EntryRequest, Leg, credit, debit, errors
from ledger.reads import balance
from tests.ledger.helpers import (
    BANK,
    CLEARING,
    FEES,
    capture,
    counts,
    escrow,
    payable,
    settle,
)


def test_post_moves_balances_on_their_normal_sides(session):
    capture(session, 1042, 10_000)
    settle(session, 1042, 7, 10_000, 500)

    assert balance(session, CLEARING, "CNY").posted == 10_000
    assert balance(session, escrow(1042), "CNY").posted == 0
    assert balance(session, payable(7), "CNY").posted == 9_500
    assert balance(session, FEES, "CNY").posted == 500


def test_post_returns_the_recorded_entry(session):
    record = capture(session, 1, 2_500, key="pi_1")

    assert record.key == "pi_1"
    assert [(p.leg, p.account, p.amount) for p in record.postings] == [
        (1, CLEARING, 2_500),
        (2, escrow(1), -2_500),
    ]
    assert record.metadata == {"order_id": "1"}
    assert record.effective_at.tzinfo is not None
    assert ledger.get_entry(session, record.id) == record


def test_accounts_open_on_demand_from_the_chart(session):
    capture(session, 5, 100)

    account = ledger.get_account(session, escrow(5), "CNY")
    assert (account.type, account.normal_side, account.lower_limit) == ("liability", "credit", 0)
    assert ledger.get_account(session, CLEARING, "CNY").type == "asset"


def test_same_key_same_content_returns_the_original(session):
    first = capture(session, 1, 100, key="k")
    before = counts(session)

    again = capture(session, 1, 100, key="k")

    assert again.replayed and again.id == first.id and again == first
    assert counts(session) == before


def test_same_key_other_content_is_a_conflict(session):
    capture(session, 1, 100, key="k")
    before = counts(session)

    with pytest.raises(errors.IdempotencyConflict) as caught:
        capture(session, 1, 101, key="k")

    assert caught.value.code == "idempotency_conflict" and caught.value.field == "key"
    assert counts(session) == before


def test_multi_currency_entry_balances_per_currency(session):
    record = ledger.post(
        session,
        "fx",
        [
            debit(BANK, 1_000, "USD"),
            credit("equity:fx_position", 1_000, "USD"),
            debit("equity:fx_position", 7_100, "CNY"),
            credit(BANK, 7_100, "CNY"),
        ],
    )
    assert len(record.postings) == 4
    assert balance(session, BANK, "USD").posted == 1_000
    assert balance(session, BANK, "CNY").posted == -7_100


def test_reversal_mirrors_the_entry_once(session):
    original = capture(session, 1, 300)
    reversal = ledger.reverse(session, original.id, "undo")

    assert reversal.reverses_entry_id == original.id
    assert [p.amount for p in reversal.postings] == [-p.amount for p in original.postings]
    assert balance(session, CLEARING, "CNY").posted == 0
    assert ledger.reverse(session, original.id, "undo").replayed  # a retry is a replay
    with pytest.raises(errors.AlreadyReversed) as caught:
        ledger.reverse(session, original.id, "undo-again")
    assert caught.value.field == "entry_id"


def test_reversal_of_an_unknown_entry(session):
    with pytest.raises(errors.EntryNotFound):
        ledger.reverse(session, 999, "nothing")


def test_post_many_is_set_based_and_in_order(session):
    requests = [
        EntryRequest(
            f"b{n}", [debit(CLEARING, 100 + n, "CNY"), credit(escrow(n % 3), 100 + n, "CNY")]
        )
        for n in range(30)
    ]
    records = ledger.post_many(session, requests, seal=True)

    assert [r.key for r in records] == [f"b{n}" for n in range(30)]
    assert sorted(r.id for r in records) == [r.id for r in records]
    assert balance(session, CLEARING, "CNY").posted == sum(100 + n for n in range(30))
    again = ledger.post_many(session, requests[:5])
    assert all(r.replayed for r in again)


def test_post_many_checks_limits_entry_by_entry(session):
    capture(session, 1, 100)
    payout = [debit(escrow(1), 100, "CNY"), credit(payable(1), 100, "CNY")]
    before = counts(session)

    with pytest.raises(errors.LimitExceeded) as caught:
        ledger.post_many(session, [EntryRequest("a", payout), EntryRequest("b", payout)])

    assert caught.value.field == "entries[1].postings[0]"
    assert counts(session) == before


def test_post_many_refuses_a_key_twice_with_different_content(session):
    legs = [debit(CLEARING, 1, "CNY"), credit(escrow(1), 1, "CNY")]
    other = [debit(CLEARING, 2, "CNY"), credit(escrow(1), 2, "CNY")]
    with pytest.raises(errors.IdempotencyConflict):
        ledger.post_many(session, [EntryRequest("k", legs), EntryRequest("k", other)])


def _legs(amount=100, currency="CNY", other_currency=None):
    return [
        debit(CLEARING, amount, currency),
        credit(escrow(1), amount, other_currency or currency),
    ]


NOW = datetime.now(UTC)

BAD_REQUESTS = [
    (
        "unbalanced",
        dict(postings=[debit(CLEARING, 100, "CNY"), credit(escrow(1), 99, "CNY")]),
        errors.UnbalancedEntry,
        "postings",
    ),
    ("single leg", dict(postings=[debit(CLEARING, 100, "CNY")]), errors.TooFewPostings, "postings"),
    ("zero", dict(postings=_legs(0)), errors.ZeroAmount, "postings[0].amount"),
    (
        "fraction",
        dict(postings=_legs(Decimal("10.5"))),
        errors.FractionalAmount,
        "postings[0].amount",
    ),
    ("float", dict(postings=_legs(10.0)), errors.InvalidAmount, "postings[0].amount"),
    ("negative", dict(postings=_legs(-5)), errors.InvalidAmount, "postings[0].amount"),
    ("bool", dict(postings=_legs(True)), errors.InvalidAmount, "postings[0].amount"),
    ("huge", dict(postings=_legs(10**16)), errors.InvalidAmount, "postings[0].amount"),
    (
        "unknown currency",
        dict(postings=_legs(100, "XXX")),
        errors.UnknownCurrency,
        "postings[0].currency",
    ),
    (
        "lower-case currency",
        dict(postings=_legs(100, "cny")),
        errors.UnknownCurrency,
        "postings[0].currency",
    ),
    ("cross-currency", dict(postings=_legs(100, "CNY", "USD")), errors.UnbalancedEntry, "postings"),
    (
        "bad account",
        dict(postings=[debit("cash", 1, "CNY"), credit(escrow(1), 1, "CNY")]),
        errors.InvalidAccountCode,
        "postings[0].account",
    ),
    (
        "unknown root",
        dict(postings=[debit("misc:cash", 1, "CNY"), credit(escrow(1), 1, "CNY")]),
        errors.InvalidAccountCode,
        "postings[0].account",
    ),
    (
        "bad side",
        dict(postings=[Leg(CLEARING, "up", 1, "CNY"), credit(escrow(1), 1, "CNY")]),
        errors.InvalidRequest,
        "postings[0].side",
    ),
    (
        "naive date",
        dict(postings=_legs(), effective_at=datetime(2025, 1, 1)),
        errors.InvalidTimestamp,
        "effective_at",
    ),
    (
        "metadata keys",
        dict(postings=_legs(), metadata={f"k{i}": "v" for i in range(17)}),
        errors.InvalidMetadata,
        "metadata",
    ),
    (
        "metadata value",
        dict(postings=_legs(), metadata={"order_id": 1.5}),
        errors.InvalidMetadata,
        "metadata",
    ),
    (
        "long description",
        dict(postings=_legs(), description="x" * 501),
        errors.InvalidDescription,
        "description",
    ),
]


@pytest.mark.parametrize(
    ("request_", "error", "field"),
    [pytest.param(r, e, f, id=name) for name, r, e, f in BAD_REQUESTS],
)
def test_bad_requests_are_refused_with_the_field_and_nothing_written(
    session, request_, error, field
):
    capture(session, 1, 100)
    before = counts(session)

    with pytest.raises(error) as caught:
        ledger.post(session, "bad", **request_)

    assert isinstance(caught.value, errors.LedgerError)
    assert caught.value.field == field
    assert caught.value.code == error.code
    assert counts(session) == before
    capture(session, 2, 100)  # the transaction is still usable


def test_bad_key(session):
    with pytest.raises(errors.InvalidKey):
        ledger.post(session, "", _legs())
    with pytest.raises(errors.InvalidKey):
        ledger.post(session, "k" * 201, _legs())


def test_crossing_a_lower_limit_is_refused_and_nothing_written(session):
    capture(session, 1, 100)
    before = counts(session)

    with pytest.raises(errors.LimitExceeded) as caught:
        settle(session, 1, 1, 101, 1)

    assert caught.value.code == "balance_limit_exceeded"
    assert caught.value.field == "postings[0]"
    assert caught.value.details["account"] == escrow(1)
    assert counts(session) == before


def test_an_escrow_holds_one_currency(session):
    capture(session, 1, 100)
    with pytest.raises(errors.CurrencyMismatch) as caught:
        ledger.post(session, "usd", [debit(CLEARING, 5, "USD"), credit(escrow(1), 5, "USD")])
    assert caught.value.code == "currency_mismatch"


def test_explicit_account_with_an_upper_limit(session):
    ledger.open_account(session, "assets:petty_cash", "CNY", upper_limit=1_000)
    ledger.post(
        session, "a", [debit("assets:petty_cash", 1_000, "CNY"), credit(BANK, 1_000, "CNY")]
    )
    with pytest.raises(errors.LimitExceeded):
        ledger.post(session, "b", [debit("assets:petty_cash", 1, "CNY"), credit(BANK, 1, "CNY")])
    with pytest.raises(errors.AccountConflict):
        ledger.open_account(session, "assets:petty_cash", "CNY", upper_limit=5)


def test_effective_date_can_be_in_the_past(session):
    when = NOW - timedelta(days=40)
    record = capture(session, 1, 100, effective_at=when)
    assert record.effective_at == when
    assert record.recorded_at > when


def test_errors_serialise_for_the_api():
    error = errors.ZeroAmount("a posting of zero moves nothing", field="postings[0].amount")
    assert error.to_dict() == {
        "code": "zero_amount",
        "message": "a posting of zero moves nothing",
        "field": "postings[0].amount",
        "details": {},
    }
