"""Random sequences of posts, holds, reversals, retries and period closes, checked after each step.

A plain-Python model predicts every outcome (success, or which refusal); after every step the
database must agree with the model and ``verify`` must find nothing wrong. Runs on both engines.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.orm import sessionmaker

import ledger
from ledger import errors
from ledger.chart import DEFAULT_CHART
from ledger.models import accounts
from ledger.verify import verify
from tests.ledger.conftest import ledger_engine

ACCOUNTS = {
    "CNY": [
        "assets:stripe_clearing",
        "assets:bank",
        "liabilities:escrow:order:1",
        "liabilities:escrow:order:2",
        "liabilities:provider_payable:org:1",
        "revenue:platform_fees",
    ],
    "USD": ["assets:bank", "revenue:platform_fees", "expenses:payment_fees"],
}
DAYS = [datetime(2025, 1, d, 9, tzinfo=UTC) for d in range(1, 6)]


@dataclass
class Totals:
    """Model of an account's four stored totals."""

    dp: int = 0
    cp: int = 0
    dq: int = 0
    cq: int = 0


@dataclass
class Model:
    totals: dict[tuple[str, str], Totals] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)

    def ok(self, changes: dict[tuple[str, str], Totals]) -> bool:
        """Would these deltas keep every limit?"""
        for key, delta in changes.items():
            spec = DEFAULT_CHART.spec(key[0])
            t = self.totals.get(key, Totals())
            dp, cp, dq, cq = t.dp + delta.dp, t.cp + delta.cp, t.dq + delta.dq, t.cq + delta.cq
            low = dp - cp - cq if spec.normal_side == "debit" else cp - dp - dq
            if spec.lower_limit is not None and low < spec.lower_limit:
                return False
        return True

    def apply(self, changes: dict[tuple[str, str], Totals]) -> None:
        for key, delta in changes.items():
            t = self.totals.setdefault(key, Totals())
            t.dp, t.cp, t.dq, t.cq = (
                t.dp + delta.dp,
                t.cp + delta.cp,
                t.dq + delta.dq,
                t.cq + delta.cq,
            )


def _deltas(legs) -> dict[tuple[str, str], Totals]:
    changes: dict[tuple[str, str], Totals] = {}
    for leg in legs:
        delta = changes.setdefault((leg.account, leg.currency), Totals())
        if leg.side == "debit":
            delta.dp += leg.amount
        else:
            delta.cp += leg.amount
    return changes


@dataclass
class Posted:
    key: str
    legs: list
    day: int | None
    id: int
    reversed: bool = False


@dataclass
class Held:
    id: int
    debit: str
    credit: str
    amount: int
    expired: bool
    open: bool = True


entry_shapes = st.tuples(
    st.sampled_from(sorted(ACCOUNTS)),
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(1, 5_000),
    st.integers(0, 3_000),
)


def _legs(shape):
    currency, d, c1, c2, a1, a2 = shape
    names = ACCOUNTS[currency]
    debit_account = names[d % len(names)]
    credits = [n for n in names if n != debit_account]
    first, second = credits[c1 % len(credits)], credits[c2 % len(credits)]
    legs = [ledger.debit(debit_account, a1 + a2, currency), ledger.credit(first, a1, currency)]
    if a2:
        legs.append(ledger.credit(second, a2, currency))
    return legs


class LedgerMachine(RuleBasedStateMachine):
    """Drives the ledger through the public API; subclasses set ``make_url``."""

    make_url = None

    entries = Bundle("entries")
    hold_ids = Bundle("holds")

    def __init__(self):
        super().__init__()
        self.engine = ledger_engine(type(self).make_url())
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.model = Model()
        self.serial = itertools.count()
        self.holds: list[Held] = []

    def teardown(self):
        self.engine.dispose()

    def _expect(self, error, work):
        with self.sessions() as session, session.begin():
            if error is None:
                return work(session)
            with pytest.raises(error):
                work(session)
            session.rollback()
        return None

    @rule(target=entries, shape=entry_shapes, day=st.sampled_from([None, 0, 1, 2, 3, 4]))
    def post(self, shape, day):
        legs = _legs(shape)
        key = f"e{next(self.serial)}"
        when = None if day is None else DAYS[day]
        changes = _deltas(legs)
        error = (
            errors.PeriodClosed
            if day in self.model.closed
            else None
            if self.model.ok(changes)
            else errors.LimitExceeded
        )
        record = self._expect(error, lambda s: ledger.post(s, key, legs, effective_at=when))
        if record is None:
            return Posted(key, legs, day, -1, reversed=True)  # a refused one: never reversible
        self.model.apply(changes)
        return Posted(key, legs, day, record.id)

    @rule(entry=entries)
    def retry(self, entry):
        if entry.id < 0:
            return
        when = None if entry.day is None else DAYS[entry.day]
        if entry.day is None:
            return  # its effective date was "now" then; a retry must restate what was sent
        record = self._expect(
            None, lambda s: ledger.post(s, entry.key, entry.legs, effective_at=when)
        )
        assert record.replayed and record.id == entry.id

    @rule(entry=entries, extra=st.integers(1, 10))
    def conflicting_retry(self, entry, extra):
        if entry.id < 0:
            return
        legs = [*entry.legs[:-1]]
        last = entry.legs[-1]
        legs.append(ledger.Leg(last.account, last.side, last.amount + extra, last.currency))
        legs[0] = ledger.Leg(
            legs[0].account, legs[0].side, legs[0].amount + extra, legs[0].currency
        )
        self._expect(errors.IdempotencyConflict, lambda s: ledger.post(s, entry.key, legs))

    @rule(target=entries, entry=entries)
    def reverse(self, entry):
        if entry.id < 0:
            return Posted("refused", [], None, -1, reversed=True)
        mirrored = [
            ledger.Leg(
                leg.account, "credit" if leg.side == "debit" else "debit", leg.amount, leg.currency
            )
            for leg in entry.legs
        ]
        changes = _deltas(mirrored)
        key = f"r{next(self.serial)}"
        error = (
            errors.AlreadyReversed
            if entry.reversed
            else None
            if self.model.ok(changes)
            else errors.LimitExceeded
        )
        record = self._expect(error, lambda s: ledger.reverse(s, entry.id, key))
        if record is None:
            return Posted(key, [], None, -1, reversed=True)
        entry.reversed = True
        self.model.apply(changes)
        return Posted(key, mirrored, None, record.id)

    @rule(
        target=hold_ids,
        pair=st.sampled_from([(2, 4), (3, 4), (0, 2), (4, 1)]),
        amount=st.integers(1, 3_000),
        expired=st.booleans(),
    )
    def hold(self, pair, amount, expired):
        debit, credit = ACCOUNTS["CNY"][pair[0]], ACCOUNTS["CNY"][pair[1]]
        changes = {(debit, "CNY"): Totals(dq=amount), (credit, "CNY"): Totals(cq=amount)}
        expires = datetime.now(UTC) + (timedelta(seconds=-1) if expired else timedelta(hours=1))
        key = f"h{next(self.serial)}"
        error = None if self.model.ok(changes) else errors.LimitExceeded
        record = self._expect(
            error,
            lambda s: ledger.hold(
                s,
                key,
                debit=debit,
                credit=credit,
                amount=amount,
                currency="CNY",
                expires_at=expires,
            ),
        )
        if record is None:
            return Held(-1, debit, credit, amount, expired, open=False)
        self.model.apply(changes)
        self.holds.append(Held(record.id, debit, credit, amount, expired))
        return self.holds[-1]

    def _release(self, held):
        self.model.apply(
            {
                (held.debit, "CNY"): Totals(dq=-held.amount),
                (held.credit, "CNY"): Totals(cq=-held.amount),
            }
        )
        held.open = False

    @rule(held=consumes(hold_ids), part=st.integers(1, 100))
    def post_hold(self, held, part):
        if held.id < 0:
            return
        amount = max(1, held.amount * part // 100)
        key = f"p{next(self.serial)}"
        if not held.open:
            error = errors.HoldNotPending
        elif held.expired:
            error = errors.HoldExpired
        else:
            release = {
                (held.debit, "CNY"): Totals(dq=-held.amount, dp=amount),
                (held.credit, "CNY"): Totals(cq=-held.amount, cp=amount),
            }
            error = None if self.model.ok(release) else errors.LimitExceeded
        record = self._expect(error, lambda s: ledger.post_hold(s, held.id, key, amount=amount))
        if record is not None:
            self._release(held)
            self.model.apply(
                {(held.debit, "CNY"): Totals(dp=amount), (held.credit, "CNY"): Totals(cp=amount)}
            )

    @rule(held=consumes(hold_ids))
    def void_hold(self, held):
        if held.id < 0:
            return
        error = None if held.open else errors.HoldNotPending
        if self._expect(error, lambda s: ledger.void_hold(s, held.id)) is not None:
            self._release(held)

    @rule()
    def expire(self):
        with self.sessions.begin() as session:
            expired = set(ledger.expire_holds(session))
        due = [held for held in self.holds if held.open and held.expired]
        assert expired == {held.id for held in due}
        for held in due:
            self._release(held)

    @rule(day=st.integers(0, 4))
    def close_day(self, day):
        start = DAYS[day].replace(hour=0)
        with self.sessions.begin() as session:
            ledger.create_period(session, f"day-{day}", start, start + timedelta(days=1))
            if day not in self.model.closed:
                ledger.request_close(session, f"day-{day}", requested_by="finance-1")
                ledger.close_period(session, f"day-{day}", closed_by="finance-2")
        self.model.closed.add(day)

    @rule()
    def seal(self):
        with self.sessions.begin() as session:
            ledger.seal_chain(session)

    @invariant()
    def books_agree_with_the_model_and_verify(self):
        with self.sessions() as session:
            stored = {
                (row.code, row.currency): Totals(
                    row.debits_posted, row.credits_posted, row.debits_pending, row.credits_pending
                )
                for row in session.execute(sa.select(accounts))
            }
            expected = {k: v for k, v in self.model.totals.items() if v != Totals()}
            assert {k: v for k, v in stored.items() if v != Totals()} == expected
            report = verify(session)
            assert report.ok, report.format()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_random_operations_keep_every_invariant(kind, make_database_url, request):
    if kind == "postgresql":
        request.getfixturevalue("postgres_url")  # skip (or fail under CI) without PostgreSQL

    class Machine(LedgerMachine):
        make_url = staticmethod(lambda: make_database_url(kind))

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
