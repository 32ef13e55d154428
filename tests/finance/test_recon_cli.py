"""``shujiao recon ...`` as real processes on the app's database."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import ledger
from ledger import credit, debit
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row

SHUJIAO = Path(sys.executable).parent / "shujiao"


def _run(app, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    env.update(
        SHUJIAO_SECRET_KEY="k" * 40,
        SHUJIAO_DATABASE_URL=app.config["DATABASE_URL"],
        SHUJIAO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
    )
    return subprocess.run(
        [str(SHUJIAO), "recon", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_stripe_file_twice(app, tmp_path):
    report = tmp_path / "balance.csv"
    report.write_bytes(stripe_csv([stripe_row("txn_9", "charge", 10_000, 320, source_id="ch_9")]))
    first = _run(app, "import-stripe", "--file", str(report))
    assert first.returncode == 0, first.stderr
    assert "1 new, 0 known, 1 entries posted" in first.stdout
    again = _run(app, "import-stripe", "--file", str(report))
    assert "0 new, 1 known, 0 entries posted" in again.stdout


def test_the_stripe_import_says_why_it_takes_charges_of_any_owner_tag(app, tmp_path):
    report = tmp_path / "balance.csv"
    report.write_bytes(stripe_csv([stripe_row("txn_8", "charge", 10_000, 320, source_id="ch_8")]))
    done = _run(app, "import-stripe", "--file", str(report))
    assert done.returncode == 0, done.stderr
    assert (
        "Every line is imported, whatever its owner tag (SHUJIAO_STRIPE_OWNER_TAG)" in done.stdout
    )


def test_a_bad_stripe_file_says_which_line(app, tmp_path):
    report = tmp_path / "balance.csv"
    report.write_bytes(
        stripe_csv([stripe_row("txn_9", "charge", 10_000, 320)]).replace(b"100.00", b"1OO")
    )
    result = _run(app, "import-stripe", "--file", str(report))
    assert result.returncode == 1 and "lines[2].gross" in result.stderr


def test_import_bank_and_status(app, tmp_path):
    added = _run(app, "add-bank-account", "工行基本户", "--bank", "中国工商银行",
                 "--number", "4000021009200000001", "--layout", "icbc")  # fmt: skip
    assert added.returncode == 0, added.stderr
    statement = tmp_path / "icbc.csv"
    statement.write_bytes(icbc_csv([BankRow(date(2026, 11, 2), 5_000, "R1")], 0))
    imported = _run(app, "import-bank", "工行基本户", str(statement))
    assert imported.returncode == 0, imported.stderr
    assert "1 new line, 0 known" in imported.stdout and "closing 5000 CNY" in imported.stdout
    status = _run(app, "status")
    # The 50 yuan are an open line: explained, still open, not a failure.
    assert status.returncode == 0, status.stdout
    assert (
        "bank 工行基本户 statement 2026-11-02 – 2026-11-02: closing CNY 50.00, ledger "
        "assets:bank CNY 0.00 (difference CNY 50.00, open items CNY 50.00, unexplained CNY 0.00: "
        "explained), 1 line open"
    ) in status.stdout
    unknown = _run(app, "import-bank", "nope", str(statement))
    assert unknown.returncode == 1 and "no bank account named" in unknown.stderr


def test_a_second_bank_account_gets_its_own_ledger_code_and_may_be_the_default(app):
    first = _run(app, "add-bank-account", "工行基本户", "--bank", "中国工商银行",
                 "--number", "4000021009200000001")  # fmt: skip
    assert first.returncode == 0 and "(the default of its currency)" in first.stdout
    second = _run(app, "add-bank-account", "招行一般户", "--bank", "招商银行",
                  "--number", "755900000000333", "--ledger-account", "assets:bank:cmb-main",
                  "--default")  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "assets:bank:cmb-main (the default of its currency)" in second.stdout
    bad = _run(app, "add-bank-account", "坏户", "--bank", "某行", "--number", "1234567",
               "--ledger-account", "revenue:platform_fees")  # fmt: skip
    assert bad.returncode == 1 and "ledger_account" in bad.stderr


def test_assert_prints_each_day_and_fails_on_an_unexplained_difference(app, tmp_path):
    _run(app, "add-bank-account", "工行基本户", "--bank", "中国工商银行",
         "--number", "4000021009200000001", "--layout", "icbc")  # fmt: skip
    statement = tmp_path / "icbc.csv"
    statement.write_bytes(icbc_csv([BankRow(date(2026, 11, 2), 5_000, "R1")], 0))
    _run(app, "import-bank", "工行基本户", str(statement))
    # The interest is an open line: the day is explained, not clean, and not a failure.
    asserted = _run(app, "assert")
    assert asserted.returncode == 0, asserted.stderr
    assert (
        "2026-11-02 工行基本户: statement CNY 50.00, ledger CNY 0.00, open 1 (CNY 50.00)"
    ) in asserted.stdout
    assert "1 day asserted, 0 with a difference nothing explains" in asserted.stdout
    backwards = _run(app, "assert", "--start", "2026-11-03", "--end", "2026-11-02")
    assert backwards.returncode == 2 and "--end" in backwards.stderr


def test_status_reports_each_accounts_latest_statement_and_fails_on_a_difference(app, tmp_path):
    _run(app, "add-bank-account", "工行基本户", "--bank", "中国工商银行",
         "--number", "4000021009200000001", "--layout", "icbc")  # fmt: skip
    first, second = tmp_path / "november-3a.csv", tmp_path / "november-3b.csv"
    # Two statements of the same day: the first one's closing is not the day's.
    first.write_bytes(icbc_csv([BankRow(date(2026, 11, 3), 5_000, "R1")], 0))
    second.write_bytes(icbc_csv([BankRow(date(2026, 11, 3), 3_000, "R2")], 5_000))
    for statement in (first, second):
        assert _run(app, "import-bank", "工行基本户", str(statement)).returncode == 0
    status = _run(app, "status")
    assert status.returncode == 0, status.stdout
    assert "closing CNY 50.00" not in status.stdout
    assert "statement 2026-11-03 – 2026-11-03: closing CNY 80.00" in status.stdout
    assert "2 lines open" in status.stdout
    assert (
        "1 bank account and 0 Stripe balances: 0 settled, 1 open and explained, 0 with a difference"
    ) in status.stdout
    # A movement on the bank account that no statement line or receipt stands for.
    with app.extensions["db"].unit_of_work() as session:
        ledger.post(
            session,
            "test:unexplained",
            [debit("assets:bank", 100, "CNY"), credit("equity:owner", 100, "CNY")],
            effective_at=datetime(2026, 11, 3, 4, tzinfo=UTC),
        )
    status = _run(app, "status")
    assert status.returncode == 1, status.stdout
    assert (
        "closing CNY 80.00, ledger assets:bank CNY 1.00 (difference CNY 79.00, open items "
        "CNY 80.00, unexplained CNY -1.00: DIFFERS)"
    ) in status.stdout


def test_book_opening_balance_from_the_command_line(app, tmp_path):
    _run(app, "add-bank-account", "工行基本户", "--bank", "中国工商银行",
         "--number", "4000021009200000001", "--layout", "icbc")  # fmt: skip
    statement = tmp_path / "icbc.csv"
    statement.write_bytes(icbc_csv([BankRow(date(2026, 11, 2), 5_000, "R1")], 100_000_000))
    _run(app, "import-bank", "工行基本户", str(statement))
    booked = _run(app, "book-opening", "工行基本户", "--yes")
    assert booked.returncode == 0, booked.stderr
    assert "bank_opening:1 booked: assets:bank CNY 1,000,000.00" in booked.stdout
    status = _run(app, "status")
    assert status.returncode == 0 and "unexplained CNY 0.00: explained" in status.stdout
