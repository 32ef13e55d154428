"""``shujiao ledger verify`` and ``trial-balance`` as real processes on the app's database."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

SHUJIAO = Path(sys.executable).parent / "shujiao"


def _run(app, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    env.update(
        SHUJIAO_SECRET_KEY="k" * 40,
        SHUJIAO_DATABASE_URL=app.config["DATABASE_URL"],
        SHUJIAO_INSTANCE_PATH=app.config["INSTANCE_PATH"],
    )
    return subprocess.run(
        [str(SHUJIAO), "ledger", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_verify_passes_on_consistent_books(app, books):
    result = _run(app, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all invariants hold" in result.stdout


def test_verify_names_a_tampered_balance(app, books, db):
    # Stored totals are the one ledger table that posting must update, so no trigger guards
    # them; the verifier re-derives them from the postings and must notice.
    db.execute(
        sa.text(
            "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 "
            "WHERE code = 'revenue:platform_fees'"
        )
    )
    db.commit()
    result = _run(app, "verify")
    assert result.returncode == 1
    assert "revenue:platform_fees" in result.stdout


def test_trial_balance_prints_totals(app, books):
    result = _run(app, "trial-balance")
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout and "CNY" in result.stdout
