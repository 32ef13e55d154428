"""Provider statements, escrow ageing, revenue and volume, their charts on the console, and
reports built in the background by the worker."""

from __future__ import annotations

import csv
import io

import openpyxl
import sqlalchemy as sa

from ledger.currencies import format_amount, to_major
from market import worker
from market.db import utcnow
from market.finance import reports
from market.finance.models import ReportBuild
from market.identity.models import StaffRole
from market.trading import books, settlement
from market.trading.states import Actor
from tests import factories
from tests.listings.factories import PRICE
from tests.web import WebClient


def trade_some(db, trade):
    """A settled order (bank transfer), a card order in escrow, and one more transfer held."""
    settled = trade.transfer("ICBC0009")
    settlement.accept(db, settled, utcnow(), Actor.BUYER, trade.buyer_user)
    settlement.settle(db, settled.id, utcnow())
    held = trade.card("ch_H")
    db.commit()
    return settled, held


def test_revenue_is_the_fee_net_of_vat_by_month_and_category(app, db, trade):
    settled, _held = trade_some(db, trade)
    db.refresh(settled)
    [row] = list(reports.revenue(db).rows)
    month, category, currency, net, vat, fee, *in_yuan = row
    assert in_yuan == [to_major(net, "CNY"), to_major(vat, "CNY"), to_major(fee, "CNY")]
    assert (category, currency) == (str(settled.category), "CNY")
    assert fee == settled.fee_minor and vat == settled.vat_minor and net == fee - vat > 0
    assert net == books.balance(db, "revenue:platform_fees", "CNY")


def test_volume_counts_the_money_paid_in(app, db, trade):
    trade_some(db, trade)
    [row] = list(reports.volume(db).rows)
    assert row[2:] == ["CNY", 2, 2 * PRICE, to_major(2 * PRICE, "CNY")]


def test_escrow_ageing_lists_what_is_still_held(app, db, trade):
    _settled, held = trade_some(db, trade)
    rows = list(reports.escrow_ageing(db).rows)
    assert rows == [
        [held.id, held.reference, "delivered", "CNY", PRICE, rows[0][5], 0, "0-7",
         to_major(PRICE, "CNY")],
        ["total", "", "", "CNY", PRICE, "", "", "0-7", to_major(PRICE, "CNY")],
    ]  # fmt: skip
    assert rows[0][5].endswith("+08:00") and "." not in rows[0][5]  # the exchange's zone


def test_the_provider_statement_runs_from_opening_to_closing(app, db, trade, finance):
    trade_some(db, trade)
    owed = books.payables(db, "CNY")[trade.provider.id]
    db.commit()
    response = finance.call(
        "GET", f"/finance/reports/provider_statement?organisation_id={trade.provider.id}"
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    response.close()
    assert response.headers["Content-Disposition"].endswith(
        f"filename=provider_statement-org{trade.provider.id}.csv"
    )
    dated = finance.call(
        "GET", f"/finance/reports/provider_statement?organisation_id={trade.provider.id}"
        "&start=2026-11-01&end=2026-11-30",
    )  # fmt: skip
    dated.close()
    assert dated.headers["Content-Disposition"].endswith(
        f"filename=provider_statement-org{trade.provider.id}-20261101-20261130.csv"
    )
    assert [row["description"] for row in rows][::2] == ["opening", "closing"]
    assert rows[1]["description"].endswith("settled")
    assert int(rows[-1]["balance_minor"]) == owed
    assert rows[1]["effective_at"].endswith("+08:00")  # the exchange's zone, to the second
    assert rows[1]["credit"] == format_amount(int(rows[1]["credit_minor"]), "CNY")
    ledger_rows = finance.call("GET", "/finance/reports/general_ledger")
    posted = list(csv.DictReader(io.StringIO(ledger_rows.get_data().decode("utf-8-sig"))))
    ledger_rows.close()
    assert posted and all(row["effective_at"].endswith("+08:00") for row in posted)
    assert {"debit", "credit", "debit_minor", "credit_minor"} <= set(posted[0])
    missing = finance.call("GET", "/finance/reports/provider_statement")
    assert missing.status_code == 422 and "organisation_id" in missing.json["errors"]


def test_a_large_report_is_built_by_the_worker_and_fetched_when_ready(app, db, trade, finance):
    trade_some(db, trade)
    queued = finance.call("POST", "/finance/reports/general_ledger/builds",
                          json={"format": "xlsx"})  # fmt: skip
    assert queued.status_code == 202, queued.json
    build_id = queued.json["id"]
    assert queued.json["status"] == "queued"
    early = finance.call("GET", f"/finance/report-builds/{build_id}/file")
    assert early.status_code == 409
    while worker.run_once(app):
        pass
    done = finance.call("GET", f"/finance/report-builds/{build_id}")
    assert done.json["status"] == "done" and done.json["rows"] > 0
    fetched = finance.call("GET", f"/finance/report-builds/{build_id}/file")
    assert fetched.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(fetched.get_data())).active
    fetched.close()
    assert len(list(sheet.iter_rows())) == done.json["rows"] + 1
    refused = finance.call("POST", "/finance/reports/provider_statement/builds", json={})
    assert refused.status_code == 422 and "organisation_id" in refused.json["errors"]
    assert finance.call("GET", "/finance/report-builds/999999").status_code == 404


def test_the_console_charts_revenue_and_volume_and_queues_builds(app, db, trade):
    trade_some(db, trade)
    user = factories.user(db, staff=(StaffRole.FINANCE,))
    db.commit()
    web = WebClient(app)
    web.log_in(user.email, factories.PASSWORD)
    page = web.get("/finance/reports").get_data(as_text=True)
    assert page.count("<svg") == 2 and "平台收入（不含增值税）" in page
    assert "0-7" in page  # the held card payment
    queued = web.submit("/finance/reports/builds", {"name": "volume", "format": "csv"},
                        page="/finance/reports")  # fmt: skip
    assert queued.status_code == 302
    while worker.run_once(app):
        pass
    with app.extensions["db"].unit_of_work() as session:
        build = session.scalar(sa.select(ReportBuild))
        assert (build.status, build.rows) == ("done", 1)
    fetched = web.get(f"/finance/reports/builds/{build.id}/file")
    body = fetched.get_data().decode("utf-8")
    fetched.close()  # a file response: the stored file is closed with it
    assert body.splitlines()[0] == "\ufeffmonth,category,currency,payments,amount_minor,amount"
    bad = web.get("/finance/reports/provider_statement/download")
    assert bad.status_code == 302


def test_a_provider_downloads_its_own_statement_and_no_one_elses(app, db, trade):
    trade_some(db, trade)
    owed = books.payables(db, "CNY")[trade.provider.id]
    db.commit()
    web = WebClient(app)
    web.log_in(trade.provider_user.email, factories.PASSWORD)
    assert "/finance/provider-statement" in web.get("/provider/dashboard").get_data(as_text=True)
    mine = web.get(f"/finance/provider-statement?organisation_id={trade.provider.id}")
    assert mine.status_code == 200
    assert mine.get_data().decode("utf-8-sig").startswith("生效时间,币种,")  # the reader's words
    mine.close()
    mine = web.get(f"/finance/provider-statement?organisation_id={trade.provider.id}&header=codes")
    rows = list(csv.DictReader(io.StringIO(mine.get_data().decode("utf-8-sig"))))
    mine.close()
    assert int(rows[-1]["balance_minor"]) == owed
    assert rows[1]["effective_at"].endswith("+08:00")  # the exchange's zone, to the second
    assert rows[1]["credit"] == format_amount(int(rows[1]["credit_minor"]), "CNY")
    other = web.get(f"/finance/provider-statement?organisation_id={trade.buyer.id}")
    assert other.status_code == 403
    bad = web.get("/finance/provider-statement?format=pdf")
    assert bad.status_code == 422


def test_text_that_looks_like_a_formula_stays_text_in_xlsx(tmp_path):
    path = tmp_path / "report.xlsx"
    rows = iter([['=HYPERLINK("http://evil.example","x")', "https://example.cn", 5]])
    reports.write_xlsx(reports.Report("t", ("description", "link", "n"), rows), str(path))
    sheet = openpyxl.load_workbook(path).active
    cells = [cell for cell in next(sheet.iter_rows(min_row=2))]
    assert [cell.data_type for cell in cells] == ["s", "s", "n"]
    assert cells[0].value.startswith("=HYPERLINK") and sheet._hyperlinks == []


def test_a_report_names_what_does_not_fit_its_organisation(app, db, trade, finance):
    unknown = finance.call("GET", "/finance/reports/provider_statement?organisation_id=99999")
    assert unknown.status_code == 404
    assert list(unknown.json["errors"]) == ["organisation_id"]
    build = finance.call(
        "POST", "/finance/reports/provider_statement/builds", json={"organisation_id": 99999}
    )
    assert build.status_code == 404 and list(build.json["errors"]) == ["organisation_id"]
    whole = finance.call(
        "GET", f"/finance/reports/trial_balance?organisation_id={trade.provider.id}"
    )
    assert whole.status_code == 422 and list(whole.json["errors"]) == ["organisation_id"]


def test_an_end_before_the_start_is_refused_on_every_range(app, db, trade, finance):
    reversed_range = "start=2026-12-01T00:00:00Z&end=2026-11-01T00:00:00Z"
    for path in (
        f"/finance/reports/volume?{reversed_range}",
        f"/ledger/statement?account=assets:bank&currency=CNY&{reversed_range}",
        f"/ledger/journal?{reversed_range}",
        "/finance/recon/assertions?start=2026-12-01&end=2026-11-01",
    ):
        refused = finance.call("GET", path)
        assert refused.status_code == 422, (path, refused.json)
        assert list(refused.json["errors"]) == ["end"], path
    unknown = finance.call("GET", "/ledger/statement?account=assets:bank&currency=XXX")
    assert unknown.status_code == 404 and list(unknown.json["errors"]) == ["account"]


def test_a_build_not_ready_names_its_state(app, db, trade, finance):
    queued = finance.call("POST", "/finance/reports/volume/builds", json={"format": "csv"})
    early = finance.call("GET", f"/finance/report-builds/{queued.json['id']}/file")
    assert early.status_code == 409 and early.json["errors"] == {"state": ["queued"]}


def test_a_build_takes_plain_days_and_times_in_the_exchange_s_zone(app, db, finance):
    queued = finance.call("POST", "/finance/reports/general_ledger/builds",
                          json={"start": "2026-11-01 09:30", "end": "2026-11-30"})  # fmt: skip
    assert queued.status_code == 202, queued.json
    assert (queued.json["params"]["start"], queued.json["params"]["end"]) == (
        "2026-11-01T09:30:00+08:00", "2026-12-01T00:00:00+08:00",
    )  # fmt: skip
    refused = finance.call("POST", "/finance/reports/general_ledger/builds",
                           json={"start": "2026-11-01 25:00"})  # fmt: skip
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["start"]
