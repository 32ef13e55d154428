"""Valuation fixtures: a provider with an asset, an appraiser, API tokens; after each test the
registry's hash chain (which records final reports) must still verify."""

from __future__ import annotations

import pytest

from market.identity.models import StaffRole
from market.registry.chain import verify_chain
from tests import factories
from tests.registry import factories as rf

CSV = (
    "id,名称,amount,updated\n"
    "1,福田,10.5,2026-02-25\n"
    "2,南山,,2026-02-26\n"
    "2,南山,,2026-02-26\n"
    "3,罗湖,abc,2026-02-27\n"
).encode()


class Api:
    """A plain test client and the arranging session."""

    def __init__(self, app, db):
        self.raw = app.test_client()
        self.db = db

    def bearer(self, organisation, scopes, creator=None) -> dict:
        client, secret = factories.api_client(self.db, organisation, scopes, creator)
        self.db.commit()
        token = factories.token(self.raw, client.client_id, secret)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(app, db):
    """The API client; afterwards the registry log, final reports included, must verify."""
    yield Api(app, db)
    db.rollback()
    assert verify_chain(db) is None


@pytest.fixture
def holding(db, store):
    """``(organisation, owner, asset)``: a provider's documented dataset with one CSV version."""
    organisation, owner = rf.provider(db)
    asset = rf.asset(
        db,
        organisation,
        owner,
        description_zh="福田区站点客流",
        field_schema=[{"name": "id", "type": "integer"}],
    )
    rf.version(db, store, asset, owner, {"stations.csv": CSV})
    db.commit()
    return organisation, owner, asset


@pytest.fixture
def appraiser(db):
    """A user holding the appraiser staff role."""
    user = factories.user(db, staff=(StaffRole.APPRAISER,), name="Appraiser Wang")
    db.commit()
    return user


@pytest.fixture
def appraiser_headers(api, appraiser):
    """An appraisal:write token acting for the appraiser."""
    operator = factories.organisation(api.db, appraiser, is_operator=True)
    return api.bearer(operator, ["appraisal:write"], appraiser)


@pytest.fixture
def provider_headers(api, holding):
    """A registry:read/write token of the provider."""
    organisation, owner, _asset = holding
    return api.bearer(organisation, ["registry:read", "registry:write"], owner)
