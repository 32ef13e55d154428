"""Finance pages are for finance staff only."""

import re
from datetime import UTC, datetime, timedelta

import ledger
from market.db import utcnow
from market.finance import exceptions
from market.identity.models import StaffRole
from tests import factories
from tests.web import WebClient


def test_finance_staff_see_the_chart_and_trial_balance(client, db, books):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    chart = client.get("/finance/ledger").get_data(as_text=True)
    assert "liabilities:provider_payable:org:7" in chart
    assert "95.00" in chart
    trial = client.get("/finance/ledger/trial-balance")
    assert trial.status_code == 200
    statement = client.get("/finance/ledger/statement?account=revenue:platform_fees&currency=CNY")
    assert "5.00" in statement.get_data(as_text=True)


def test_the_chart_names_each_account_in_the_readers_language(client, db, books):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    chart = client.get("/finance/ledger").get_data(as_text=True)
    assert "应付提供方款项（机构 7）" in chart and "平台服务费收入" in chart
    assert "<code>liabilities:provider_payable:org:7</code>" in chart  # the code stays beside
    english = client.get("/finance/ledger", headers={"Accept-Language": "en"})
    assert "Payable to providers, organisation 7" in english.get_data(as_text=True)
    for path in (
        "/finance/ledger/trial-balance",
        "/finance/ledger/statement?account=revenue:platform_fees&currency=CNY",
    ):
        assert "平台服务费收入" in client.get(path).get_data(as_text=True), path


def test_others_are_refused(client, db):
    factories.user(db, "reviewer@exchange.cn", staff=(StaffRole.REVIEWER,))
    db.commit()
    client.log_in("reviewer@exchange.cn")
    assert client.get("/finance/ledger").status_code == 403


def test_period_close_through_the_page_takes_two_finance_users(app, client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {
        "name": "2021-01",
        "starts_at": "2021-01-01T00:00:00+08:00",
        "ends_at": "2021-02-01T00:00:00+08:00",
    }
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    requested = client.submit("/finance/periods/2021-01/close-request", {}, page="/finance/periods")
    assert requested.status_code == 302
    alone = client.submit("/finance/periods/2021-01/close", {}, page="/finance/periods")
    assert alone.status_code == 409
    factories.user(db, "second@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    second = WebClient(app)
    second.log_in("second@exchange.cn")
    page = second.get("/finance/periods").get_data(as_text=True)
    assert '/finance/periods/2021-01/close"' in page
    closed = second.submit("/finance/periods/2021-01/close", {}, page="/finance/periods")
    assert closed.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert [p.status for p in ledger.list_periods(session)] == ["closed"]


def test_a_running_period_offers_no_close_and_refuses_one(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    now = datetime.now(UTC)
    form = {
        "name": "current",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    assert "close-request" not in client.get("/finance/periods").get_data(as_text=True)
    refused = client.submit("/finance/periods/current/close-request", {}, page="/finance/periods")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "会计期间 current 尚未结束" in page and "has not ended" not in page


def test_period_with_bad_dates_names_the_field(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    response = client.submit(
        "/finance/periods",
        {"name": "x", "starts_at": "yesterday", "ends_at": "today"},
        page="/finance/periods",
    )
    assert response.status_code == 422
    assert 'id="starts_at-error"' in response.get_data(as_text=True)


def test_the_page_shows_the_close_checklist_and_takes_a_reason_to_override(app, client, db):
    first = factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    factories.user(db, "second@exchange.cn", staff=(StaffRole.FINANCE,))
    legs = [
        {"side": "debit", "account": "expenses:bank_charges", "amount_minor": 100,
         "currency": "CNY"},
        {"side": "credit", "account": "assets:bank", "amount_minor": 100, "currency": "CNY"},
    ]  # fmt: skip
    exceptions.propose_correction(db, None, legs, "银行手续费", first, utcnow())
    ledger.create_period(
        db, "2021-01", datetime.fromisoformat("2021-01-01T00:00:00+08:00"),
        datetime.fromisoformat("2021-02-01T00:00:00+08:00"),
    )  # fmt: skip
    ledger.request_close(db, "2021-01", requested_by="finance@exchange.cn")
    db.commit()
    second = WebClient(app)
    second.log_in("second@exchange.cn")
    page = second.get("/finance/periods").get_data(as_text=True)
    assert "2021-01 结账检查" in page and "没有待批准的更正分录" in page
    assert 'class="check-failing"' in page and 'name="override_reason"' in page
    refused = second.submit("/finance/periods/2021-01/close", {}, page="/finance/periods")
    assert refused.status_code == 409
    assert "没有待批准的更正分录" in refused.get_data(as_text=True)
    closed = second.submit(
        "/finance/periods/2021-01/close", {"override_reason": "更正分录属于下一期间"},
        page="/finance/periods",
    )  # fmt: skip
    assert closed.status_code == 302
    with app.extensions["db"].unit_of_work() as session:
        assert [p.status for p in ledger.list_periods(session)] == ["closed"]


def test_a_period_ending_before_it_starts_is_refused_in_chinese(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {
        "name": "2026-11",
        "starts_at": "2026-12-01T00:00:00+08:00",
        "ends_at": "2026-11-01T00:00:00+08:00",
    }
    response = client.submit("/finance/periods", form, page="/finance/periods")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="ends_at-error"' in html
    assert "期间的结束时间必须晚于开始时间。" in html and "must end after" not in html


def test_a_period_is_opened_with_plain_dates_and_the_next_month_is_offered(app, client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-11", "starts_at": "2026-11-01", "ends_at": "2026-11-30"}
    opened = client.submit("/finance/periods", form, page="/finance/periods")
    assert opened.status_code == 302, opened.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        (period,) = ledger.list_periods(session)
    # Midnight China Standard Time of the first day, up to the midnight after the last day.
    assert period.starts_at == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert period.ends_at == datetime(2026, 11, 30, 16, tzinfo=UTC)
    page = client.get("/finance/periods").get_data(as_text=True)
    assert 'value="2026-12"' in page
    assert 'value="2026-12-01"' in page and 'value="2026-12-31"' in page


def test_the_rest_of_a_month_is_offered_under_a_name_the_form_takes(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-11上", "starts_at": "2026-11-01", "ends_at": "2026-11-15"}
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    page = client.get("/finance/periods").get_data(as_text=True)
    assert 'value="2026-11-16--2026-11-30"' in page
    offered = {"name": "2026-11-16--2026-11-30", "starts_at": "2026-11-16", "ends_at": "2026-11-30"}
    assert client.submit("/finance/periods", offered, page="/finance/periods").status_code == 302
    assert "2026-11-16--2026-11-30" in client.get("/finance/periods").get_data(as_text=True)


def test_a_periods_from_column_is_not_a_starting_price(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    page = client.get("/finance/periods").get_data(as_text=True)
    assert "<th>起始</th>" in page and "起价" not in page


def test_the_chart_names_its_currency_and_sides_in_the_readers_language(client, db, books):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    chinese = client.get("/finance/ledger").get_data(as_text=True)
    assert "<td>人民币</td>" in chinese and "<td>CNY</td>" not in chinese
    english = client.get("/finance/ledger", headers={"Accept-Language": "en"})
    english = english.get_data(as_text=True)
    assert "<td>Credit</td>" in english and "<td>credit</td>" not in english
    trial = client.get("/finance/ledger/trial-balance").get_data(as_text=True)
    assert "<td>CNY</td>" not in trial


def test_periods_read_open_with_a_capital_in_english(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-11", "starts_at": "2026-11-01", "ends_at": "2026-11-30"}
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    page = client.get("/finance/periods", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<td>Open" in page and "<td>open" not in page


def test_the_journal_csv_speaks_in_the_exchanges_zone(client, db, books):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    body = client.get("/finance/ledger/journal?format=csv").get_data(as_text=True)
    rows = body.splitlines()[1:]
    assert rows and all("+08:00" in row and "+00:00" not in row for row in rows)
    # Titled in the reader's words; the codes on request, for machines.
    assert body.splitlines()[0].startswith("分录,幂等键,生效时间,记录时间,描述")
    english = client.get("/finance/ledger/journal?format=csv", headers={"Accept-Language": "en"})
    assert english.get_data(as_text=True).startswith("Entry,Key,Effective at,")
    codes = client.get("/finance/ledger/journal?format=csv&header=codes").get_data(as_text=True)
    assert codes.startswith("entry_id,idempotency_key,effective_at,")


def test_after_a_part_month_the_offer_is_named_by_its_days(app, client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-11上", "starts_at": "2026-11-01", "ends_at": "2026-11-29"}
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    page = client.get("/finance/periods").get_data(as_text=True)
    assert 'value="2026-11-30--2026-11-30"' in page and 'value="2026-11"' not in page
    assert 'value="2026-11-30"' in page


def test_who_requested_and_closed_a_period_is_shown_by_name(app, client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,), name="王芳")
    factories.user(db, "second@exchange.cn", staff=(StaffRole.FINANCE,), name="李强")
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2021-01", "starts_at": "2021-01-01", "ends_at": "2021-01-31"}
    client.submit("/finance/periods", form, page="/finance/periods")
    client.submit("/finance/periods/2021-01/close-request", {}, page="/finance/periods")
    page = client.get("/finance/periods").get_data(as_text=True)
    assert "王芳" in page and "finance@exchange.cn 申请" not in page
    second = WebClient(app)
    second.log_in("second@exchange.cn")
    second.submit("/finance/periods/2021-01/close", {}, page="/finance/periods")
    page = second.get("/finance/periods").get_data(as_text=True)
    assert "李强" in page and "second@exchange.cn" not in page.split("<main", 1)[1]


def test_the_period_name_hint_does_not_name_another_month(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    page = client.get("/finance/periods").get_data(as_text=True)
    hint = re.search(r'<div class="muted" id="name-hint">([^<]*)</div>', page)
    assert hint is not None, page
    assert re.search(r"\d{4}-\d{2}", hint.group(1)) is None, hint.group(1)


def test_the_periods_page_speaks_the_reader_s_language(app, client, db):
    from market.db import utcnow
    from market.finance import bank, closing
    from tests.finance.conftest import today
    from tests.finance.generated import BankRow, icbc_csv

    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    account = bank.create_account(
        db, {"name": "工行", "bank_name": "工行", "account_number": "400002100920",
             "currency": "CNY", "csv_layout": "icbc"},
    )  # fmt: skip
    rows = [BankRow(today() - timedelta(days=10), 100, "OLD1", "", "", "不明来款")]
    bank.import_statement(db, account.id, icbc_csv(rows, 0), "csv", None, utcnow())
    db.commit()
    client.log_in("finance@exchange.cn")
    now = datetime.now(UTC)
    form = {"name": "past", "starts_at": (now - timedelta(days=20)).isoformat(),
            "ends_at": (now - timedelta(days=5)).isoformat()}  # fmt: skip
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    days = closing.Limits.from_config(app.config).open_item_days
    page = client.get("/finance/periods").get_data(as_text=True)
    assert f"1 行明细超过 {days} 天未勾对" in page and "lines open more" not in page
    english = client.get("/finance/periods", headers={"Accept-Language": "en"})
    assert f"1 line open more than {days} days" in english.get_data(as_text=True)
    overlapping = {**form, "name": "past-b"}
    refused = client.submit("/finance/periods", overlapping, page="/finance/periods")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "与会计期间 past 重叠" in html
    assert "overlaps period" not in html


def test_a_period_is_listed_by_the_last_day_entered_not_its_exclusive_end(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-12", "starts_at": "2026-12-01", "ends_at": "2026-12-31"}
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    for language, header in (("zh", "<th>最后一天</th>"), ("en", "<th>Last day</th>")):
        page = client.get("/finance/periods", headers={"Accept-Language": language})
        row = page.get_data(as_text=True).split("<td>2026-12</td>", 1)[1].split("</tr>", 1)[0]
        assert header in page.get_data(as_text=True)
        assert "<td>2026-12-01</td><td>2026-12-31</td>" in row, row
        assert "2027-01-01" not in row


def test_a_period_ending_inside_a_day_says_the_end_is_not_included(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "half", "starts_at": "2026-12-01", "ends_at": "2026-12-15T12:00:00+08:00"}
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    english = client.get("/finance/periods", headers={"Accept-Language": "en"})
    assert "before 2026-12-15 12:00" in english.get_data(as_text=True)


def test_an_ended_period_links_to_its_close_checklist(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    for name, first, last in (("2021 一月", "2021-01-01", "2021-01-31"),
                              ("future", "2099-01-01", "2099-01-31")):  # fmt: skip
        form = {"name": name, "starts_at": first, "ends_at": last}
        assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    page = client.get("/finance/periods").get_data(as_text=True)
    link = re.search(r'<a href="#([^"]+)">结账检查</a>', page)
    assert link is not None, page
    assert f'id="{link.group(1)}"' in page and "2021 一月" in page.split(f'id="{link.group(1)}"')[1]
    # Nothing to check before a period has ended.
    assert page.count("结账检查</a>") == 1


def test_an_empty_period_form_is_told_only_that_each_field_is_required(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    empty = {"name": "", "starts_at": "", "ends_at": ""}
    response = client.submit("/finance/periods", empty, page="/finance/periods")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("name", "starts_at", "ends_at"):
        error = re.search(rf'id="{field}-error"[^>]*>(.*?)</', html, re.S)
        assert error is not None and "必填" in error.group(1), field
    assert "斜杠" not in html and "T09:00:00" not in html.split('id="starts_at-error"')[1][:300]


def test_a_period_date_typed_wrong_is_told_a_plain_date_works(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {"name": "2026-11", "starts_at": "30/11/2026", "ends_at": "2026-11-30"}
    response = client.submit(
        "/finance/periods", form, page="/finance/periods", headers={"Accept-Language": "en"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "write a day like 2026-11-30, or a time with its zone" in html
