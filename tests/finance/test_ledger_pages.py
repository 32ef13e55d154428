"""Finance pages are for finance staff only."""

from market.identity.models import StaffRole
from tests import factories


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


def test_others_are_refused(client, db):
    factories.user(db, "reviewer@exchange.cn", staff=(StaffRole.REVIEWER,))
    db.commit()
    client.log_in("reviewer@exchange.cn")
    assert client.get("/finance/ledger").status_code == 403


def test_period_close_through_the_page(client, db):
    factories.user(db, "finance@exchange.cn", staff=(StaffRole.FINANCE,))
    db.commit()
    client.log_in("finance@exchange.cn")
    form = {
        "name": "2021-01",
        "starts_at": "2021-01-01T00:00:00+08:00",
        "ends_at": "2021-02-01T00:00:00+08:00",
    }
    assert client.submit("/finance/periods", form, page="/finance/periods").status_code == 302
    closed = client.submit("/finance/periods/2021-01/close", {}, page="/finance/periods")
    assert closed.status_code == 302
    assert "2021-01" in client.get("/finance/periods").get_data(as_text=True)


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
