"""The exception queue through ``/api/v1/finance``: imports, a matching run, and the three ways
to resolve — by hand with the difference shown, by a correcting entry one user proposes and
another approves, by a reason — each in the audit trail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ledger.entries import MAX_AMOUNT
from ledger.verify import verify
from market.db import utcnow
from market.finance.models import Correction
from market.trading import payments
from tests.finance.conftest import today
from tests.finance.generated import BankRow, icbc_csv, stripe_csv, stripe_row
from tests.listings.factories import PRICE


@pytest.fixture
def queue(app, db, finance, trade):
    """An ICBC account with a statement of three lines nothing matches, after a run: the
    exceptions by bank reference."""
    payment_id = trade.transfer("TYPED-WRONG", PRICE).payments[0].id
    db.commit()  # SQLite: the test's session must not hold the writer lock during requests
    account = finance.call(
        "POST",
        "/finance/bank-accounts",
        json={"name": "工行", "bank_name": "中国工商银行", "account_number": "4000021009200000001",
              "csv_layout": "icbc"},
    )  # fmt: skip
    assert account.status_code == 201, account.get_json()
    rows = [
        BankRow(today(), PRICE - 100, "L1", "买方", "", "货款"),  # the receipt, a yuan short
        BankRow(today(), -500, "L2", "", "", "手续费"),  # a bank charge
        BankRow(today(), 500, "L3", "", "", "利息"),  # interest
    ]
    statement = finance.call(
        "POST",
        f"/finance/bank-accounts/{account.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv(rows, 0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )
    assert statement.status_code == 201, statement.get_json()
    assert statement.get_json()["statement"]["encoding"] == "gb18030"
    run = finance.call("POST", "/finance/recon/runs")
    assert run.status_code == 201 and run.get_json()["opened"] == 3
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    by_amount = {item["amount_minor"]: item for item in found}
    return {"L1": by_amount[PRICE - 100], "L2": by_amount[-500], "L3": by_amount[500],
            "payment_id": payment_id}  # fmt: skip


def test_suggested_candidates_include_the_receipt(queue):
    candidates = queue["L1"]["candidates"]
    assert {"kind": "payment", "id": queue["payment_id"], "amount_minor": PRICE,
            "currency": "CNY"} in candidates  # fmt: skip


def test_candidates_are_on_the_line_s_account_and_side(finance, queue):
    assert queue["L2"]["candidates"] == []  # money out is no receipt
    other = finance.call(
        "POST",
        "/finance/bank-accounts",
        json={"name": "招行", "bank_name": "招商银行", "account_number": "7559000000003333",
              "csv_layout": "icbc", "ledger_account": "assets:bank:cmbst3"},
    )  # fmt: skip
    statement = finance.call(
        "POST",
        f"/finance/bank-accounts/{other.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv([BankRow(today(), PRICE, "M1", "", "", "货款")], 0)),
                       "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert statement.status_code == 201, statement.get_json()
    finance.call("POST", "/finance/recon/runs")
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    line = next(item for item in found if item["amount_minor"] == PRICE)
    assert [c for c in line["candidates"] if c["kind"] == "payment"] == []


def test_match_by_hand_shows_the_difference(finance, queue):
    payment_id = queue["payment_id"]
    url = f"/finance/recon/exceptions/{queue['L1']['id']}/match"
    asked = finance.call("POST", url, json={"kind": "payment", "target_id": payment_id})
    assert asked.status_code == 422, asked.get_json()
    errors = asked.get_json()["errors"]
    assert "accept_difference" in errors and errors["difference_minor"] == [-100]
    assert finance.call("GET", "/finance/recon/audit").get_json()[0]["action"] == "run"
    done = finance.call(
        "POST", url,
        json={"kind": "payment", "target_id": payment_id, "note": "买方少付一元",
              "accept_difference": True},
    )  # fmt: skip
    assert done.status_code == 200, done.get_json()
    shown = done.get_json()
    assert (shown["status"], shown["kind"], shown["difference_minor"]) == (
        "open", "hand_match_difference", -100,
    )  # fmt: skip
    trail = finance.call("GET", "/finance/recon/audit").get_json()
    assert trail[0]["action"] == "match_by_hand" and trail[0]["details"]["difference"] == -100
    again = finance.call(
        "POST", url, json={"kind": "payment", "target_id": payment_id, "accept_difference": True}
    )
    assert again.status_code == 409 and "kind" in again.get_json()["errors"]
    finance.call("POST", "/finance/recon/runs")
    still = {
        item["id"]: item for item in finance.call("GET", "/finance/recon/exceptions").get_json()
    }
    assert still[queue["L1"]["id"]]["difference_minor"] == -100
    marked = finance.call(
        "POST", f"/finance/recon/exceptions/{queue['L1']['id']}/mark", json={"reason": "买方确认"}
    )
    assert marked.status_code == 200 and marked.get_json()["status"] == "resolved"


def test_a_match_by_hand_across_bank_accounts_is_refused(finance, queue):
    other = finance.call(
        "POST",
        "/finance/bank-accounts",
        json={"name": "招行", "bank_name": "招商银行", "account_number": "7559000000003333",
              "csv_layout": "icbc", "ledger_account": "assets:bank:cmbst3"},
    )  # fmt: skip
    assert other.status_code == 201, other.get_json()
    statement = finance.call(
        "POST",
        f"/finance/bank-accounts/{other.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv([BankRow(today(), 120_000, "M1", "", "", "不明来款")],
                                           0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert statement.status_code == 201, statement.get_json()
    finance.call("POST", "/finance/recon/runs")
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    line = next(item for item in found if item["amount_minor"] == 120_000)
    refused = finance.call(
        "POST", f"/finance/recon/exceptions/{line['id']}/match",
        json={"kind": "payment", "target_id": queue["payment_id"], "accept_difference": True},
    )  # fmt: skip
    assert refused.status_code == 422, refused.get_json()
    errors = refused.get_json()["errors"]
    assert "target_id" in errors
    assert (errors["line_account"], errors["target_account"]) == (
        ["assets:bank:cmbst3"], ["assets:bank"],
    )  # fmt: skip
    open_now = {item["id"] for item in finance.call("GET", "/finance/recon/exceptions").get_json()}
    assert line["id"] in open_now


def test_a_correction_needs_a_second_finance_user(app, db, finance, queue):
    legs = [
        {"side": "debit", "account": "expenses:bank_charges", "amount_minor": 500, "currency": "CNY"},
        {"side": "credit", "account": "assets:bank", "amount_minor": 500, "currency": "CNY"},
    ]  # fmt: skip
    proposed = finance.call(
        "POST",
        "/finance/recon/corrections",
        json={"exception_id": queue["L2"]["id"], "legs": legs, "reason": "银行手续费"},
    )
    assert proposed.status_code == 201, proposed.get_json()
    correction = proposed.get_json()
    own = finance.call("POST", f"/finance/recon/corrections/{correction['id']}/approve", 0)
    assert own.status_code == 409 and "decided_by" in own.get_json()["errors"]
    assert finance.balance("expenses:bank_charges") == 0
    approved = finance.call("POST", f"/finance/recon/corrections/{correction['id']}/approve", 1)
    assert approved.status_code == 200 and approved.get_json()["entry_id"]
    assert finance.balance("expenses:bank_charges") == 500
    open_now = finance.call("GET", "/finance/recon/exceptions").get_json()
    assert queue["L2"]["id"] not in [item["id"] for item in open_now]
    actions = [event["action"] for event in finance.call("GET", "/finance/recon/audit").get_json()]
    assert actions[:2] == ["approve_correction", "propose_correction"]
    with app.extensions["db"].unit_of_work() as session:
        assert verify(session).ok


def test_an_unbalanced_correction_is_refused(finance, queue):
    legs = [
        {"side": "debit", "account": "expenses:bank_charges", "amount_minor": 500, "currency": "CNY"},
        {"side": "credit", "account": "assets:bank", "amount_minor": 400, "currency": "CNY"},
    ]  # fmt: skip
    refused = finance.call(
        "POST",
        "/finance/recon/corrections",
        json={"exception_id": queue["L2"]["id"], "legs": legs, "reason": "x"},
    )
    assert refused.status_code == 422 and "legs" in refused.get_json()["errors"]


def test_mark_with_a_reason_and_the_next_run_leaves_it_alone(finance, queue):
    marked = finance.call(
        "POST", f"/finance/recon/exceptions/{queue['L3']['id']}/mark", json={"reason": "活期利息"}
    )
    assert marked.get_json()["resolution"] == "marked"
    again = finance.call("POST", "/finance/recon/runs").get_json()
    assert (again["opened"], again["closed"]) == (0, 0)
    assert len(finance.call("GET", "/finance/recon/exceptions").get_json()) == 2


def test_a_stripe_report_through_the_api(finance):
    data = stripe_csv([stripe_row("txn_1", "charge", 10_000, 320, source_id="ch_1")])
    first = finance.call(
        "POST",
        "/finance/stripe-imports",
        data={"file": (io.BytesIO(data), "balance.csv")},
        content_type="multipart/form-data",
    )
    assert first.status_code == 201
    assert first.get_json() == {"new": 1, "unchanged": 0, "entries": 1, "matched": 0}
    bad = finance.call(
        "POST",
        "/finance/stripe-imports",
        data={"file": (io.BytesIO(data.replace(b"100.00", b"abc")), "balance.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "lines[2].gross" in bad.get_json()["errors"]


def test_an_imported_amount_over_the_largest_gives_the_limit_beside_its_errors(finance):
    data = stripe_csv([stripe_row("txn_1", "charge", MAX_AMOUNT + 1, 320, source_id="ch_1")])
    refused = finance.call(
        "POST",
        "/finance/stripe-imports",
        data={"file": (io.BytesIO(data), "balance.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "limit" not in refused.get_json()["errors"] and refused.get_json()["limit"] == MAX_AMOUNT


def _leg(side, account, amount=100):
    return {"side": side, "account": account, "amount_minor": amount, "currency": "CNY"}


CORRECTIONS = {
    "an account the chart does not have": (
        [_leg("debit", "assets:nonexistent:xyz"), _leg("credit", "revenue:platform_fees")],
        "legs.0.account",
    ),
    "a payable of no organisation": (
        [_leg("debit", "liabilities:provider_payable:org:999999"), _leg("credit", "assets:bank")],
        "legs.0.account",
    ),
    "debit and credit on one account": (
        [_leg("debit", "assets:bank"), _leg("credit", "assets:bank")],
        "legs.1.account",
    ),
    "more than the ledger's largest amount": (
        [_leg("debit", "expenses:bank_charges", 10**15)] * 10
        + [_leg("credit", "assets:bank", 10**15)] * 10,
        "legs.1.amount_minor",
    ),
}


@pytest.mark.parametrize("case", sorted(CORRECTIONS))
def test_a_correction_names_real_accounts_and_bounded_amounts(db, finance, queue, case):
    legs, field = CORRECTIONS[case]
    refused = finance.call(
        "POST", "/finance/recon/corrections", json={"legs": legs, "reason": "probe"}
    )
    assert refused.status_code == 422 and field in refused.get_json()["errors"], refused.get_json()
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(Correction)) == 0


def test_a_correction_over_the_largest_amount_gives_the_limit_beside_its_errors(finance):
    legs, field = CORRECTIONS["more than the ledger's largest amount"]
    refused = finance.call(
        "POST", "/finance/recon/corrections", json={"legs": legs, "reason": "probe"}
    ).get_json()
    assert list(refused["errors"]) == [field] and refused["limit"] == MAX_AMOUNT


def test_a_correction_may_name_an_existing_providers_payable(finance, trade):
    legs = [
        _leg("debit", "expenses:bank_charges"),
        _leg("credit", f"liabilities:provider_payable:org:{trade.provider.id}"),
    ]
    proposed = finance.call(
        "POST", "/finance/recon/corrections", json={"legs": legs, "reason": "补付"}
    )
    assert proposed.status_code == 201, proposed.get_json()


def test_a_receipt_in_another_currency_is_held_as_a_currency_mismatch(db, trade):
    placed = trade.order()
    payment = payments.record_bank_receipt(
        db, trade.finance,
        {"reference": placed.reference, "amount_minor": 4_800_000, "currency": "USD",
         "bank_transaction_id": "USD-1", "value_date": today()},
        trade.settings, utcnow(),
    )  # fmt: skip
    db.commit()
    assert payment.status == "held"
    assert payment.note.startswith("currency mismatch: 4800000 USD"), payment.note


def test_a_correction_leg_without_a_currency_is_in_the_exchanges(finance, queue):
    legs = [
        {"side": "debit", "account": "expenses:bank_charges", "amount_minor": 500},
        {"side": "credit", "account": "assets:bank", "amount_minor": 500},
    ]
    proposed = finance.call(
        "POST",
        "/finance/recon/corrections",
        json={"exception_id": queue["L2"]["id"], "legs": legs, "reason": "手续费"},
    )
    assert proposed.status_code == 201, proposed.get_json()
    assert {leg["currency"] for leg in proposed.get_json()["legs"]} == {"CNY"}


@pytest.mark.parametrize("quoted", ["bank_reference", "order_reference"])
def test_rules_do_not_match_a_receipt_across_bank_accounts(app, db, finance, trade, quoted):
    """A receipt is booked on ``assets:bank``; a line of an account with its own ledger code
    is money on another account, so no rule takes it for the receipt."""
    order = trade.transfer("CMB-TXN-1", PRICE)
    db.commit()
    other = finance.call(
        "POST",
        "/finance/bank-accounts",
        json={"name": "招行", "bank_name": "招商银行", "account_number": "7559000000003333",
              "csv_layout": "icbc", "ledger_account": "assets:bank:cmbst3"},
    )  # fmt: skip
    assert other.status_code == 201, other.get_json()
    reference, remark = (
        ("CMB-TXN-1", "货款") if quoted == "bank_reference" else ("M9", f"货款 {order.reference}")
    )
    statement = finance.call(
        "POST",
        f"/finance/bank-accounts/{other.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv([BankRow(today(), PRICE, reference, "", "", remark)],
                                           0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert statement.status_code == 201, statement.get_json()
    run = finance.call("POST", "/finance/recon/runs")
    assert run.status_code == 201, run.get_json()
    assert not run.get_json()["matched"], run.get_json()
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    line = next(item for item in found if item["amount_minor"] == PRICE)
    assert line["kind"] == "other_account", line
    assert "assets:bank:cmbst3" in line["detail"] and line["candidates"] == []


def test_candidates_are_received_within_the_rules_window(app, db, finance, trade, queue):
    """A receipt of about the line's amount but a month older is not offered for it."""
    old = trade.order()
    old_receipt = payments.record_bank_receipt(
        db, trade.finance,
        {"reference": old.reference, "amount_minor": PRICE, "currency": "CNY",
         "bank_transaction_id": "OLD-1", "value_date": today() - timedelta(days=30)},
        trade.settings, utcnow(),
    )  # fmt: skip
    db.commit()
    account = next(
        a for a in finance.call("GET", "/finance/bank-accounts").get_json() if a["name"] == "工行"
    )
    statement = finance.call(
        "POST",
        f"/finance/bank-accounts/{account['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv([BankRow(today(), PRICE + 50, "L4", "", "", "货款")],
                                           PRICE - 100)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert statement.status_code == 201, statement.get_json()
    finance.call("POST", "/finance/recon/runs")
    found = finance.call("GET", "/finance/recon/exceptions").get_json()
    line = next(item for item in found if item["amount_minor"] == PRICE + 50)
    offered = {c["id"] for c in line["candidates"] if c["kind"] == "payment"}
    assert queue["payment_id"] in offered
    assert old_receipt.id not in offered


def test_approving_a_correction_asserts_the_balances_again(finance, queue):
    asserted = finance.call("POST", "/finance/recon/assertions", json={})
    assert asserted.status_code == 201, asserted.get_json()
    before = {row["day"]: row for row in asserted.get_json()}[today().isoformat()]
    legs = [
        {"side": "debit", "account": "expenses:bank_charges", "amount_minor": 500, "currency": "CNY"},
        {"side": "credit", "account": "assets:bank", "amount_minor": 500, "currency": "CNY"},
    ]  # fmt: skip
    proposed = finance.call(
        "POST", "/finance/recon/corrections",
        json={"exception_id": queue["L2"]["id"], "legs": legs, "reason": "银行手续费"},
    )  # fmt: skip
    approved = finance.call(
        "POST", f"/finance/recon/corrections/{proposed.get_json()['id']}/approve", 1
    )
    assert approved.status_code == 200, approved.get_json()
    rows = finance.call("GET", "/finance/recon/assertions").get_json()
    after = {row["day"]: row for row in rows}[today().isoformat()]
    assert after["open_count"] == before["open_count"] - 1, (before, after)
    trail = finance.call("GET", "/finance/recon/audit").get_json()
    assert trail[0]["action"] == "assert_balances"
    assert trail[0]["details"]["after"] == f"correction:{proposed.get_json()['id']}"


def _statement(finance, rows, number="4000021009200000001"):
    account = finance.call(
        "POST", "/finance/bank-accounts",
        json={"name": "工行", "bank_name": "中国工商银行", "account_number": number,
              "csv_layout": "icbc"},
    )  # fmt: skip
    assert account.status_code == 201, account.get_json()
    statement = finance.call(
        "POST", f"/finance/bank-accounts/{account.get_json()['id']}/statements",
        data={"file": (io.BytesIO(icbc_csv(rows, 0)), "icbc.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert statement.status_code == 201, statement.get_json()


def test_a_receipt_matched_by_a_rule_is_not_matched_again_by_hand(db, finance, trade):
    payment_id = trade.transfer("RULE-1", PRICE).payments[0].id
    db.commit()
    _statement(finance, [BankRow(today(), PRICE, "RULE-1", "买方", "", "货款"),
                         BankRow(today(), 100_000, "X2", "", "", "不明来款")])  # fmt: skip
    run = finance.call("POST", "/finance/recon/runs").get_json()
    assert (sum(run["matched"].values()), run["opened"]) == (1, 1), run
    (line,) = finance.call("GET", "/finance/recon/exceptions").get_json()
    refused = finance.call(
        "POST", f"/finance/recon/exceptions/{line['id']}/match",
        json={"kind": "payment", "target_id": payment_id, "accept_difference": True},
    )  # fmt: skip
    assert refused.status_code == 409, refused.get_json()
    errors = refused.get_json()["errors"]
    assert "already matched" in errors["target_id"][0]
    assert (errors["matched_reference"], errors["matched_rule"]) == (
        ["RULE-1"],
        ["bank_transaction"],
    )
    assert errors["matched_amount_minor"] == [PRICE]
    assert finance.call("GET", "/finance/recon/exceptions").get_json()[0]["status"] == "open"


def test_a_receipt_matched_by_hand_is_no_candidate_and_no_match_for_another_line(
    db, finance, trade
):
    payment_id = trade.transfer("TYPED-WRONG", PRICE).payments[0].id
    db.commit()
    _statement(finance, [BankRow(today(), PRICE - 50, "A1", "买方", "", "货款"),
                         BankRow(today(), PRICE - 60, "B1", "买方", "", "货款")])  # fmt: skip
    finance.call("POST", "/finance/recon/runs")
    found = {item["amount_minor"]: item for item in
             finance.call("GET", "/finance/recon/exceptions").get_json()}  # fmt: skip
    first, second = found[PRICE - 50], found[PRICE - 60]
    assert {c["id"] for c in second["candidates"] if c["kind"] == "payment"} == {payment_id}
    done = finance.call(
        "POST", f"/finance/recon/exceptions/{first['id']}/match",
        json={"kind": "payment", "target_id": payment_id, "accept_difference": True},
    )  # fmt: skip
    assert done.status_code == 200, done.get_json()
    now = {item["id"]: item for item in finance.call("GET", "/finance/recon/exceptions").get_json()}
    assert [c for c in now[second["id"]]["candidates"] if c["kind"] == "payment"] == []
    refused = finance.call(
        "POST", f"/finance/recon/exceptions/{second['id']}/match",
        json={"kind": "payment", "target_id": payment_id, "accept_difference": True},
    )  # fmt: skip
    assert refused.status_code == 409, refused.get_json()
    errors = refused.get_json()["errors"]
    assert (errors["matched_reference"], errors["matched_rule"]) == (["A1"], ["manual"])
    finance.call("POST", "/finance/recon/runs")
    again = {
        item["id"]: item for item in finance.call("GET", "/finance/recon/exceptions").get_json()
    }
    assert [c for c in again[second["id"]]["candidates"] if c["kind"] == "payment"] == []


def test_a_correction_for_an_unknown_or_resolved_exception_names_exception_id(finance, queue):
    legs = [_leg("debit", "expenses:bank_charges"), _leg("credit", "assets:bank")]
    unknown = finance.call(
        "POST", "/finance/recon/corrections",
        json={"exception_id": 99999, "legs": legs, "reason": "银行手续费"},
    )  # fmt: skip
    assert unknown.status_code == 404 and list(unknown.get_json()["errors"]) == ["exception_id"]
    finance.call(
        "POST", f"/finance/recon/exceptions/{queue['L3']['id']}/mark", json={"reason": "利息"}
    )
    resolved = finance.call(
        "POST", "/finance/recon/corrections",
        json={"exception_id": queue["L3"]["id"], "legs": legs, "reason": "银行手续费"},
    )  # fmt: skip
    assert resolved.status_code == 409, resolved.get_json()
    assert resolved.get_json()["errors"]["state"] == ["resolved"]
    assert "exception_id" in resolved.get_json()["errors"]


def test_a_correction_for_a_statement_line_takes_effect_on_the_line_s_day(app, finance):
    from datetime import timedelta

    from ledger.models import entries
    from market.finance.payouts import value_moment

    day = today() - timedelta(days=5)
    _statement(finance, [BankRow(day, -500, "C1", "", "", "手续费")])
    finance.call("POST", "/finance/recon/runs")
    (line,) = finance.call("GET", "/finance/recon/exceptions").get_json()
    legs = [_leg("debit", "expenses:bank_charges", 500), _leg("credit", "assets:bank", 500)]
    proposed = finance.call(
        "POST", "/finance/recon/corrections",
        json={"exception_id": line["id"], "legs": legs, "reason": "银行手续费"},
    )  # fmt: skip
    approved = finance.call(
        "POST", f"/finance/recon/corrections/{proposed.get_json()['id']}/approve", 1
    )
    assert approved.status_code == 200, approved.get_json()
    with app.extensions["db"].unit_of_work() as session:
        effective = session.scalar(
            sa.select(entries.c.effective_at).where(entries.c.id == approved.get_json()["entry_id"])
        )
    assert effective == value_moment(day)
