"""A Stripe payout reaching the bank: found by its id whatever the id's shape, by its amount
when the remark names an id nothing knows, and matched by hand when it came too late for
either rule."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ledger.verify import verify
from market.db import utcnow
from market.errors import InvalidInput
from market.finance import bank, exceptions, matching, stripe_import
from market.finance.models import ItemState, Match, ReconException, StripeBalanceTransaction
from tests import factories
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row


@pytest.fixture
def account(db):
    created = bank.create_account(
        db, {"name": "招行", "bank_name": "招商银行", "account_number": "755900000001",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    db.commit()
    return created


def paid_out(db, days_ago: int, payout="po_st2_001", amount=48_250) -> None:
    """Stripe paid ``amount`` out to the bank ``days_ago`` days ago."""
    created = (today() - timedelta(days=days_ago)).isoformat() + " 02:00:00"
    row = stripe_row("txn_po_1", "payout", -amount, 0, source_id=payout, created=created)
    stripe_import.import_csv(db, stripe_csv([row]))
    db.commit()


def received(db, account, remark: str, amount=48_250) -> None:
    rows = [BankRow(today(), amount, "CMB1", "STRIPE PAYMENTS", "", remark)]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    db.commit()


def rule_of(db) -> str | None:
    return db.scalar(sa.select(Match.rule).where(Match.bank_line_id.is_not(None)))


def test_a_payout_id_with_underscores_is_found_by_its_id(db, account):
    paid_out(db, 1)
    received(db, account, "STRIPE PAYOUT po_st2_001")
    matching.run(db, utcnow())
    assert rule_of(db) == "stripe_payout"


def test_an_unknown_payout_id_in_the_remark_leaves_the_amount_rule_to_find_it(db, account):
    paid_out(db, 1)
    received(db, account, "STRIPE PAYOUT po_typed0wrong")
    matching.run(db, utcnow())
    assert rule_of(db) == "amount_window"


def test_a_late_payout_is_a_candidate_and_is_matched_by_hand(db, account):
    paid_out(db, 8)
    received(db, account, "STRIPE")
    matching.run(db, utcnow())
    db.commit()
    line_exception = db.scalar(
        sa.select(ReconException).where(ReconException.bank_line_id.is_not(None))
    )
    payout = db.scalar(sa.select(StripeBalanceTransaction))
    assert {"kind": "stripe_payout", "id": payout.id, "amount_minor": 48_250,
            "currency": "CNY"} in line_exception.candidates  # fmt: skip
    finance = factories.user(db)
    exceptions.match_by_hand(
        db, line_exception.id, "stripe_payout", payout.id, finance, utcnow(), "晚到的派付"
    )
    matching.run(db, utcnow())
    db.commit()
    assert payout.state == ItemState.RECONCILED
    assert db.scalar(sa.select(sa.func.count()).select_from(ReconException).where(
        ReconException.status == "open")) == 0  # fmt: skip
    assert verify(db).ok


def test_a_payout_of_another_amount_is_not_matched_by_hand(db, account):
    paid_out(db, 8)
    received(db, account, "STRIPE", amount=48_200)
    matching.run(db, utcnow())
    db.commit()
    exception_id = db.scalar(
        sa.select(ReconException.id).where(ReconException.bank_line_id.is_not(None))
    )
    payout_id = db.scalar(sa.select(StripeBalanceTransaction.id))
    with pytest.raises(InvalidInput) as caught:
        exceptions.match_by_hand(
            db, exception_id, "stripe_payout", payout_id, factories.user(db), utcnow()
        )
    assert caught.value.field == "target_id"


def test_a_run_counts_each_payout_it_matched_once_and_the_next_run_none(db, account):
    paid_out(db, 1)
    received(db, account, "STRIPE PAYOUT po_st2_001")
    first = matching.run(db, utcnow())
    assert dict(first.matched) == {"stripe_payout": 1}
    again = matching.run(db, utcnow())
    assert sum(again.matched.values()) == 0


def test_a_payout_arrives_on_the_ledger_code_of_the_account_it_reached(db):
    import ledger

    own = bank.create_account(
        db, {"name": "招行二", "bank_name": "招商银行", "account_number": "755900000002",
             "currency": "CNY", "csv_layout": "icbc", "ledger_account": "assets:bank:cmb2"},
    )  # fmt: skip
    db.commit()
    paid_out(db, 1)
    received(db, own, "STRIPE PAYOUT po_st2_001")
    matching.run(db, utcnow())
    db.commit()
    assert ledger.balance(db, "assets:bank:cmb2", "CNY").posted == 48_250
    with pytest.raises(ledger.errors.AccountNotFound):
        ledger.balance(db, "assets:bank", "CNY")


def test_a_payout_the_bank_has_not_shown_is_missing_at_the_bank_not_in_the_books(finance):
    created = (today() - timedelta(days=8)).isoformat() + " 02:00:00"
    row = stripe_row("txn_po_9", "payout", -97_000, 0, source_id="po_st4_001", created=created)
    imported = finance.call(
        "POST", "/finance/stripe-imports",
        data={"file": (io.BytesIO(stripe_csv([row])), "balance.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert imported.status_code == 201, imported.get_json()
    account = finance.call(
        "POST", "/finance/bank-accounts",
        json={"name": "工行", "bank_name": "中国工商银行", "account_number": "4000021009200000009",
              "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today(), 500, "I1", "", "", "利息")]  # the statements reach today
    finance.call(
        "POST", f"/finance/bank-accounts/{account.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv(rows, 0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    finance.call("POST", "/finance/recon/runs")
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    (payout,) = [item for item in found if item["stripe_line_id"]]
    assert payout["kind"] == "missing_at_bank"
    assert "po_st4_001" in payout["detail"] and "not in the books" not in payout["detail"]
    assert payout["candidates"] == []
