"""Migration 0023 marks each currency's oldest ``assets:bank`` account as its default and names
it on the bank money of that currency booked there before accounts were named."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from market import migrate
from market.db import make_engine

BEFORE, AFTER = "0022_receipts_without_order", "0023_bank_account_of_money"
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _account(connection, id_, name, currency, code):
    connection.execute(
        sa.text(
            "INSERT INTO finance_bank_accounts (id, name, bank_name, account_number, currency, "
            "ledger_account, created_at) VALUES (:id, :name, '银行', :number, :currency, :code, "
            ":at)"
        ),
        {"id": id_, "name": name, "number": f"6222{id_:08d}", "currency": currency,
         "code": code, "at": NOW},
    )  # fmt: skip


def _payment(connection, id_, method, currency):
    connection.execute(
        sa.text(
            "INSERT INTO trading_payments (id, method, status, amount_minor, currency, "
            "created_at) VALUES (:id, :method, 'held', 100, :currency, :at)"
        ),
        {"id": id_, "method": method, "currency": currency, "at": NOW},
    )


def _batch(connection, id_, status, submitted):
    connection.execute(
        sa.text(
            "INSERT INTO trading_payout_batches (id, currency, status, created_by_id, "
            "created_at, submitted_at) VALUES (:id, 'CNY', :status, 1, :at, :submitted)"
        ),
        {"id": id_, "status": status, "at": NOW, "submitted": NOW if submitted else None},
    )


def test_the_backfill_names_the_default_account(database_url):
    migrate.upgrade(database_url, BEFORE)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, email_key, name, password_hash, is_active, "
                "created_at, password_changed_at) VALUES (1, 'f@x.cn', 'f@x.cn', 'F', 'x', "
                ":yes, :at, :at)"
            ),
            {"yes": True, "at": NOW},
        )
        _account(connection, 1, "招行一般户", "CNY", "assets:bank:cmb")
        _account(connection, 2, "工行基本户", "CNY", "assets:bank")
        _account(connection, 3, "工行二户", "CNY", "assets:bank")
        _account(connection, 4, "汇丰美元户", "USD", "assets:bank:hsbc")
        _payment(connection, 1, "bank_transfer", "CNY")
        _payment(connection, 2, "stripe", "CNY")
        _payment(connection, 3, "bank_transfer", "USD")
        _batch(connection, 1, "submitted", True)
        _batch(connection, 2, "built", False)
    engine.dispose()
    migrate.upgrade(database_url, AFTER)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        defaults = connection.execute(
            sa.text("SELECT id FROM finance_bank_accounts WHERE is_default ORDER BY id")
        ).scalars()
        assert list(defaults) == [2]  # USD's only account is booked on a code of its own
        payments = dict(
            connection.execute(sa.text("SELECT id, bank_account_id FROM trading_payments")).all()
        )
        assert payments == {1: 2, 2: None, 3: None}
        batches = dict(
            connection.execute(
                sa.text("SELECT id, bank_account_id FROM trading_payout_batches")
            ).all()
        )
        assert batches == {1: 2, 2: None}
    engine.dispose()
    migrate.downgrade(database_url, BEFORE)
