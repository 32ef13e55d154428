"""Schemathesis against every operation of the OpenAPI document: no 5xx, and every answer
matches the response schema the document declares.

Two callers: an organisation's client holding every non-staff scope, and a client of the
exchange operator held by a user with every staff role. Examples are generated from a fixed
seed and bounded per operation, so the run is repeatable and takes a few minutes.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from market.app import create_app
from market.identity.models import StaffRole
from market.oauth.scopes import SCOPES
from tests import factories
from tests.conftest import app_config
from tests.trading.helpers import stripe_config

EXAMPLES_PER_OPERATION = 10
CHECKS = [not_a_server_error, response_schema_conformance]

ORGANISATION_SCOPES = [name for name, (_text, role) in SCOPES.items() if role is None]
STAFF_SCOPES = [name for name, (_text, role) in SCOPES.items() if role is not None]


@pytest.fixture(params=["postgresql"])
def engine_kind(request) -> str:
    """PostgreSQL only: it is the engine that refuses what overflows its columns."""
    return request.param


@pytest.fixture
def app(migrated_database_url, tmp_path, stripe_url):
    """The application with Stripe pointed at localstripe."""
    config = app_config(migrated_database_url, tmp_path / "instance", **stripe_config(stripe_url))
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _headers(app, db, staff: bool) -> dict:
    if staff:
        user = factories.user(db, staff=tuple(StaffRole))
        organisation = factories.organisation(db, user, is_operator=True)
        scopes = STAFF_SCOPES
    else:
        user = factories.user(db)
        organisation = factories.organisation(db, user)
        scopes = ORGANISATION_SCOPES
    client, secret = factories.api_client(db, organisation, scopes, creator=user)
    db.commit()
    token = factories.token(app.test_client(), client.client_id, secret, " ".join(scopes))
    return {"Authorization": f"Bearer {token}"}


def _operation_test(operation, headers: dict, failures: list[str]):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = " ".join(str(failure).split())[:400]
                failures.append(f"{operation.label} -> {response.status_code}: {detail}")

    return run


def _failures(app, headers: dict) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        _operation_test(result.ok(), headers, failures)()
    return failures


@pytest.mark.parametrize("staff", [False, True], ids=["organisation", "staff"])
def test_every_operation_answers_without_server_errors_and_as_documented(app, db, staff):
    headers = _headers(app, db, staff)
    failures = _failures(app, headers)
    distinct = sorted(set(failures))
    assert distinct == [], f"{len(distinct)} distinct failures:\n" + "\n".join(distinct)
