"""Payee accounts (entered by one finance user, confirmed by another, owners mailed) and payout
batches that move built → submitted → paid | returned through the ledger."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

import ledger
from ledger import credit, debit
from ledger.verify import verify
from market import worker
from market.finance import inputs
from tests import factories
from tests.web import WebClient

OWED = 123_456


@pytest.fixture(autouse=True)
def ledger_consistent(app):
    """After every test: every ledger invariant holds."""
    yield
    with app.extensions["db"].unit_of_work() as session:
        report = verify(session)
    assert report.ok, report.format()


def provider_owed(db, amount=OWED, **organisation):
    """A provider organisation owed ``amount`` (its settled sales, as the ledger has them)."""
    owner = factories.user(db)
    provider = factories.organisation(db, owner, **organisation)
    ledger.post(
        db,
        f"test:settled:{provider.id}",
        [
            debit("assets:stripe_clearing", amount, "CNY"),
            credit(f"liabilities:provider_payable:org:{provider.id}", amount, "CNY"),
        ],
    )
    db.commit()
    return provider


MAINLAND_ACCOUNT = {
    "account_name": "深圳测试数据有限公司",
    "bank_name": "招商银行",
    "branch_name": "深圳分行营业部",
    "account_number": "755912345678901",
    "cnaps_code": "308584000013",
}


def confirmed(finance, organisation_id, **data):
    """Enter (first user) and confirm (second user) a payee account; its JSON."""
    entered = finance.call(
        "POST",
        "/finance/payee-accounts",
        json={"organisation_id": organisation_id, **MAINLAND_ACCOUNT, **data},
    )
    assert entered.status_code == 201, entered.get_json()
    done = finance.call("POST", f"/finance/payee-accounts/{entered.get_json()['id']}/confirm", 1)
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def mails(app) -> list:
    """The mail the worker sent, as parsed messages."""
    while worker.run_once(app):
        pass
    folder = Path(app.config["INSTANCE_PATH"]) / "mail"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def test_a_payee_account_needs_a_second_finance_user_and_tells_the_owners(app, db, finance):
    provider = provider_owed(db)
    owner_email = provider.memberships[0].user.email
    entered = finance.call(
        "POST",
        "/finance/payee-accounts",
        json={"organisation_id": provider.id, **MAINLAND_ACCOUNT},
    )
    assert entered.status_code == 201 and entered.get_json()["status"] == "pending"
    payee_id = entered.get_json()["id"]
    own = finance.call("POST", f"/finance/payee-accounts/{payee_id}/confirm", 0)
    assert own.status_code == 409 and "decided_by" in own.get_json()["errors"]
    # Pending accounts pay nobody.
    refused = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"})
    assert refused.status_code == 409
    done = finance.call("POST", f"/finance/payee-accounts/{payee_id}/confirm", 1)
    assert done.get_json()["status"] == "active"
    sent = mails(app)
    assert [m["To"] for m in sent] == [owner_email, owner_email]
    body = sent[-1].get_body().get_content()
    assert "*" * 11 + "8901" in body and "755912345678901" not in body


@pytest.mark.parametrize(
    ("organisation", "data", "field"),
    [
        ({}, {"cnaps_code": None}, "cnaps_code"),
        ({}, {"cnaps_code": "30858400001"}, "cnaps_code"),
        (
            {},
            {
                "cnaps_code": "\uff13\uff10\uff18\uff15\uff18\uff14\uff10\uff10\uff10\uff10\uff11\uff13"
            },
            "cnaps_code",
        ),
        (
            {},
            {
                "cnaps_code": "\u0663\u0660\u0668\u0665\u0668\u0664\u0660\u0660\u0660\u0660\u0661\u0663"
            },
            "cnaps_code",
        ),
        (
            {"jurisdiction": "HK", "registration_number": "12345678"},
            {"cnaps_code": None},
            "swift_bic",
        ),
        ({}, {"iban": "GB82WEST12345698765433"}, "iban"),
        ({}, {"account_number": "12"}, "account_number"),
    ],
)
def test_payee_accounts_are_checked(db, finance, organisation, data, field):
    provider = provider_owed(db, **organisation)
    body = {"organisation_id": provider.id, **MAINLAND_ACCOUNT, **data}
    response = finance.call(
        "POST", "/finance/payee-accounts", json={k: v for k, v in body.items() if v is not None}
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_payee_outside_the_mainland_is_paid_by_swift(db, finance):
    provider = provider_owed(db, jurisdiction="HK", registration_number="12345678")
    payee = confirmed(
        finance, provider.id, cnaps_code=None, swift_bic="HSBCHKHHHKH",
        iban="GB82WEST12345698765432",
    )  # fmt: skip
    assert payee["swift_bic"] == "HSBCHKHHHKH" and payee["cnaps_code"] is None


def test_a_batch_lives_built_submitted_paid(app, db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    payable = f"liabilities:provider_payable:org:{provider.id}"
    built = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"})
    assert built.status_code == 201, built.get_json()
    batch = built.get_json()
    assert batch["status"] == "built"
    [payout] = batch["payouts"]
    assert (payout["amount_minor"], payout["status"]) == (OWED, "built")
    # Reserved, not paid: the payable still shows, but nothing else can take it.
    assert finance.balance(payable) == OWED and finance.balance(payable, available=True) == 0
    assert finance.balance("assets:bank") == 0

    file = finance.call("GET", f"/finance/payout-batches/{batch['id']}/bank-file")
    assert file.status_code == 200 and "gbk" in file.headers["Content-Type"]
    rows = list(csv.reader(io.StringIO(file.get_data().decode("gbk"))))
    assert rows[0][:3] == ["序号", "收款方账号", "收款方户名"]
    assert rows[1][1:7] == [
        "755912345678901", "深圳测试数据有限公司", "招商银行", "深圳分行营业部", "308584000013",
        "1234.56",
    ]  # fmt: skip
    assert rows[1][9] == payout["reference"]
    utf8 = finance.call("GET", f"/finance/payout-batches/{batch['id']}/bank-file?encoding=utf-8")
    assert "深圳测试数据有限公司" in utf8.get_data().decode("utf-8")

    submitted = finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    assert submitted.get_json()["status"] == "submitted"
    assert finance.balance(payable) == 0
    assert finance.balance("liabilities:payouts_in_transit") == OWED
    again = finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    assert again.status_code == 409

    today = inputs.today()
    paid = finance.call(
        "POST",
        f"/finance/payouts/{payout['id']}/paid",
        json={"value_date": str(today), "bank_reference": "CMB2026112000017"},
    )
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["value_date"] == str(today)
    assert finance.balance("liabilities:payouts_in_transit") == 0
    assert finance.balance("assets:bank") == -OWED
    with app.extensions["db"].unit_of_work() as session:
        entry = ledger.find_entry(session, f"payout:{payout['id']}:paid")
        # The bank's value date, in China Standard Time.
        assert entry.effective_at == datetime.combine(today, time(0), UTC) - timedelta(hours=8)
    closed = finance.call("GET", f"/finance/payout-batches/{batch['id']}").get_json()
    assert closed["status"] == "paid" and closed["closed_at"]


def test_a_returned_payout_is_owed_again_and_paid_by_a_later_batch(db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    payable = f"liabilities:provider_payable:org:{provider.id}"
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    payout_id = batch["payouts"][0]["id"]
    early = finance.call(
        "POST", f"/finance/payouts/{payout_id}/returned", json={"reason": "户名不符"}
    )
    assert early.status_code == 409  # not sent yet
    finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    returned = finance.call(
        "POST", f"/finance/payouts/{payout_id}/returned", json={"reason": "户名不符 name mismatch"}
    )
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["return_reason"] == "户名不符 name mismatch"
    assert finance.balance(payable) == OWED
    assert finance.balance("liabilities:payouts_in_transit") == 0
    assert finance.call("GET", f"/finance/payout-batches/{batch['id']}").get_json()["status"] == (
        "returned"
    )
    later = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"})
    assert later.get_json()["payouts"][0]["amount_minor"] == OWED


def test_cancelling_a_built_batch_frees_the_payables(db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    payable = f"liabilities:provider_payable:org:{provider.id}"
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    cancelled = finance.call("POST", f"/finance/payout-batches/{batch['id']}/cancel")
    assert cancelled.get_json()["status"] == "cancelled"
    assert finance.balance(payable, available=True) == OWED
    assert finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit").status_code == 409
    file = finance.call("GET", f"/finance/payout-batches/{batch['id']}/bank-file")
    assert file.status_code == 409


def test_finance_chooses_the_payees(db, finance):
    chosen, other, unpaid = provider_owed(db), provider_owed(db, 50_000), provider_owed(db, 7_000)
    confirmed(finance, chosen.id)
    confirmed(finance, other.id)
    batch = finance.call(
        "POST", "/finance/payout-batches", json={"currency": "CNY", "organisation_ids": [chosen.id]}
    ).get_json()
    assert [p["organisation_id"] for p in batch["payouts"]] == [chosen.id]
    # Everyone else with a confirmed account, by default; the one without is left out.
    rest = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    assert [p["organisation_id"] for p in rest["payouts"]] == [other.id]
    no_account = finance.call(
        "POST", "/finance/payout-batches", json={"currency": "CNY", "organisation_ids": [unpaid.id]}
    )
    assert no_account.status_code == 409
    assert no_account.get_json()["errors"]["organisations"] == [unpaid.id]
    owed_nothing = finance.call(
        "POST", "/finance/payout-batches", json={"currency": "CNY", "organisation_ids": [chosen.id]}
    )
    assert owed_nothing.status_code == 422


def test_a_payee_name_gbk_cannot_carry_asks_for_utf8(db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id, account_name="𠮷野家数据有限公司")
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    file = finance.call("GET", f"/finance/payout-batches/{batch['id']}/bank-file")
    assert file.status_code == 422 and "encoding" in file.get_json()["errors"]
    utf8 = finance.call("GET", f"/finance/payout-batches/{batch['id']}/bank-file?encoding=utf-8")
    assert "𠮷野家" in utf8.get_data().decode("utf-8")


def test_value_date_must_be_a_date(db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    bad = finance.call(
        "POST",
        f"/finance/payouts/{batch['payouts'][0]['id']}/paid",
        json={"value_date": "2026-13-01", "bank_reference": "x"},
    )
    assert bad.status_code == 422 and "value_date" in bad.get_json()["errors"]


def test_a_hong_kong_account_number_is_stored_without_its_hyphens(db, finance):
    provider = provider_owed(db, jurisdiction="HK", registration_number="12345678")
    payee = confirmed(
        finance, provider.id, cnaps_code=None, swift_bic="HSBCHKHHHKH",
        account_number="004-123-456789-001", iban="GB82 WEST 1234 5698 7654 32",
    )  # fmt: skip
    assert payee["account_number"] == "004123456789001"
    assert payee["iban"] == "GB82WEST12345698765432"


def test_a_value_date_lies_between_submission_and_today(db, finance):
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    finance.call("POST", f"/finance/payout-batches/{batch['id']}/submit")
    paid = f"/finance/payouts/{batch['payouts'][0]['id']}/paid"
    today = inputs.today()
    for day in ("1900-01-01", str(today - timedelta(days=1)), str(today + timedelta(days=1))):
        bad = finance.call("POST", paid, json={"value_date": day, "bank_reference": "X1"})
        assert bad.status_code == 422 and "value_date" in bad.get_json()["errors"], day
        returned = f"/finance/payouts/{batch['payouts'][0]['id']}/returned"
        bad = finance.call("POST", returned, json={"reason": "x", "value_date": day})
        assert bad.status_code == 422 and "value_date" in bad.get_json()["errors"], day
    assert finance.balance("assets:bank") == 0
    body = {"value_date": str(today), "bank_reference": "X1"}
    assert finance.call("POST", paid, json=body).status_code == 200
    assert finance.call("POST", paid, json=body).status_code == 200  # the same again: a replay
    other_day = finance.call("POST", paid, json={**body, "value_date": str(today - timedelta(1))})
    assert other_day.status_code == 409 and "value_date" in other_day.get_json()["errors"]
    assert finance.balance("assets:bank") == -OWED


def test_the_page_offers_a_batch_only_when_someone_can_be_paid_and_says_it_was_sent(
    app, db, finance
):
    web = WebClient(app)
    web.log_in(finance.first.email, factories.PASSWORD)
    assert "生成付款批次" not in web.get("/finance/payouts").get_data(as_text=True)
    provider = provider_owed(db)
    confirmed(finance, provider.id)
    assert "生成付款批次" in web.get("/finance/payouts").get_data(as_text=True)
    batch = finance.call("POST", "/finance/payout-batches", json={"currency": "CNY"}).get_json()
    sent = web.submit(f"/finance/payouts/batches/{batch['id']}/submit", {}, page="/finance/payouts")
    assert sent.status_code == 302
    assert "已提交银行" in web.get("/finance/payouts").get_data(as_text=True)


def test_an_unknown_currency_is_refused_by_the_rule_not_a_list_of_every_code(finance):
    refused = finance.app.test_client().post(
        "/api/v1/finance/payout-batches", json={"currency": "XYZ"},
        headers=finance.headers[0] | {"Accept-Language": "en"},
    )  # fmt: skip
    assert refused.status_code == 422
    (message,) = refused.get_json()["errors"]["currency"]
    assert message == "Not an ISO 4217 currency code with a minor unit, such as CNY, USD or JPY."
