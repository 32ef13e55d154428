"""The ledger through ``/api/v1/ledger`` for finance staff's clients."""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from market.identity.models import MemberRole, Membership, Organisation, StaffRole
from tests import factories


@pytest.fixture
def api(app, finance_token):
    """(client, headers) of a finance client."""
    return app.test_client(), {"Authorization": f"Bearer {finance_token}"}


def test_accounts_with_balances(api, books):
    client, headers = api
    body = client.get("/api/v1/ledger/accounts?prefix=liabilities", headers=headers).get_json()
    balances = {row["account"]: row["posted"] for row in body}
    assert balances == {
        "liabilities:escrow:order:1": 0,
        "liabilities:provider_payable:org:7": 9_500,
    }


def test_statement_has_a_running_balance(api, books):
    client, headers = api
    body = client.get(
        "/api/v1/ledger/statement?account=assets:stripe_clearing&currency=CNY", headers=headers
    ).get_json()
    assert [line["balance"] for line in body["lines"]] == [10_000, 9_680]
    assert body["closing"] == 9_680


def test_entry_detail(api, books):
    client, headers = api
    body = client.get("/api/v1/ledger/entries/2", headers=headers).get_json()
    assert body["key"] == "settle:1"
    assert sum(leg["amount"] for leg in body["postings"]) == 0


def test_unknown_entry_is_404(api, books):
    client, headers = api
    response = client.get("/api/v1/ledger/entries/999", headers=headers)
    assert response.status_code == 404
    assert set(response.get_json()) == {"code", "status", "message", "errors"}


def test_trial_balance_is_balanced(api, books):
    client, headers = api
    body = client.get("/api/v1/ledger/trial-balance", headers=headers).get_json()
    assert body["balanced"] is True
    assert body["totals"]["CNY"] == [10_000, 10_000]


@pytest.mark.parametrize(
    "query",
    [
        "trial-balance?as_of=0001-01-01T00:00:00%2B08:00",
        "trial-balance?as_of=9999-12-31T23:00:00-08:00",
        "statement?account=assets:bank&currency=CNY&start=0001-01-01T00:00:00%2B08:00",
        "statement?account=assets:bank&currency=CNY&end=2201-01-01T00:00:00Z",
    ],
)
def test_times_outside_the_years_of_the_exchange_are_refused(api, query):
    client, headers = api
    response = client.get(f"/api/v1/ledger/{query}", headers=headers)
    assert response.status_code == 422
    field = query.split("&")[-1].split("?")[-1].split("=")[0]
    assert response.get_json()["errors"][field] == ["Year out of range: from 1970 to 2200."]


def test_a_time_without_its_zone_is_refused_with_an_example(api):
    client, headers = api
    response = client.get("/api/v1/ledger/trial-balance?as_of=2026-11-30T09:00:00", headers=headers)
    assert "2026-11-30T09:00:00+08:00" in response.get_json()["errors"]["as_of"][0]


def test_journal_exports_as_csv_and_xlsx(api, books):
    client, headers = api
    text = client.get("/api/v1/ledger/journal?format=csv", headers=headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    workbook = client.get("/api/v1/ledger/journal?format=xlsx", headers=headers).get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).active
    assert len(list(sheet.iter_rows())) == 8
    # The journal is the whole exchange's: a filter it would not apply is refused, not ignored.
    narrowed = client.get("/api/v1/ledger/journal?organisation_id=2", headers=headers)
    assert narrowed.status_code == 422 and "organisation_id" in narrowed.get_json()["errors"]


def test_period_close_takes_a_second_finance_user(api, app, books, db):
    client, headers = api
    created = client.post(
        "/api/v1/ledger/periods",
        json={
            "name": "2020-01",
            "starts_at": "2020-01-01T00:00:00+08:00",
            "ends_at": "2020-02-01T00:00:00+08:00",
        },
        headers=headers,
    )
    assert created.status_code == 201
    requested = client.post("/api/v1/ledger/periods/2020-01/close-request", headers=headers)
    assert requested.get_json()["close_requested_by"] == "finance@exchange.cn"
    alone = client.post("/api/v1/ledger/periods/2020-01/close", headers=headers)
    assert alone.status_code == 409
    assert "closed_by" in alone.get_json()["errors"]
    second = _second_finance_client(app, db)
    closed = client.post("/api/v1/ledger/periods/2020-01/close", headers=second)
    assert closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_by"] == "second@exchange.cn"
    again = client.post("/api/v1/ledger/periods/2020-01/close", headers=second)
    assert again.status_code == 409


@pytest.mark.parametrize("name", ["2020/01", "..", "2020?01", "50%", "a\\b"])
def test_a_period_name_that_could_not_be_addressed_is_refused(api, name):
    client, headers = api
    body = {"name": name, "starts_at": "2020-01-01", "ends_at": "2020-01-31"}
    refused = client.post("/api/v1/ledger/periods", json=body, headers=headers)
    assert refused.status_code == 422 and "name" in refused.get_json()["errors"]
    assert name not in [
        p["name"] for p in client.get("/api/v1/ledger/periods", headers=headers).get_json()
    ]


def _second_finance_client(app, db) -> dict:
    """Headers of another finance user's client of the operator."""
    operator = db.scalar(sa.select(Organisation).where(Organisation.is_operator))
    second = factories.user(db, "second@exchange.cn", staff=(StaffRole.FINANCE,))
    operator.memberships.append(Membership(user=second, role=MemberRole.MEMBER))
    client, secret = factories.api_client(
        db, operator, ["finance:read", "finance:write"], creator=second
    )
    db.commit()
    return {
        "Authorization": f"Bearer {factories.token(app.test_client(), client.client_id, secret)}"
    }


def test_a_period_still_running_cannot_be_closed(api, app, db):
    client, headers = api
    now = datetime.now(UTC)
    body = {
        "name": "current",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    assert client.post("/api/v1/ledger/periods", json=body, headers=headers).status_code == 201
    requested = client.post("/api/v1/ledger/periods/current/close-request", headers=headers)
    assert requested.status_code == 409
    assert "has not ended" in requested.get_json()["message"]
    closed = client.post("/api/v1/ledger/periods/current/close", headers=headers)
    assert closed.status_code == 409
    listed = client.get("/api/v1/ledger/periods", headers=headers).get_json()
    assert [period["status"] for period in listed] == ["open"]


def test_naive_datetime_is_refused_naming_the_field(api):
    client, headers = api
    response = client.post(
        "/api/v1/ledger/periods",
        json={"name": "x", "starts_at": "2020-01-01T00:00:00", "ends_at": "2020-02-01T00:00:00Z"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "starts_at" in response.get_json()["errors"]


def test_organisation_clients_cannot_read_the_ledger(app, db):
    organisation = factories.organisation(db)
    client, secret = factories.api_client(db, organisation, ["org:read"])
    db.commit()
    token = factories.token(app.test_client(), client.client_id, secret)
    response = app.test_client().get(
        "/api/v1/ledger/trial-balance", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
