"""The period close checklist: shown before the close, checked again by it, and overridden
only with a reason that stays in the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

import ledger
from ledger import credit, debit
from market.db import utcnow
from market.finance import bank, closing, matching, payouts
from market.finance.models import AuditEvent
from market.finance.payouts import value_moment
from market.trading import books, settlement
from market.trading.states import Actor
from tests.finance.factories import payee_account
from tests.finance.generated import BankRow, icbc_csv

OCTOBER = {
    "name": "2026-10",
    "starts_at": "2026-10-01T00:00:00+08:00",
    "ends_at": "2026-11-01T00:00:00+08:00",
}


def failing(checks) -> list[str]:
    return [check["name"] for check in checks if not check["ok"]]


def test_a_period_with_open_problems_closes_only_with_a_reason(app, db, finance):
    account = bank.create_account(
        db, {"name": "工行基本户", "bank_name": "中国工商银行",
             "account_number": "4000021009200000001", "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [
        BankRow(date(2026, 10, 15), 5_000, "ICBC0001", "银行", "", "利息"),
        BankRow(date(2026, 10, 31), -1_200, "ICBC0002", "银行", "", "手续费"),
    ]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    # The fee typed into the books as well: the statement's line and the entry never meet.
    ledger.post(
        db, "bank-fee:2026-10",
        [debit("expenses:bank_charges", 1_200, "CNY"), credit(books.BANK, 1_200, "CNY")],
        effective_at=value_moment(date(2026, 10, 31)),
    )  # fmt: skip
    matching.run(db, utcnow())
    db.commit()
    assert finance.call("POST", "/ledger/periods", json=OCTOBER).status_code == 201
    assert finance.call("POST", "/ledger/periods/2026-10/close-request").status_code == 200

    refused = finance.call("POST", "/ledger/periods/2026-10/close", who=1, json={})
    assert refused.status_code == 409, refused.json
    assert refused.json["errors"]["failing"] == ["open_items", "exceptions", "balances"]
    assert "override_reason" in refused.json["errors"]
    checklist = finance.call("GET", "/ledger/periods/2026-10/checklist")
    assert failing(checklist.json) == ["open_items", "exceptions", "balances"]
    balances = next(check for check in checklist.json if check["name"] == "balances")
    assert balances["detail"] == "工行基本户 CNY: 17 days not asserted"
    assert finance.call("POST", "/finance/recon/assertions", json={}).status_code == 201
    checklist = finance.call("GET", "/ledger/periods/2026-10/checklist")
    balances = next(check for check in checklist.json if check["name"] == "balances")
    assert balances["detail"] == "工行基本户 CNY 2026-10-31"

    bad = finance.call("POST", "/ledger/periods/2026-10/close", who=1,
                       json={"override_reason": "a\nb"})  # fmt: skip
    assert bad.status_code == 422 and "override_reason" in bad.json["errors"]
    reason = "手续费已于十一月冲正"
    closed = finance.call("POST", "/ledger/periods/2026-10/close", who=1,
                          json={"override_reason": reason})  # fmt: skip
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.subject == "period:2026-10",
                                               AuditEvent.action == "close_period"))  # fmt: skip
    assert event.action == "close_period" and event.details["override_reason"] == reason
    assert event.details["failing"] == ["open_items", "exceptions", "balances"]


def test_a_clear_period_closes_without_a_reason(app, db, finance):
    assert finance.call("POST", "/ledger/periods", json=OCTOBER).status_code == 201
    checklist = finance.call("GET", "/ledger/periods/2026-10/checklist")
    assert checklist.status_code == 200 and failing(checklist.json) == []
    assert finance.call("POST", "/ledger/periods/2026-10/close-request").status_code == 200
    # The one who asked cannot approve: the ledger says so before any checklist does.
    alone = finance.call("POST", "/ledger/periods/2026-10/close")
    assert alone.status_code == 409 and "closed_by" in alone.json["errors"]
    closed = finance.call("POST", "/ledger/periods/2026-10/close", who=1)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert finance.call("GET", "/ledger/periods/nope/checklist").status_code == 404
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.subject == "period:2026-10",
                                               AuditEvent.action == "close_period"))  # fmt: skip
    assert event.details["failing"] == [] and "override_reason" not in event.details


def test_a_batch_left_in_submitted_blocks_the_close(app, db, trade):
    settled = trade.transfer("ICBC0009")
    settlement.accept(db, settled, utcnow(), Actor.BUYER, trade.buyer_user)
    settlement.settle(db, settled.id, utcnow())
    payee_account(db, trade.provider)
    batch = payouts.build_batch(db, trade.finance, "CNY", utcnow())
    payouts.submit_batch(db, batch.id, trade.finance, utcnow())
    ledger.create_period(
        db, "2026-10", datetime.fromisoformat(OCTOBER["starts_at"]),
        datetime.fromisoformat(OCTOBER["ends_at"]),
    )  # fmt: skip
    period = closing.period_or_404(db, "2026-10")
    limits = closing.Limits(open_item_days=3, submitted_batch_days=5)
    soon = closing.checklist(db, period, utcnow() + timedelta(days=1), limits)
    assert [check.name for check in soon if not check.ok] == []
    later = closing.checklist(db, period, utcnow() + timedelta(days=6), limits)
    stuck = [check for check in later if not check.ok]
    assert [(check.name, check.detail) for check in stuck] == [("payout_batches", f"#{batch.id}")]
