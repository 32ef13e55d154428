"""Schemathesis, stateful: follow the OpenAPI document's links from one answer to the next
(create an asset, then claim it; read a listing, then order its plan, then pay or cancel), so
the calls reach real resources instead of random ids. No 5xx, every answer as documented.

The exchange holds a published listing of another provider (something to buy), one in review
(something to review), and the calling organisation has an order waiting for payment and an
asset of its own, so the lists the scenarios start from are not empty. Scenarios come from a
fixed seed, their number and length bounded.
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import Flaky
from schemathesis.core.failures import FailureGroup

from market.apilinks import LINKS, link_objects
from market.db import utcnow
from market.listings import listings
from market.trading import orders
from market.trading.settings import from_config
from tests import factories
from tests.api import test_schemathesis as stateless
from tests.api.test_schemathesis import CHECKS, ORGANISATION_SCOPES, _headers
from tests.listings import factories as listing_factories
from tests.registry import factories as registry_factories

SCENARIOS = 40
STEPS_PER_SCENARIO = 12

# The stateless run's fixtures: the app on PostgreSQL, with Stripe pointed at localstripe.
engine_kind, app = stateless.engine_kind, stateless.app


@pytest.fixture
def market_with_listings(db, store, drain):
    """A published listing (indexed, so search finds it) and a listing waiting for review."""
    provider, provider_user = registry_factories.provider(db)
    reviewer = registry_factories.reviewer(db)
    published = listing_factories.published_listing(db, store, provider, provider_user, reviewer)
    waiting = listing_factories.draft_listing(db, store, provider, provider_user, reviewer)
    listings.submit(db, waiting, provider_user, utcnow())
    db.commit()
    drain()
    return published


def _organisation_caller(app, db, listing) -> dict:
    """Headers of an organisation's client; the organisation has an asset and an order."""
    user = factories.user(db)
    organisation = factories.organisation(db, user)
    registry_factories.asset(db, organisation, user)
    settings_ = from_config(app.config)
    body = {"plan_id": listing.live_revision.plans[0].id, "usage_scenario": "research"}
    orders.place(
        db, organisation, user, body, utcnow(), settings_.fee_bps_for, vat_bps=settings_.vat_bps
    )
    client, secret = factories.api_client(db, organisation, ORGANISATION_SCOPES, creator=user)
    db.commit()
    scope = " ".join(ORGANISATION_SCOPES)
    token = factories.token(app.test_client(), client.client_id, secret, scope)
    return {"Authorization": f"Bearer {token}"}


def _failures(app, headers: dict) -> tuple[list[str], int]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Only the links the document declares: the run is about them, and stays repeatable.
    schema.config.phases.stateful.inference.algorithms = []
    failures: list[str] = []
    calls = []

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            calls.append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    detail = " ".join(str(failure).split())[:400]
                    failures.append(f"{case.operation.label} -> {response.status_code}: {detail}")

    # The database keeps what earlier scenarios made, so a replayed prefix can draw differently
    # (Flaky); schemathesis' own runner ends the run there too. What ran is checked.
    with contextlib.suppress(Flaky):
        Workflow.run(
            settings=settings(
                max_examples=SCENARIOS,
                stateful_step_count=STEPS_PER_SCENARIO,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    return failures, len(calls)


def test_every_link_is_in_the_document_and_names_an_operation(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    for (method, path, status), links in LINKS.items():
        response = document["paths"]["/api/v1" + path][method]["responses"][status]
        assert response["links"] == link_objects(links)
        for link in response["links"].values():
            _, _, target, target_method = link["operationRef"].split("/")
            assert target_method in document["paths"][target.replace("~1", "/")]


@pytest.mark.parametrize("staff", [False, True], ids=["organisation", "staff"])
def test_linked_calls_answer_without_server_errors_and_as_documented(
    app, db, market_with_listings, staff
):
    if staff:
        headers = _headers(app, db, staff=True)
    else:
        headers = _organisation_caller(app, db, market_with_listings)
    failures, calls = _failures(app, headers)
    assert calls >= SCENARIOS * 2  # the run went far enough to mean something
    distinct = sorted(set(failures))
    assert distinct == [], f"{len(distinct)} distinct failures:\n" + "\n".join(distinct)
