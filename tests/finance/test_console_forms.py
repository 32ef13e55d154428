"""A refused finance form re-renders with each field's message and what was typed, in the page's
language, and changes nothing; it is never a flash above an emptied page."""

from __future__ import annotations

import sqlalchemy as sa

from market.db import utcnow
from market.finance import bank, inputs, matching, payouts
from market.finance.models import PayeeAccount, ReconException
from market.identity.models import StaffRole
from market.trading.models import Payout, PayoutStatus
from tests import factories
from tests.finance.conftest import today
from tests.finance.factories import payee_account
from tests.finance.generated import BankRow, icbc_csv
from tests.finance.test_payouts import provider_owed
from tests.web import WebClient


def _web(app, user, language="zh-CN"):
    client = WebClient(app)
    client.raw.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    client.log_in(user.email, factories.PASSWORD)
    return client


def _submitted_payout(db):
    """A payout sent to the bank, waiting for the statement: ``(finance user, payout id)``."""
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    provider = provider_owed(db)
    payee_account(db, provider)
    batch = payouts.build_batch(db, finance, "CNY", utcnow())
    payouts.submit_batch(db, batch.id, finance, utcnow())
    db.commit()
    return finance, batch.payouts[0].id


def test_a_payout_paid_without_a_date_keeps_the_reference_and_names_the_date(app, db):
    finance, payout_id = _submitted_payout(db)
    web = _web(app, finance)
    refused = web.submit(
        f"/finance/payouts/{payout_id}/paid",
        {"value_date": "31/02/2026", "bank_reference": "CMB-778899"}, page="/finance/payouts",
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="value-date-{payout_id}-error"' in html and "日期无效" in html
    assert 'value="CMB-778899"' in html
    assert f'aria-describedby="value-date-{payout_id}-error"' in html
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(Payout, payout_id).status == PayoutStatus.SUBMITTED


def test_a_payout_returned_without_a_reason_says_so_in_english(app, db):
    finance, payout_id = _submitted_payout(db)
    web = _web(app, finance, "en-GB")
    refused = web.submit(
        f"/finance/payouts/{payout_id}/returned", {"reason": "", "value_date": "2026-03-02"},
        page="/finance/payouts",
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="reason-{payout_id}-error"' in html and "required" in html.lower()
    assert 'value="2026-03-02"' in html


def test_a_payout_the_service_refuses_shows_why_above_its_form(app, db):
    finance, payout_id = _submitted_payout(db)
    web = _web(app, finance, "en-GB")
    form = {"value_date": inputs.today().isoformat(), "bank_reference": "CMB-1"}
    assert (
        web.submit(f"/finance/payouts/{payout_id}/paid", form, page="/finance/payouts").status_code
        == 302
    )
    again = web.submit(
        f"/finance/payouts/{payout_id}/returned", {"reason": "账户已销户"}, page="/finance/payouts"
    )
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert 'data-testid="form-error"' in html and "current status" in html


def test_refusing_a_payee_without_a_reason_re_renders_that_row(app, db):
    first = factories.user(db, staff=(StaffRole.FINANCE,))
    second = factories.user(db, staff=(StaffRole.FINANCE,))
    provider = factories.organisation(db)
    db.commit()
    entered = _web(app, first).submit(
        "/finance/payees",
        {"organisation_id": provider.id, "account_name": "深圳数据有限公司", "bank_name": "招商银行",
         "account_number": "755912345678901", "cnaps_code": "308584000013"},
    )  # fmt: skip
    assert entered.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        payee_id = session.scalar(sa.select(PayeeAccount.id))
    refused = _web(app, second).submit(
        f"/finance/payees/{payee_id}/reject", {"note": ""}, page="/finance/payees"
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="note-{payee_id}-error"' in html
    assert 'id="account_number-error"' not in html  # the entry form below stays as it was
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(PayeeAccount, payee_id).status == "pending"


def test_matching_an_exception_to_a_bad_id_keeps_the_choice(app, db):
    finance = factories.user(db, staff=(StaffRole.FINANCE,))
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    bank.import_statement(
        db, account.id, icbc_csv([BankRow(today(), 500, "L9", "", "", "利息")], 0), "csv", None,
        utcnow(),
    )  # fmt: skip
    matching.run(db, utcnow())
    exception_id = db.scalar(sa.select(ReconException.id))
    db.commit()
    web = _web(app, finance)
    refused = web.submit(
        f"/finance/reconciliation/{exception_id}/match",
        {"kind": "refund", "target_id": "abc", "note": "对方退款"}, page="/finance/reconciliation",
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="target-{exception_id}-error"' in html and "请输入整数" in html
    assert 'value="refund" selected' in html and 'value="对方退款"' in html
    with app.extensions["db"].unit_of_work() as session:
        assert session.get(ReconException, exception_id).status == "open"
